"""Conservation Strategy 2018–2028: how far it has come, per goal and objective."""

import streamlit as st

from dashboard.ui import layout
from dashboard.ui.framework_view import framework_body
from dashboard.ui.sidebar import shared_filters

layout.header(
    "Conservation Strategy 2018–2028",
    "How far each goal and objective of the Pallas's cat Conservation Strategy has come, and "
    "which activities stand behind it.",
)

with layout.guard("The Strategy page"), st.spinner("Computing progress…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    framework_body("strategy", filters)

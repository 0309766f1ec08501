"""Progress over time: both plans' completion from the progress updates, with their horizons."""

import streamlit as st

from dashboard.ui import layout
from dashboard.ui.framework_view import both_plans_history
from dashboard.ui.sidebar import shared_filters

layout.header(
    "Progress over time",
    "Completion of both plans as the progress updates report it, each with its horizon. Set "
    "*Progress as of* in the sidebar to see any past state, for example 2026-03-23 (CMS COP15).",
)

with layout.guard("The history page"), st.spinner("Computing completion over time…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    both_plans_history(filters)
    st.caption("The status filter does not apply here: history follows every status.")
    layout.how_computed()

"""Progress over time: each plan's items under way against its time, from its start."""

import streamlit as st

from dashboard.ui import layout
from dashboard.ui.framework_view import every_plan_pace
from dashboard.ui.sidebar import shared_filters

layout.header(
    "Progress over time",
    "For each plan, from its start: how many of its items have started and been completed, "
    "against the time elapsed of its period. Set *Progress as of* in the sidebar to see any "
    "past state, for example 2026-03-23 (CMS COP15).",
)

with layout.guard("The history page"), st.spinner("Computing progress over time…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    every_plan_pace(filters)
    st.caption("The status filter does not apply here: history follows every status.")
    layout.how_computed()

"""Manul Progress: the router. Page config, navigation, nothing else."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent

st.set_page_config(
    page_title="Manul Progress",
    page_icon=str(HERE / "assets" / "manul-icon.png"),
    layout="wide",
)

navigation = st.navigation(
    {
        "Progress": [
            st.Page(HERE / "pages" / "overview_page.py", title="Overview", default=True),
        ],
    }
)
navigation.run()

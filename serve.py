"""Manul Progress served with its HTTP routes: `streamlit run serve.py` (as `make run` does).

app.py is the dashboard; this adds the route that sets partners' HTTP-only session cookie
(dashboard/session_cookie.py), through Streamlit's ASGI entry point `st.App`. Served as plain
`streamlit run app.py`, everything works except staying signed in across a reload.
"""

from pathlib import Path

import streamlit as st

from dashboard.session_cookie import routes

app = st.App(Path(__file__).parent / "app.py", routes=routes())

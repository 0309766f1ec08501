"""Partner sign-in: editing needs an account, viewing does not."""

import streamlit as st

from dashboard.ui import layout, signin

layout.header(
    "Partner sign-in",
    "Everyone can view the dashboard. Partners sign in to keep the data current: edit "
    "activities, record progress, funding and outputs, and import files.",
    cite=False,
)

with layout.guard("Sign-in"):
    user = signin.current_user()
    if user is None:
        signin.sign_in_form()
        st.caption(
            "No account? Ask the data maintainers: they create one with `dashboard user add`."
        )
    else:
        signin.signed_in_panel(user)

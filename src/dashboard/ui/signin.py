"""Partners' sign-in: who is signed in, the sign-in form, signing out.

The session remembers only the user name. Every run asks the store again, so a user disabled
meanwhile loses the right to edit at once, and signing out ends the session's rights.
"""

from __future__ import annotations

import logging

import streamlit as st

from dashboard import auth
from dashboard.auth import Actor
from dashboard.ui.store import session

log = logging.getLogger(__name__)

USER_KEY = "signed_in_user"
# Widget and state keys of the edit page, dropped on sign-out.
EDIT_STATE_PREFIXES = ("act_", "prog_", "fund_", "out_", "assess_", "imp_", "hist_")


def current_user() -> Actor | None:
    """The signed-in partner, or None; never raises (the navigation depends on it)."""
    name = st.session_state.get(USER_KEY)
    if not name:
        return None
    try:
        with session() as current:
            actor = auth.actor_for(session=current, username=str(name))
    except Exception:
        log.exception("cannot check the signed-in user")
        return None
    if actor is None:
        # Disabled (or removed) since signing in: the session's rights end now.
        sign_out()
    return actor


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)
    for key in list(st.session_state):
        if str(key).startswith(EDIT_STATE_PREFIXES):
            del st.session_state[key]


def sign_in_form() -> None:
    """The sign-in form; on success, the navigation is rebuilt with the edit pages."""
    with st.form("sign-in", clear_on_submit=True):
        username = st.text_input("User name", key="sign_in_name", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="sign_in_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    with session() as current:
        outcome = auth.authenticate(session=current, username=username, password=password)
        current.commit()
    if outcome.actor is None:
        st.error(outcome.message)
        return
    st.session_state[USER_KEY] = outcome.actor.name
    st.rerun()


def describe(actor: Actor) -> str:
    scope = (
        "any activity"
        if actor.unrestricted
        else "activities that " + ", ".join(sorted(actor.organisations)) + " lead or partner"
    )
    return f"Signed in as **{actor.name}** ({actor.role}): you may edit {scope}."


def signed_in_panel(actor: Actor) -> None:
    st.success(describe(actor))
    st.page_link("views/edit_page.py", label="Edit activities, record progress, import files")
    st.button("Sign out", on_click=sign_out, type="primary", key="sign_out")

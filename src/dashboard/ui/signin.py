"""Partners' sign-in: who is signed in, the sign-in form, signing out, staying signed in.

The session remembers the user name and the id of its `PartnerSession`. Every run asks the
store again, so a user disabled or signed out meanwhile loses the right to edit at once.
A new page load (a reload, a bookmarked link) finds the partner again through the session
cookie, which only the server sets and reads (dashboard/session_cookie.py, README
"Staying signed in").
"""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from dashboard import auth
from dashboard.auth import Actor
from dashboard.session_cookie import PATH as SESSION_PATH
from dashboard.settings import get_settings
from dashboard.ui.store import session

log = logging.getLogger(__name__)

USER_KEY = "signed_in_user"
SESSION_KEY = "signed_in_session"
# A ticket waiting to be handed to the browser, and whether the cookie is to be dropped.
TICKET_KEY = "session_ticket"
DROP_COOKIE_KEY = "session_cookie_dropped"
# Widget and state keys of the edit page, dropped on sign-out.
EDIT_STATE_PREFIXES = ("act_", "prog_", "fund_", "out_", "assess_", "imp_", "hist_")

# Sends the ticket to the server, whose answer sets the HTTP-only cookie (or drops it). The
# script never sees the cookie; the ticket is good once, for a minute.
_COOKIE_JS = """
export default function (component) {
    const { data } = component;
    if (!data || window.__manulSessionSent === data.nonce) return;
    window.__manulSessionSent = data.nonce;
    fetch(data.url, {
        method: data.method, body: data.ticket || null, credentials: "same-origin",
        cache: "no-store",
    }).catch(() => {});
}
"""


@st.cache_resource
def _cookie_component():  # type: ignore[no-untyped-def]
    return st.components.v2.component("manul_session_cookie", js=_COOKIE_JS)


def _secret() -> bytes:
    configured = get_settings().manul_session_secret
    with session() as current:
        return auth.session_secret(
            session=current, configured=configured.get_secret_value() if configured else None
        )


def client_address() -> str:
    """Who is signing in, as the throttle tells clients apart (auth.client_address)."""
    header = get_settings().manul_client_ip_header
    forwarded = st.context.headers.get_all(header) if header else []
    address = st.context.ip_address
    # Outside a browser's session (AppTest) st.context answers with stand-ins, not text.
    return auth.client_address(
        remote=address if isinstance(address, str) else None,
        forwarded=[value for value in forwarded if isinstance(value, str)]
        if isinstance(forwarded, list)
        else [],
    )


def session_cookie() -> str:
    """The session cookie that the browser sent when this page was loaded, if any."""
    value = st.context.cookies.get(auth.SESSION_COOKIE)
    return value if isinstance(value, str) else ""


def current_user() -> Actor | None:
    """The signed-in partner, or None; never raises (the navigation depends on it)."""
    try:
        return _current_user()
    except Exception:
        log.exception("cannot check the signed-in user")
        return None


def _current_user() -> Actor | None:
    name = st.session_state.get(USER_KEY)
    with session() as current:
        if not name:
            cookie = "" if st.session_state.get(DROP_COOKIE_KEY) else session_cookie()
            found = (
                auth.session_actor(session=current, cookie=cookie, secret=_secret())
                if cookie
                else None
            )
            if found is None:
                return None
            st.session_state[SESSION_KEY], restored = found
            st.session_state[USER_KEY] = restored.name
            return restored
        actor = auth.actor_for(session=current, username=str(name))
        session_id = st.session_state.get(SESSION_KEY)
        if session_id and not auth.live_session(session=current, session_id=str(session_id)):
            actor = None
    if actor is None:
        # Disabled, signed out elsewhere or expired since signing in: the rights end now.
        sign_out()
    return actor


def sign_out() -> None:
    """End the session (in the store, so the cookie stops working) and forget the user."""
    session_id = st.session_state.pop(SESSION_KEY, None)
    if session_id:
        with session() as current:
            auth.end_session(session=current, session_id=str(session_id))
            current.commit()
    if st.session_state.pop(USER_KEY, None) is not None:
        st.session_state[DROP_COOKIE_KEY] = "pending"
    st.session_state.pop(TICKET_KEY, None)
    for key in list(st.session_state):
        if str(key).startswith(EDIT_STATE_PREFIXES):
            del st.session_state[key]


def sync_cookie() -> None:
    """Hand a new session's ticket to the browser, or drop the cookie after signing out."""
    ticket = st.session_state.pop(TICKET_KEY, None)
    if ticket:
        _send(method="POST", ticket=str(ticket))
    elif st.session_state.get(DROP_COOKIE_KEY) == "pending":
        st.session_state[DROP_COOKIE_KEY] = "sent"
        _send(method="DELETE", ticket="")


def _send(*, method: str, ticket: str) -> None:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = f"/{base}{SESSION_PATH}" if base else SESSION_PATH
    nonce = f"{method}:{dt.datetime.now(dt.UTC).timestamp()}"
    _cookie_component()(
        data={"url": url, "method": method, "ticket": ticket, "nonce": nonce},
        key=f"session-cookie-{method}",
    )


def sign_in_form() -> None:
    """The sign-in form; on success, the page runs again signed in (and the navigation is
    rebuilt with the edit pages)."""
    with st.form("sign-in", clear_on_submit=True):
        username = st.text_input("User name", key="sign_in_name", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="sign_in_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    settings = get_settings()
    with session() as current:
        outcome = auth.authenticate(
            session=current, username=username, password=password, client=client_address()
        )
        if outcome.actor is not None:
            started = auth.start_session(
                session=current,
                username=outcome.actor.name,
                lifetime=dt.timedelta(hours=settings.manul_session_hours),
            )
        current.commit()
    if outcome.actor is None:
        st.error(outcome.message)
        return
    st.session_state[USER_KEY] = outcome.actor.name
    st.session_state[SESSION_KEY] = started.id
    st.session_state[TICKET_KEY] = started.ticket
    st.session_state.pop(DROP_COOKIE_KEY, None)
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

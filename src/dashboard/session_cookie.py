"""The HTTP side of partners' sessions: the one place that sets the HTTP-only session cookie.

A Streamlit script talks to the browser over a WebSocket and cannot set a cookie; Streamlit
1.67's ASGI entry point (`st.App`, see serve.py) takes extra HTTP routes, which can. After a
sign-in the page sends this route a one-time ticket (ui/signin.py); the answer sets the signed
token as a cookie that scripts cannot read, sent back with every later page load.
"""

from __future__ import annotations

import functools
import logging

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dashboard import auth
from dashboard.db import make_engine
from dashboard.settings import get_settings

log = logging.getLogger(__name__)

PATH = "/_manul/session"
# A ticket is 43 characters; anything much longer is not one.
MAX_BODY = 200


@functools.cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def _secret(session: Session) -> bytes:
    configured = get_settings().manul_session_secret
    return auth.session_secret(
        session=session, configured=configured.get_secret_value() if configured else None
    )


async def hand_over(request: Request) -> Response:
    """POST a ticket: 204 and the session cookie, or 403 if the ticket is not good."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return Response(status_code=413)
    settings = get_settings()
    with Session(_engine(settings.effective_database_url)) as session:
        cookie = auth.hand_over(
            session=session, ticket=body.decode("ascii", "replace"), secret=_secret(session)
        )
    if cookie is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        auth.SESSION_COOKIE,
        cookie.value,
        max_age=settings.manul_session_hours * 3600,
        path="/",
        secure=settings.manul_cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


async def sign_out(request: Request) -> Response:
    """DELETE: end the session the cookie names, and drop the cookie."""
    value = request.cookies.get(auth.SESSION_COOKIE, "")
    if value:
        with Session(_engine(get_settings().effective_database_url)) as session:
            auth.end_session(session=session, cookie=value, secret=_secret(session))
            session.commit()
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def routes() -> list[Route]:
    return [
        Route(PATH, hand_over, methods=["POST"]),
        Route(PATH, sign_out, methods=["DELETE"]),
    ]

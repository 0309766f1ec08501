"""The store's version: one number that every commit changing what the pages show advances.

Pages cache their figures keyed on it (`ui/data.py`) and read it once per run, so a change
committed by any process (another replica behind a load balancer, `dashboard import` on the
command line, a form) is shown on the next page view in every process (issue 16).

It is advanced in one place, whatever the write path: every `Session` notes the tables it
writes (objects flushed, and INSERT/UPDATE/DELETE statements it executes), and before it
commits, if any of them holds something a page may cache, it runs
`UPDATE storeversion SET version = version + 1` in the same transaction. The change and the
new version are committed together or not at all. Writes through a bare connection
(`engine.connect()`) are not seen: the store is changed only through sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from dashboard.models import (
    AuditEntry,
    PartnerSession,
    ServerSecret,
    SignInThrottle,
    StoreVersion,
    User,
    UserOrganisation,
)

# Tables no cached page figure reads: accounts, sign-in throttling, partners' sessions, the
# server's secret and the audit trail are read afresh where they are used (auth.py,
# ui/signin.py, ui/history.py). A failed sign-in must not empty every
# replica's cache, or anyone could keep the app cold by mistyping passwords. Every other
# table, including any added later, advances the version.
UNCACHED_TABLES: frozenset[str] = frozenset(
    str(model.__tablename__)
    for model in (
        User,
        UserOrganisation,
        SignInThrottle,
        PartnerSession,
        ServerSecret,
        AuditEntry,
        StoreVersion,
    )
)

_WRITTEN = "dashboard.store_version.written"


def current(*, session: Session) -> int:
    """The store's version now (a single-row read)."""
    return int(session.exec(select(StoreVersion.version).where(StoreVersion.id == 1)).one())


def _note(session: OrmSession, tables: Iterable[str]) -> None:
    session.info.setdefault(_WRITTEN, set()).update(tables)


def _table_name(thing: Any) -> str:
    # An unknown target counts as a page's table: advancing too often only costs a cache miss.
    return str(getattr(thing, "name", "") or "?")


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    objects = [
        *session.new,
        *session.deleted,
        *(thing for thing in session.dirty if session.is_modified(thing)),
    ]
    _note(session, (_table_name(getattr(type(thing), "__table__", None)) for thing in objects))


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _note(state.session, [_table_name(getattr(state.statement, "table", None))])


@event.listens_for(Session, "before_commit")
def _advance(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint: the outermost commit advances the version for everything in it.
        return
    session.flush()
    if session.info.get(_WRITTEN, set()) - UNCACHED_TABLES:
        advance = update(StoreVersion).values(version=StoreVersion.version + 1)
        session.execute(advance.where(StoreVersion.id == 1))  # type: ignore[arg-type]


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)

"""The audit trail: one row per change, with who, when, how, what, and the values around it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from dashboard import audit, auth, editing
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import FundingDraft, OutputDraft, ProgressDraft
from dashboard.importer import import_file

FORM = Actor(name="alice", role="editor", via="form")
CLI = auth.command_line_actor("ops")
TODAY = dt.date.today()


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def entries(engine: Engine, activity_key: str | None = None) -> list[m.AuditEntry]:
    with Session(engine) as session:
        if activity_key is None:
            return list(session.exec(select(m.AuditEntry).order_by(col(m.AuditEntry.id))).all())
        return audit.entries(session=session, activity_key=activity_key)


def test_describe_and_changed_values() -> None:
    assert audit.changed_values(
        {"title": "A", "countries": ["KAZ"], "progress_pct": 25.0},
        {"title": "B", "countries": ["KAZ"], "progress_pct": 25},
    ) == {"title": ("A", "B")}
    assert audit.describe(
        {"title": "A", "end_date": None}, {"title": "B", "end_date": "2026-01-01"}
    ) == ("title: A → B; end_date: — → 2026-01-01")
    assert (
        audit.describe({}, {"amount": "12.00", "currency": "EUR"}) == "amount: 12.00; currency: EUR"
    )
    assert audit.describe({"active": True}, {}) == "active was True"


def test_values_are_stored_as_json_with_dates_and_decimals_as_text(engine: Engine) -> None:
    with Session(engine) as session:
        audit.record(
            session=session,
            actor=FORM,
            action="insert",
            table="funding",
            row_key="9",
            activity_key="A5",
            after={"amount": Decimal("12.50"), "date": dt.date(2026, 3, 23), "ptcrs": (9, 11)},
        )
        session.commit()
    (entry,) = entries(engine)
    assert entry.after == '{"amount": "12.50", "date": "2026-03-23", "ptcrs": [9, 11]}'
    assert entry.before == ""
    assert (entry.actor, entry.via, entry.action, entry.table_name, entry.row_key) == (
        "alice",
        "form",
        "insert",
        "funding",
        "9",
    )
    assert entry.changed_at.tzinfo is not None
    assert abs(entry.changed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_every_kind_of_change_leaves_its_row(engine: Engine) -> None:
    with Session(engine) as session:
        base = editing.load_draft(session=session, activity_id="A5")
        assert base is not None
        editing.save_activity(
            session=session,
            draft=base.replace(end_date=dt.date(2026, 12, 31)),
            actor=FORM,
            base=base,
        )
        editing.record_progress(
            session=session, draft=ProgressDraft("A5", TODAY, 30.0, "in_progress"), actor=FORM
        )
        editing.record_funding(
            session=session,
            draft=FundingDraft("acbk", "A5", Decimal(800), "USD", 2025, source="x"),
            actor=FORM,
        )
        editing.record_output(
            session=session,
            draft=OutputDraft("A5", "reports", 1, "documents", source="x"),
            actor=FORM,
        )
        session.commit()
    with Session(engine) as session:
        import_file(
            session=session,
            data=b"activity_id,date,progress_pct,status,note,source\nA5,2025-06-01,28,on_hold,,\n",
            actor=CLI,
        )
        auth.add_user(
            session=session, username="bob", password="long enough pw", role="admin", actor=CLI
        )
        auth.disable_user(session=session, username="bob", actor=CLI)
        session.commit()
    summary = [
        (entry.actor, entry.via, entry.action, entry.table_name, entry.activity_key)
        for entry in entries(engine)
    ]
    assert summary == [
        ("alice", "form", "update", "activity", "A5"),
        ("alice", "form", "insert", "progressupdate", "A5"),
        ("alice", "form", "update", "activity", "A5"),
        ("alice", "form", "insert", "funding", "A5"),
        ("alice", "form", "insert", "output", "A5"),
        # Back-dated (2025-06-01 < today): history only, the current state stays.
        ("cli:ops", "cli", "insert", "progressupdate", "A5"),
        ("cli:ops", "cli", "create", "user", None),
        ("cli:ops", "cli", "disable", "user", None),
    ]
    first = entries(engine)[0]
    assert audit.before_after(first) == ({"end_date": None}, {"end_date": "2026-12-31"})
    user_rows = [entry for entry in entries(engine) if entry.table_name == "user"]
    assert audit.before_after(user_rows[0])[1] == {
        "active": True,
        "organisations": [],
        "role": "admin",
        "username": "bob",
    }
    assert all("scrypt" not in entry.after + entry.before for entry in user_rows)


def test_a_refused_change_leaves_no_audit_row(engine: Engine) -> None:
    with Session(engine) as session:
        base = editing.load_draft(session=session, activity_id="A5")
        assert base is not None
        with pytest.raises(editing.EditError):
            editing.save_activity(
                session=session,
                draft=base.replace(progress_pct=150.0),
                actor=FORM,
                base=base,
            )
        session.commit()
    assert entries(engine) == []


def test_a_rolled_back_change_takes_its_audit_row_with_it(engine: Engine) -> None:
    with Session(engine) as session:
        editing.record_progress(
            session=session, draft=ProgressDraft("A5", TODAY, 30.0, "in_progress"), actor=FORM
        )
        session.rollback()
    assert entries(engine) == []
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.ProgressUpdate)).one() == 9


def test_activity_history_is_a_readable_table(engine: Engine) -> None:
    with Session(engine) as session:
        base = editing.load_draft(session=session, activity_id="A2")
        assert base is not None
        editing.save_activity(
            session=session,
            draft=base.replace(title="Steppe survey", partners=()),
            actor=FORM,
            base=base,
        )
        session.commit()
        history = audit.activity_history(session=session, activity_key="A2")
        assert audit.activity_history(session=session, activity_key="A1").empty
    assert list(history.columns) == list(audit.HISTORY_COLUMNS)
    assert history.drop(columns="changed_at").to_dict("records") == [
        {
            "actor": "alice",
            "via": "form",
            "action": "update",
            "table": "activity",
            "row": "A2",
            "changes": "partners: pica → —; title: Steppe survey in Mongolia → Steppe survey",
        }
    ]

"""The write functions behind the forms, the import and the CLI, on a copy of the fixture store.

Fixture state used below (tests/fixtures/data): A5 "Monitoring guideline trial" is led by pica,
on_hold at 25 % (updates 2023-01-01 10 %, 2024-01-01 25 %), version 1, site 48.0, 70.0.
A2 is led by acbk with partner pica. A1 is led by pica, completed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, func, select

from dashboard import audit, editing, queries
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import (
    ActivityDraft,
    EditConflictError,
    EditError,
    FundingDraft,
    NotAllowedError,
    OutputDraft,
    ProgressDraft,
    SiteDraft,
)
from dashboard.filters import Filters
from dashboard.queries import edit_choices

ALICE = Actor(name="alice", role="editor", via="form")
BOB = Actor(name="bob", role="editor", via="form", organisations=frozenset({"acbk"}))
TODAY = dt.date.today()


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def unchanged(module_store_url: str) -> Iterator[Engine]:
    """A store shared by the tests that must leave it as it is (each checks that it did)."""
    engine = make_engine(module_store_url)
    yield engine
    engine.dispose()


def draft_of(engine: Engine, activity_id: str) -> ActivityDraft:
    with Session(engine) as session:
        draft = editing.load_draft(session=session, activity_id=activity_id)
    assert draft is not None
    return draft


def save(engine: Engine, draft: ActivityDraft, base: ActivityDraft | None, actor: Actor = ALICE):
    with Session(engine) as session:
        result = editing.save_activity(session=session, draft=draft, actor=actor, base=base)
        session.commit()
    return result


def audit_rows(engine: Engine, activity_id: str) -> list[tuple[str, str, dict, dict]]:
    with Session(engine) as session:
        return [
            (entry.action, entry.table_name, *audit.before_after(entry))
            for entry in audit.entries(session=session, activity_key=activity_id)
        ]


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_load_draft_reads_every_link(engine: Engine) -> None:
    a2 = draft_of(engine, "A2")
    assert a2 == ActivityDraft(
        activity_id="A2",
        title="Steppe survey in Mongolia",
        status="in_progress",
        progress_pct=50.0,
        start_date=dt.date(2021, 1, 1),
        lead_organisation="acbk",
        partners=("pica",),
        countries=("MNG",),
        ptcrs=(11,),
        items={"strategy": (("S1.1", 2.0), ("S1.2", 1.0))},
        sites=(SiteDraft(44.0, 101.0),),
        source_url="https://example.org/a2",
        version=1,
    )


def new_activity(**changes: object) -> ActivityDraft:
    draft = ActivityDraft(
        activity_id="A6",
        title="Kazakh Altai interviews",
        status="in_progress",
        progress_pct=10,
        start_date=dt.date(2025, 5, 1),
        lead_organisation="acbk",
        partners=("pica",),
        funders=("hellabrunn-zoo",),
        countries=("KAZ",),
        ptcrs=(9,),
        items={"strategy": (("S1.1", 1.0),), "cami": (("CAMI-10", 0.5),)},
        sites=(SiteDraft(49.5, 86.0, "Katon-Karagai"),),
        source_url="https://example.org/a6",
    )
    return draft.replace(**changes)


def test_create_an_activity_with_all_its_links(engine: Engine) -> None:
    result = save(engine, new_activity(), base=None)
    assert (result.outcome, result.version) == ("added", 1)
    stored = draft_of(engine, "A6")
    assert stored == new_activity().normalised().replace(version=1)
    with Session(engine) as session:
        updates = session.exec(
            select(m.ProgressUpdate.date, m.ProgressUpdate.progress_pct, m.ProgressUpdate.status)
            .join(m.Activity, col(m.Activity.id) == m.ProgressUpdate.activity_id)
            .where(m.Activity.activity_id == "A6")
        ).all()
    # Its own state is recorded as its first update, on its start date (in the past).
    assert updates == [(dt.date(2025, 5, 1), 10.0, "in_progress")]
    rows = audit_rows(engine, "A6")
    assert [(action, table) for action, table, _, _ in rows] == [
        ("create", "activity"),
        ("insert", "progressupdate"),
    ]
    assert rows[0][2] == {}
    assert rows[0][3]["cami_sections"] == ["CAMI-10:0.5"]
    assert rows[0][3]["sites"] == ["49.5,86 Katon-Karagai"]


def test_creating_an_existing_id_is_refused(unchanged: Engine) -> None:
    with pytest.raises(EditError, match="activity_id: A5 exists already"):
        save(unchanged, new_activity(activity_id="A5"), base=None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"countries": ("KAZ", "XXX")}, "countries", "unknown country 'XXX'"),
        ({"ptcrs": (4,)}, "ptcrs", "unknown PTCR '4'"),
        ({"lead_organisation": "wwf"}, "lead_organisation", "unknown organisation 'wwf'"),
        ({"partners": ("wwf", "snowleopard")}, "partners", "unknown organisations 'wwf', 'snow"),
        # Each plan's links are named by its file column (Framework.items_column).
        (
            {"items": {"strategy": (("S9.9", 1.0),)}},
            "strategy_items",
            "unknown framework item 'S9.9'",
        ),
        ({"items": {"strategy": (("CAMI-4", 1.0),)}}, "strategy_items", "not in the strategy"),
        (
            {"items": {"cami": (("CAMI-10", 0.0),)}},
            "cami_sections",
            "a weight must be a positive number",
        ),
        ({"items": {"elsewhere": (("S1.1", 1.0),)}}, "items", "unknown plan 'elsewhere'"),
        ({"end_date": dt.date(2025, 4, 30)}, "end_date", "ends (2025-04-30) before it starts"),
        ({"progress_pct": 101.0}, "progress_pct", "101 is outside 0–100"),
        ({"progress_pct": -1.0}, "progress_pct", "-1 is outside 0–100"),
        ({"status": "completed", "progress_pct": 90.0}, "progress_pct", "at 100, not 90"),
        ({"status": "done"}, "status", "'done' is not one of planned"),
        ({"title": "  "}, "title", "value required"),
        # A title must read as what it holds: no direction override, no control character.
        ({"title": "Survey \u202egnp.exe"}, "title", "direction-changing character (U+202E)"),
        ({"title": "Survey\x07"}, "title", "control or direction-changing character (U+0007)"),
        ({"title": "two\nlines"}, "title", "(U+000A)"),
        ({"description": "ok\n\u2066x"}, "description", "(U+2066)"),
        ({"progress_pct": None, "status": "completed"}, "progress_pct", "at 100, not unreported"),
        ({"activity_id": "A 6"}, "activity_id", "an id is 1–60 letters"),
        ({"sites": (SiteDraft(95.0, 10.0),)}, "latitude", "95 is not a latitude"),
    ],
)
def test_every_field_is_validated_with_its_own_message(
    unchanged: Engine, changes: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(EditError) as refused:
        save(unchanged, new_activity(**changes), base=None)
    assert [problem.field for problem in refused.value.problems] == [field]
    assert message in refused.value.problems[0].message
    assert count(unchanged, m.Activity) == 5
    assert count(unchanged, m.AuditEntry) == 0


def test_coordinates_outside_the_range_are_a_warning_not_an_error(engine: Engine) -> None:
    # Nordens Ark, Sweden: outside the range states' box (the shipped GeoJSON: lon 19.7–180).
    result = save(engine, new_activity(sites=(SiteDraft(58.44, 11.44),)), base=None)
    assert result.outcome == "added"
    assert [problem.field for problem in result.warnings] == ["latitude"]
    assert "outside the range states' bounding box" in result.warnings[0].message


def test_edit_bumps_the_version_and_audits_before_and_after(engine: Engine) -> None:
    base = draft_of(engine, "A5")
    edited = base.replace(title="Monitoring guideline field trial", countries=("MNG",))
    result = save(engine, edited, base)
    assert (result.outcome, result.version) == ("changed", 2)
    assert set(result.changes) == {"title", "countries"}
    stored = draft_of(engine, "A5")
    assert (stored.title, stored.countries, stored.version) == (
        "Monitoring guideline field trial",
        ("MNG",),
        2,
    )
    assert audit_rows(engine, "A5") == [
        (
            "update",
            "activity",
            {"title": "Monitoring guideline trial", "countries": ["KAZ"]},
            {"title": "Monitoring guideline field trial", "countries": ["MNG"]},
        )
    ]
    # Neither status nor progress changed: the progress history is untouched (9 fixture rows).
    assert count(engine, m.ProgressUpdate) == 9
    # The title's sort key follows it (the explorer sorts by the key).
    with Session(engine) as session:
        key = session.exec(select(m.Activity.title_key).where(m.Activity.activity_id == "A5"))
        assert key.one() == "monitoring guideline field trial"


def test_saving_without_a_change_writes_nothing(engine: Engine) -> None:
    base = draft_of(engine, "A5")
    result = save(engine, base, base)
    assert (result.outcome, result.version) == ("unchanged", 1)
    assert count(engine, m.AuditEntry) == 0
    assert draft_of(engine, "A5").version == 1


def test_a_stale_form_is_refused_and_says_what_changed(engine: Engine) -> None:
    opened_by_alice = draft_of(engine, "A5")
    opened_by_carol = draft_of(engine, "A5")
    save(engine, opened_by_carol.replace(title="Renamed by Carol"), opened_by_carol)
    with pytest.raises(EditConflictError) as conflict:
        save(
            engine,
            opened_by_alice.replace(description="Alice's words"),
            opened_by_alice,
        )
    assert conflict.value.changes == {"title": ("Monitoring guideline trial", "Renamed by Carol")}
    assert "A5 was changed by someone else since you opened it" in str(conflict.value)
    assert "title: Monitoring guideline trial → Renamed by Carol" in str(conflict.value)
    stored = draft_of(engine, "A5")
    assert (stored.title, stored.description, stored.version) == ("Renamed by Carol", "", 2)


def test_the_version_check_is_in_the_update_statement(engine: Engine) -> None:
    """Two saves that both read version 1: the UPDATE ... WHERE version = 1 lets one through."""
    base = draft_of(engine, "A5")
    with Session(engine) as first, Session(engine) as second:
        editing.save_activity(
            session=first, draft=base.replace(title="First"), actor=ALICE, base=base
        )
        first.commit()
        # The second session's own check sees version 2 and refuses before writing.
        with pytest.raises(EditConflictError):
            editing.save_activity(
                session=second,
                draft=base.replace(title="Second"),
                actor=ALICE,
                base=base,
            )
    # Bypass the early check: the guarded UPDATE alone must refuse a stale version.
    stale = base.replace(version=1)
    with Session(engine) as session:
        updated = session.exec(
            update(m.Activity)
            .where(col(m.Activity.activity_id) == "A5", col(m.Activity.version) == stale.version)
            .values(title="Third")
        )
        assert updated.rowcount == 0
    assert draft_of(engine, "A5").title == "First"


def test_changing_status_adds_a_progress_update_and_keeps_the_history(engine: Engine) -> None:
    base = draft_of(engine, "A5")
    save(engine, base.replace(status="in_progress", progress_pct=40.0), base)
    with Session(engine) as session:
        history = session.exec(
            select(m.ProgressUpdate.date, m.ProgressUpdate.progress_pct, m.ProgressUpdate.status)
            .join(m.Activity, col(m.Activity.id) == m.ProgressUpdate.activity_id)
            .where(m.Activity.activity_id == "A5")
            .order_by(col(m.ProgressUpdate.date))
        ).all()
    assert history == [
        (dt.date(2023, 1, 1), 10.0, "in_progress"),
        (dt.date(2024, 1, 1), 25.0, "on_hold"),
        (TODAY, 40.0, "in_progress"),
    ]
    assert [(action, table) for action, table, _, _ in audit_rows(engine, "A5")] == [
        ("update", "activity"),
        ("insert", "progressupdate"),
    ]


def test_recording_progress_refreshes_every_figure(engine: Engine) -> None:
    with Session(engine) as session:
        editing.record_progress(
            session=session,
            draft=ProgressDraft("A5", TODAY, 70.0, "in_progress", "resumed", "report"),
            actor=ALICE,
        )
        session.commit()
        summary = queries.plan_progress(session=session, filters=Filters(include_demo=True))
    stored = draft_of(engine, "A5")
    assert (stored.status, stored.progress_pct, stored.version) == ("in_progress", 70.0, 2)
    # Strategy: (A1 100×1 + A2 50×2 + A2 50×1 + A5 70×1) / 5 = 320/5 = 64 (was 275/5 = 55).
    # CAMI: A4 0, A5 70 on CAMI-10 = 35 (was 12.5); A1 and A3 ended before 2026.
    progress = dict(zip(summary["code"], summary["activity_progress_pct"].round(1), strict=True))
    assert progress == {"strategy": 64.0, "cami": 35.0}
    rows = audit_rows(engine, "A5")
    assert rows == [
        (
            "insert",
            "progressupdate",
            {},
            {
                "date": TODAY.isoformat(),
                "note": "resumed",
                "progress_pct": 70.0,
                "source": "report",
                "status": "in_progress",
            },
        ),
        (
            "update",
            "activity",
            {"progress_pct": 25.0, "status": "on_hold"},
            {"progress_pct": 70.0, "status": "in_progress"},
        ),
    ]


def test_a_back_dated_update_adds_history_but_not_the_current_state(engine: Engine) -> None:
    with Session(engine) as session:
        editing.record_progress(
            session=session,
            draft=ProgressDraft("A5", dt.date(2022, 6, 1), 15.0, "in_progress"),
            actor=ALICE,
        )
        session.commit()
    stored = draft_of(engine, "A5")
    assert (stored.status, stored.progress_pct, stored.version) == ("on_hold", 25.0, 1)
    assert count(engine, m.ProgressUpdate) == 10
    assert [(a, t) for a, t, _, _ in audit_rows(engine, "A5")] == [("insert", "progressupdate")]
    # The activity now counts from the back-dated update on (an as-of view of 2022-06 has it).
    with Session(engine) as session:
        first = session.exec(
            select(m.Activity.first_reported).where(m.Activity.activity_id == "A5")
        )
        assert first.one() == dt.date(2022, 6, 1)
        # The update after it now changes progress from 15 to 10, not from nothing to 10.
        changes = session.exec(
            select(m.ProgressUpdate.date, m.ProgressUpdate.value_change)
            .join(m.Activity)
            .where(m.Activity.activity_id == "A5")
            .order_by(m.ProgressUpdate.date)  # type: ignore[arg-type]
        ).all()
        assert changes == [
            (dt.date(2022, 6, 1), 15.0),
            (dt.date(2023, 1, 1), -5.0),
            (dt.date(2024, 1, 1), 15.0),
        ]


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (ProgressDraft("A5", TODAY, 101.0, "in_progress"), "progress_pct: 101 is outside 0–100"),
        (ProgressDraft("A5", TODAY, 90.0, "completed"), "progress_pct: a completed activity"),
        (ProgressDraft("A5", TODAY + dt.timedelta(days=1), 30.0, "in_progress"), "the future"),
        (ProgressDraft("A9", TODAY, 30.0, "in_progress"), "unknown activity 'A9'"),
    ],
)
def test_a_bad_progress_update_is_refused(
    unchanged: Engine, draft: ProgressDraft, message: str
) -> None:
    with Session(unchanged) as session, pytest.raises(EditError, match=message):
        editing.record_progress(session=session, draft=draft, actor=ALICE)
    assert count(unchanged, m.ProgressUpdate) == 9


def test_funding_is_added_left_alone_refused_or_replaced(engine: Engine) -> None:
    grant = FundingDraft("hellabrunn-zoo", "A5", Decimal("3000"), "eur", 2024, source="letter")
    with Session(engine) as session:
        assert editing.record_funding(session=session, draft=grant, actor=ALICE) == "added"
        session.commit()
        assert editing.record_funding(session=session, draft=grant, actor=ALICE) == "unchanged"
        more = dataclasses.replace(grant, amount=Decimal("3500.50"))
        with pytest.raises(EditError, match=r"already has an entry for A5, 2024, EUR \(3000.00\)"):
            editing.record_funding(session=session, draft=more, actor=ALICE)
        assert editing.record_funding(session=session, draft=more, actor=ALICE, replace=True) == (
            "changed"
        )
        session.commit()
        amount = session.exec(
            select(m.Funding.amount).where(m.Funding.year == 2024, m.Funding.currency == "EUR")
        ).one()
    assert amount == Decimal("3500.50")
    rows = audit_rows(engine, "A5")
    assert [(action, table) for action, table, _, _ in rows] == [
        ("insert", "funding"),
        ("update", "funding"),
    ]
    assert rows[1][2:] == ({"amount": "3000.00"}, {"amount": "3500.50"})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"funder": "wwf"}, "funder: unknown organisation 'wwf'"),
        ({"amount": Decimal("-5")}, "amount: an amount is a positive number"),
        ({"amount": Decimal("1.005")}, "amount: at most two decimals"),
        ({"currency": "EURO"}, "currency: 'EURO' is not an ISO 4217 code"),
        ({"year": 1850}, "year: 1850 is not a plausible year"),
    ],
)
def test_bad_funding_is_refused(
    unchanged: Engine, changes: dict[str, object], message: str
) -> None:
    grant = FundingDraft("hellabrunn-zoo", "A5", Decimal("3000"), "EUR", 2024, source="letter")
    with Session(unchanged) as session, pytest.raises(EditError, match=message):
        editing.record_funding(
            session=session,
            draft=dataclasses.replace(grant, **changes),
            actor=ALICE,
        )
    assert count(unchanged, m.Funding) == 4


def test_outputs_are_added_and_replaced_by_indicator_and_date(engine: Engine) -> None:
    nights = OutputDraft("A5", "camera-trap nights", 300, "nights", 500, dt.date(2024, 6, 30))
    with Session(engine) as session:
        assert editing.record_output(session=session, draft=nights, actor=ALICE) == "added"
        more = dataclasses.replace(nights, value=350)
        with pytest.raises(EditError, match="already reports “camera-trap nights”"):
            editing.record_output(session=session, draft=more, actor=ALICE)
        assert editing.record_output(session=session, draft=more, actor=ALICE, replace=True) == (
            "changed"
        )
        session.commit()
    rows = audit_rows(engine, "A5")
    assert [(action, table) for action, table, _, _ in rows] == [
        ("insert", "output"),
        ("update", "output"),
    ]
    assert rows[1][2:] == ({"value": 300.0}, {"value": 350.0})


def test_an_editor_restricted_to_organisations(engine: Engine) -> None:
    # Bob edits for acbk: A2 (acbk leads) yes; A5 (pica only) no.
    a2 = draft_of(engine, "A2")
    assert save(engine, a2.replace(title="Steppe survey"), a2, BOB).outcome == ("changed")
    a5 = draft_of(engine, "A5")
    with pytest.raises(NotAllowedError, match="acbk lead or partner"):
        save(engine, a5.replace(title="Taken over"), a5, BOB)
    # Nor may he hand his activity to others only.
    a2 = draft_of(engine, "A2")
    with pytest.raises(NotAllowedError):
        save(engine, a2.replace(lead_organisation="pica", partners=()), a2, BOB)
    with Session(engine) as session, pytest.raises(NotAllowedError):
        editing.record_progress(
            session=session, draft=ProgressDraft("A5", TODAY, 30.0, "in_progress"), actor=BOB
        )
    with Session(engine) as session:
        editable = edit_choices.activity_titles(session=session, may_edit=BOB.may_edit)
    # acbk leads A2 and partners A4.
    assert [key for key, _ in editable] == ["A2", "A4"]
    assert draft_of(engine, "A5").title == "Monitoring guideline trial"


def test_every_write_keeps_the_activity_row_on_its_latest_update(engine: Engine) -> None:
    """Today's figures read status and progress from the activity row (queries.scope)."""
    base = draft_of(engine, "A5")
    save(engine, base.replace(status="in_progress", progress_pct=30.0), base)
    save(engine, new_activity(), base=None)
    with Session(engine) as session:
        for draft in (
            ProgressDraft("A2", dt.date(2022, 1, 1), 30.0, "in_progress"),  # back-dated
            ProgressDraft("A1", TODAY, 100.0, "completed"),
            ProgressDraft("A6", TODAY, 20.0, "in_progress"),
        ):
            editing.record_progress(session=session, draft=draft, actor=ALICE)
        session.commit()
        for activity in session.exec(select(m.Activity)).all():
            latest = session.exec(
                select(m.ProgressUpdate)
                .where(m.ProgressUpdate.activity_id == activity.id)
                .order_by(col(m.ProgressUpdate.date).desc(), col(m.ProgressUpdate.id).desc())
            ).first()
            assert latest is not None
            assert (activity.status, activity.progress_pct) == (latest.status, latest.progress_pct)


# Assessments of plan items (the fixture store has none).


def assessments(engine: Engine, item: str) -> list[tuple[str, str, str, str, str, bool]]:
    with Session(engine) as session:
        history = edit_choices.assessment_history(session=session, item=item)
    return [
        (day.isoformat(), status, note, source, by, bool(demo))
        for day, status, note, source, by, demo in history.itertuples(index=False)
    ]


def test_an_assessment_adds_history_and_is_audited(engine: Engine) -> None:
    assert assessments(engine, "S1.1") == []
    started = editing.AssessmentDraft(
        "S1.1", dt.date(2021, 5, 1), "started", "first surveys", "report 2021"
    )
    advanced = editing.AssessmentDraft(
        "S1.1", dt.date(2024, 5, 1), "well_advanced", source="report 2024"
    )
    completed = editing.AssessmentDraft("S1.1", TODAY, "completed", "all range states", "review")
    with Session(engine) as session:
        # Back-dated ones too: history, shown by date, none overwritten.
        for draft in (advanced, started, completed):
            outcome = editing.record_assessment(session=session, draft=draft, actor=ALICE)
            assert outcome == "added"
        session.commit()
        entries = session.exec(
            select(m.AuditEntry)
            .where(m.AuditEntry.table_name == "itemassessment")
            .order_by(col(m.AuditEntry.id))
        ).all()
        ids = session.exec(select(m.ItemAssessment.id).order_by(col(m.ItemAssessment.id))).all()
    assert assessments(engine, "S1.1") == [
        (TODAY.isoformat(), "completed", "all range states", "review", "alice", False),
        ("2024-05-01", "well_advanced", "", "report 2024", "alice", False),
        ("2021-05-01", "started", "first surveys", "report 2021", "alice", False),
    ]
    assert [(e.actor, e.via, e.action, e.row_key, e.activity_key) for e in entries] == [
        ("alice", "form", "insert", str(pk), None) for pk in ids
    ]
    assert audit.before_after(entries[-1]) == (
        {},
        {
            "item": "S1.1",
            "date": TODAY.isoformat(),
            "status": "completed",
            "note": "all range states",
            "source": "review",
            "demo": False,
        },
    )


def test_an_identical_assessment_is_left_alone(engine: Engine) -> None:
    first = editing.AssessmentDraft(
        "S1.2", dt.date(2022, 6, 1), "completed", "monitoring scheme in place", "report"
    )
    with Session(engine) as session:
        assert editing.record_assessment(session=session, draft=first, actor=ALICE) == "added"
        session.commit()
        again = editing.record_assessment(session=session, draft=first, actor=ALICE)
        assert again == "unchanged"
        # Another note on the same date is another assessment (history, never overwritten).
        other = dataclasses.replace(first, note="confirmed by the range state")
        assert editing.record_assessment(session=session, draft=other, actor=ALICE) == "added"
        session.commit()
    assert [row[2] for row in assessments(engine, "S1.2")] == [
        "confirmed by the range state",
        "monitoring scheme in place",
    ]
    assert count(engine, m.AuditEntry) == 2


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"item": "S9"}, ["item: unknown framework item 'S9'"]),
        ({"status": "done"}, [f"status: 'done' is not one of {', '.join(m.ITEM_STATUSES)}"]),
        (
            {"date": TODAY + dt.timedelta(days=1)},
            [f"date: {TODAY + dt.timedelta(days=1)} is in the future: assess what happened"],
        ),
        (
            {"date": dt.date(1989, 12, 31)},
            ["date: 1989-12-31 is before 1990-01-01: check the date"],
        ),
        (
            {"source": " "},
            [
                "source: say where this is documented (a report, publication or URL): "
                "“completed” needs its evidence"
            ],
        ),
        ({"status": "not_applicable", "note": ""}, ["note: say why the item does not apply"]),
        (
            {"item": "", "status": "started", "source": ""},
            [
                "item: unknown framework item ''",
                "source: say where this is documented (a report, publication or URL): "
                "“started” needs its evidence",
            ],
        ),
    ],
)
def test_a_bad_assessment_is_refused_field_by_field(
    unchanged: Engine, changes: dict[str, object], messages: list[str]
) -> None:
    draft = editing.AssessmentDraft("S2.1", dt.date(2023, 1, 1), "completed", "", "report")
    with Session(unchanged) as session, pytest.raises(EditError) as refused:
        editing.record_assessment(
            session=session, draft=dataclasses.replace(draft, **changes), actor=ALICE
        )
    assert [str(problem) for problem in refused.value.problems] == messages
    assert count(unchanged, m.ItemAssessment) == 0
    assert count(unchanged, m.AuditEntry) == 0


def test_not_started_needs_no_source(engine: Engine) -> None:
    draft = editing.AssessmentDraft("S2.1", dt.date(2023, 1, 1), "not_started")
    with Session(engine) as session:
        assert editing.record_assessment(session=session, draft=draft, actor=ALICE) == "added"


def test_only_an_unrestricted_partner_may_assess(engine: Engine) -> None:
    """An assessment speaks for a whole plan; Bob may edit only acbk's activities."""
    draft = editing.AssessmentDraft("S1.1", dt.date(2023, 1, 1), "started", source="report")
    assert ALICE.may_assess
    assert not BOB.may_assess
    with Session(engine) as session, pytest.raises(NotAllowedError) as refused:
        editing.record_assessment(session=session, draft=draft, actor=BOB)
    assert str(refused.value) == (
        "item: an assessment speaks for the whole plan: it takes an admin or an editor not "
        "restricted to organisations (you may edit only what acbk lead or partner)"
    )
    admin = Actor("dora", "admin", "form", frozenset({"acbk"}))
    with Session(engine) as session:
        assert editing.record_assessment(session=session, draft=draft, actor=admin) == "added"


def test_the_assessable_items_name_their_framework_and_provisional_ones(
    unchanged: Engine,
) -> None:
    with Session(unchanged) as session:
        items = edit_choices.assessable_items(session=session)
    assert items[:2] == [
        ("S1", "S1 Knowledge · Strategy (provisional)"),
        ("S1.1", "S1.1 Distribution · Strategy (provisional)"),
    ]
    assert items[-1] == ("CAMI-11", "CAMI-11 Education, Community and Communication · CAMI WP")
    assert len(items) == 9


def test_funding_whose_amount_is_not_published(engine: Engine) -> None:
    unpublished = FundingDraft("fondation-segre", "A5", None, None, None, source="annual report")
    assert unpublished.label() == "fondation-segre → A5 year not given amount not published"
    with Session(engine) as session:
        assert editing.record_funding(session=session, draft=unpublished, actor=ALICE) == "added"
        session.commit()
        assert editing.record_funding(session=session, draft=unpublished, actor=ALICE) == (
            "unchanged"
        )
        noted = dataclasses.replace(unpublished, note="named as a funder")
        with pytest.raises(
            EditError,
            match=r"fondation-segre already has an entry for A5, year not given, "
            r"amount not published: tick",
        ):
            editing.record_funding(session=session, draft=noted, actor=ALICE)
        # A currency alone would suggest an amount that is not there.
        with pytest.raises(EditError, match="no currency without an amount"):
            editing.record_funding(
                session=session,
                draft=dataclasses.replace(unpublished, currency="eur"),
                actor=ALICE,
            )
        row = session.exec(
            select(m.Funding.amount, m.Funding.currency, m.Funding.year).where(
                m.Funding.activity_id
                == select(m.Activity.id).where(m.Activity.activity_id == "A5").scalar_subquery()
            )
        ).one()
    assert tuple(row) == (None, None, None)
    assert audit_rows(engine, "A5")[0][3]["amount"] is None


def test_a_description_keeps_its_lines_and_its_scripts(engine: Engine) -> None:
    # Line breaks in a description, Cyrillic and Mongolian script (with its own format
    # characters) and a joiner are text, not hidden characters.
    draft = new_activity(
        title="Манул: мониторинг ᠮᠠᠨᠤᠯ",
        description="Первая строка.\nSecond line\twith a tab; ZWJ\u200d and ZWNJ\u200c.",
    )
    result = save(engine, draft, base=None)
    assert result.outcome == "added"
    assert draft_of(engine, draft.activity_id).description == draft.description

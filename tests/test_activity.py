"""One activity's queries (queries.activity) on the fixture, with exact expected values."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from dashboard import editing, queries
from dashboard.auth import Actor
from dashboard.db import make_engine
from dashboard.editing import FundingDraft, ProgressDraft

ALL = (
    queries.activity_record,
    queries.activity_updates,
    queries.activity_organisations,
    queries.activity_items,
    queries.activity_places,
    queries.activity_sites,
    queries.activity_outputs,
    queries.activity_funding,
    queries.activity_funding_totals,
    queries.activity_last_changed,
)


def records(frame: object) -> list[dict[str, object]]:
    return frame.to_dict("records")  # type: ignore[attr-defined, no-any-return]


def test_the_record_of_an_activity(session: Session) -> None:
    assert records(queries.activity_record(session=session, activity_id="A2")) == [
        {
            "activity_id": "A2",
            "title": "Steppe survey in Mongolia",
            "description": "",
            "status": "in_progress",
            "progress_pct": 50.0,
            "last_reported": dt.date(2025, 6, 1),
            "start_date": dt.date(2021, 1, 1),
            "end_date": None,
            "lead": "Association for the Conservation of Biodiversity of Kazakhstan",
            "lead_slug": "acbk",
            "source_url": "https://example.org/a2",
            "demo": False,
        }
    ]
    assert bool(queries.activity_record(session=session, activity_id="A4")["demo"].iloc[0])


@pytest.mark.parametrize("query", ALL, ids=lambda query: query.__name__)
@pytest.mark.parametrize("unknown", ["A9", "", "a1", "A1' OR '1'='1"])
def test_an_unknown_activity_has_empty_frames(
    session: Session, query: object, unknown: str
) -> None:
    assert query(session=session, activity_id=unknown).empty  # type: ignore[operator]


def test_progress_history_newest_first(session: Session) -> None:
    assert records(queries.activity_updates(session=session, activity_id="A5")) == [
        {
            "date": dt.date(2024, 1, 1),
            "status": "on_hold",
            "progress_pct": 25.0,
            "note": "paused",
            "source": "fixture",
        },
        {
            "date": dt.date(2023, 1, 1),
            "status": "in_progress",
            "progress_pct": 10.0,
            "note": "started",
            "source": "fixture",
        },
    ]


def test_organisations_lead_then_partners_then_funders(session: Session) -> None:
    def named(activity_id: str) -> list[tuple[object, ...]]:
        frame = queries.activity_organisations(session=session, activity_id=activity_id)
        return [tuple(row) for row in frame[["role", "slug"]].itertuples(index=False)]

    # A1: a funder link and two funding records (Hellabrunn's both linked and granted).
    assert named("A1") == [
        ("lead", "pica"),
        ("funder", "fondation-segre"),
        ("funder", "hellabrunn-zoo"),
    ]
    assert named("A2") == [("lead", "acbk"), ("partner", "pica"), ("funder", "hellabrunn-zoo")]
    assert named("A4") == [("lead", "fondation-segre"), ("partner", "acbk")]


def test_plan_items_plan_by_plan_with_weights(session: Session) -> None:
    frame = queries.activity_items(session=session, activity_id="A2")
    assert records(frame) == [
        {
            "framework": "strategy",
            "framework_name": "Fixture Strategy 2018–2028",
            "code": "S1.1",
            "title": "Distribution",
            "provisional": True,
            "weight": 2.0,
        },
        {
            "framework": "strategy",
            "framework_name": "Fixture Strategy 2018–2028",
            "code": "S1.2",
            "title": "Monitoring",
            "provisional": True,
            "weight": 1.0,
        },
    ]
    # The plan of the earlier period first.
    codes = queries.activity_items(session=session, activity_id="A1")["code"].tolist()
    assert codes == ["S1.1", "CAMI-10"]


def test_places_countries_by_name_then_ptcrs(session: Session) -> None:
    frame = queries.activity_places(session=session, activity_id="A4")
    assert frame[["kind", "code", "name", "pending"]].to_dict("records") == [
        {"kind": "country", "code": "KAZ", "name": "Kazakhstan", "pending": False},
        {"kind": "country", "code": "MNG", "name": "Mongolia", "pending": False},
        {"kind": "ptcr", "code": "9", "name": "Altai", "pending": False},
    ]
    assert frame["latitude"].tolist()[2:] == [49.5]
    assert all(math.isnan(value) for value in frame["latitude"].tolist()[:2])
    assert records(queries.activity_sites(session=session, activity_id="A1")) == [
        {"site": "", "latitude": 49.2, "longitude": 85.6}
    ]
    assert queries.activity_sites(session=session, activity_id="A4").empty


def test_outputs_against_targets(session: Session) -> None:
    assert records(queries.activity_outputs(session=session, activity_id="A2")) == [
        {
            "indicator": "people trained",
            "value": 15.0,
            "unit": "people",
            "target": 20.0,
            "pct_of_target": 75.0,
            "date": dt.date(2025, 6, 1),
            "note": "",
            "source": "fixture",
        }
    ]
    assert queries.activity_outputs(session=session, activity_id="A1")[
        "pct_of_target"
    ].tolist() == [120.0]


def test_funding_per_record_and_per_currency(session: Session) -> None:
    frame = queries.activity_funding(session=session, activity_id="A1")
    assert frame[["funder_slug", "year", "amount", "currency"]].to_dict("records") == [
        {"funder_slug": "hellabrunn-zoo", "year": 2019, "amount": 10000.0, "currency": "EUR"},
        {"funder_slug": "fondation-segre", "year": 2020, "amount": 2000.0, "currency": "USD"},
    ]
    assert records(queries.activity_funding_totals(session=session, activity_id="A1")) == [
        {"currency": "EUR", "amount": 10000.0, "grants": 1},
        {"currency": "USD", "amount": 2000.0, "grants": 1},
    ]


@pytest.fixture
def written(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def test_unpublished_amounts_and_the_last_change(written: Engine) -> None:
    actor = Actor(name="alice", role="editor", via="form")
    with Session(written) as session:
        assert queries.activity_last_changed(session=session, activity_id="A2").empty
        for draft in (
            FundingDraft("fondation-segre", "A2", None, None, None, source="a letter"),
            FundingDraft("acbk", "A2", Decimal("2500.50"), "EUR", 2024, source="x"),
        ):
            editing.record_funding(session=session, draft=draft, actor=actor)
        editing.record_progress(
            session=session,
            draft=ProgressDraft("A2", dt.date.today(), 60.0, "in_progress"),
            actor=actor,
        )
        session.commit()
    with Session(written) as session:
        frame = queries.activity_funding(session=session, activity_id="A2")
        assert frame["funder_slug"].tolist() == ["hellabrunn-zoo", "acbk", "fondation-segre"]
        # The year unknown: last; amount and currency empty, never 0.
        assert frame["year"].tolist()[:2] == [2021, 2024]
        assert frame["year"].isna().tolist() == [False, False, True]
        assert frame["currency"].tolist()[:2] == ["EUR", "EUR"]
        assert frame["currency"].isna().tolist() == [False, False, True]
        assert frame["amount"].tolist()[:2] == [5000.0, 2500.5]
        assert math.isnan(frame["amount"].iloc[2])
        totals = queries.activity_funding_totals(session=session, activity_id="A2")
        assert totals["currency"].tolist()[0] == "EUR"
        assert totals["currency"].isna().tolist() == [False, True]
        assert totals["amount"].tolist()[0] == 7500.5
        assert math.isnan(totals["amount"].iloc[1])
        assert totals["grants"].tolist() == [2, 1]
        # Both funders are named as funders.
        organisations = queries.activity_organisations(session=session, activity_id="A2")
        assert organisations["slug"].tolist() == [
            "acbk",
            "pica",
            "acbk",
            "fondation-segre",
            "hellabrunn-zoo",
        ]

        changed = queries.activity_last_changed(session=session, activity_id="A2")
        assert changed[["via", "action", "table", "changes"]].to_dict("records") == [
            # The progress update refreshed the activity row last; four changes in all.
            {"via": "form", "action": "update", "table": "activity", "changes": 4}
        ]
        assert changed["changed_at"].iloc[0].date() == dt.datetime.now(dt.UTC).date()

"""Synergy queries on the fixture, with numbers worked out by hand.

An activity serves a plan only with work in the plan's period: the fixture's tagged work
(2019–2024) lies before its Work Programme (2026–2032), so it serves the Strategy alone
(`test_work_before_a_plan_began_serves_only_the_other`). Most tests here read the fixture
with both plans running from 2019 (tests/fixtures/overlapping_periods, the `session` below),
where that work serves both.

The fixture's links (tests/fixtures/data/activities.csv), progress as of today:
    A1  S1.1        CAMI-10   completed 100 %
    A2  S1.1:2;S1.2 —         in progress 50 %
    A3  S2.1        CAMI-4    cancelled (30 %), demo
    A4  —           CAMI-10   planned 0 %, demo
    A5  S1.2        CAMI-10   on hold 25 %
Strategy goals S1 (S1.1, S1.2) and S2 (S2.1, S2.2); CAMI sections CAMI-4, CAMI-10, CAMI-11.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dashboard import charts, queries
from dashboard.db import make_engine
from dashboard.filters import Filters
from dashboard.models import Activity, Funding, Organisation
from dashboard.queries.synergies import OTHER_ACTIVITIES, natural_key
from tests.conftest import FIXTURE_DATA, seeded_engine
from tests.test_activity_table import assert_same_rows, many_activities_store


@pytest.fixture
def session(overlapping_session: Session) -> Session:
    """The fixture with both plans running from 2019 (see the module's docstring)."""
    return overlapping_session


@pytest.fixture
def fixture_session(engine: Engine) -> Iterator[Session]:
    """The fixture as it is: the Work Programme from 2026."""
    with Session(engine) as session:
        yield session


def cells(matrix: pd.DataFrame) -> dict[tuple[str, str], tuple[int, int, float | None]]:
    """{(strategy item, CAMI section): (activities, counted, completion)} of non-empty cells."""
    return {
        (row.first_item, row.second_item): (
            row.activities,
            row.counted,
            None if math.isnan(row.completion_pct) else round(row.completion_pct, 6),
        )
        for row in matrix.itertuples()
        if row.activities
    }


def test_matrix_rows_are_goals_rolled_up_over_their_objectives(session: Session) -> None:
    matrix = queries.synergy_matrix(session=session, filters=Filters(include_demo=True))
    # Every pair is listed, goals in order, sections in order.
    assert list(zip(matrix["first_item"], matrix["second_item"], strict=True)) == [
        ("S1", "CAMI-4"),
        ("S1", "CAMI-10"),
        ("S1", "CAMI-11"),
        ("S2", "CAMI-4"),
        ("S2", "CAMI-10"),
        ("S2", "CAMI-11"),
    ]
    assert matrix["first_title"].tolist()[:1] == ["Knowledge"]
    # S1 x CAMI-10: A1 (via S1.1, 100 %) and A5 (via S1.2, 25 %) -> 2, mean 62.5.
    # S2 x CAMI-4: A3 only, cancelled -> 1 activity, none counted, no completion.
    assert cells(matrix) == {
        ("S1", "CAMI-10"): (2, 2, 62.5),
        ("S2", "CAMI-4"): (1, 0, None),
    }


def test_matrix_drills_into_a_goals_objectives(session: Session) -> None:
    matrix = queries.synergy_matrix(
        session=session, filters=Filters(include_demo=True), first_parent="S1"
    )
    assert sorted(set(matrix["first_item"])) == ["S1.1", "S1.2"]
    assert len(matrix) == 6
    # A2 serves S1.1 and S1.2 but no CAMI section: it is in no cell.
    assert cells(matrix) == {
        ("S1.1", "CAMI-10"): (1, 1, 100.0),
        ("S1.2", "CAMI-10"): (1, 1, 25.0),
    }
    # An objective has no items below it: no rows, not an error.
    assert queries.synergy_matrix(
        session=session, filters=Filters(include_demo=True), first_parent="S1.1"
    ).empty


def test_matrix_follows_the_date_and_the_demo_switch(session: Session) -> None:
    # On 2020-01-01 only A1 had reported, at 40 %.
    early = queries.synergy_matrix(
        session=session, filters=Filters(as_of=dt.date(2020, 1, 1), include_demo=True)
    )
    assert cells(early) == {("S1", "CAMI-10"): (1, 1, 40.0)}
    # Without demo data A3 (demo) goes; A1 and A5 are documented.
    documented = queries.synergy_matrix(session=session, filters=Filters(include_demo=False))
    assert cells(documented) == {("S1", "CAMI-10"): (2, 2, 62.5)}


def test_activities_in_a_cell(session: Session) -> None:
    listed = queries.activities_serving(
        session=session, filters=Filters(include_demo=True), items=("S1", "CAMI-10")
    )
    assert listed["activity_id"].tolist() == ["A1", "A5"]
    assert listed["progress_pct"].tolist() == [100.0, 25.0]
    assert listed["lead"].tolist() == ["Pallas's cat International Conservation Alliance"] * 2
    cancelled = queries.activities_serving(
        session=session, filters=Filters(include_demo=True), items=("S2", "CAMI-4")
    )
    assert cancelled.to_dict("records") == [
        {
            "activity_id": "A3",
            "title": "Herding-dog study (cancelled)",
            "status": "cancelled",
            "progress_pct": 30.0,
            "counted": False,
            "lead": "Pallas's cat International Conservation Alliance",
            "demo": True,
        }
    ]
    assert queries.activities_serving(
        session=session, filters=Filters(include_demo=True), items=("S2", "CAMI-10")
    ).empty
    assert queries.activities_serving(
        session=session, filters=Filters(include_demo=True), items=()
    ).empty


def test_a_cells_activities_one_page_at_a_time(session: Session) -> None:
    matrix = queries.synergy_matrix(session=session, filters=Filters(include_demo=True))
    # The matrix says how many activities a cell lists: the pager's total.
    assert charts.cell_activities(matrix, "S1 × CAMI-10") == 2
    assert charts.cell_activities(matrix, "S2 × CAMI-10") == 0
    whole = queries.activities_serving(
        session=session, filters=Filters(include_demo=True), items=("S1", "CAMI-10")
    )
    pages = [
        queries.activities_serving(
            session=session,
            filters=Filters(include_demo=True),
            items=("S1", "CAMI-10"),
            offset=offset,
            limit=1,
        )["activity_id"].tolist()
        for offset in (0, 1, 2)
    ]
    assert pages == [["A1"], ["A5"], []]
    assert len(whole) == charts.cell_activities(matrix, "S1 × CAMI-10")


def test_which_plans_each_activity_serves(session: Session) -> None:
    plans = queries.activity_plans(session=session, filters=Filters(include_demo=True)).set_index(
        "activity_id"
    )
    assert plans["plans"].to_dict() == {
        "A1": "both",
        "A2": "Strategy only",
        "A3": "both",
        "A4": "CAMI WP only",
        "A5": "both",
    }
    # The codes of the fixture's provisional Strategy say so in their header (and in the CSV).
    assert list(plans.columns[-3:]) == [
        "strategy (provisional structure)",
        "cami",
        "plans",
    ]
    assert plans.loc["A2", "strategy (provisional structure)"] == "S1.1;S1.2"
    assert plans.loc["A2", "cami"] == ""
    single = queries.activity_plans(
        session=session, filters=Filters(include_demo=True), single_plan_only=True
    )
    assert single["activity_id"].tolist() == ["A2", "A4"]
    # One page at a time, in activity_id order, each row as in the whole table.
    second = queries.activity_plans(
        session=session,
        filters=Filters(include_demo=True),
        single_plan_only=True,
        offset=1,
        limit=1,
    )
    assert second.to_dict("records") == single.iloc[[1]].to_dict("records")
    assert queries.activity_plans(
        session=session, filters=Filters(include_demo=True), offset=3, limit=5
    )["activity_id"].tolist() == ["A4", "A5"]
    # The share counts them: the pager's total.
    share = queries.synergy_share(session=session, filters=Filters(include_demo=True))
    assert share["first_only"] + share["second_only"] == len(single)


def test_synergy_share(session: Session) -> None:
    # A1, A3, A5 serve both of the 5 activities: 60 %.
    assert queries.synergy_share(session=session, filters=Filters(include_demo=True)) == {
        "activities": 5,
        "both": 3,
        "first_only": 1,
        "second_only": 1,
        "serving": 5,
        "neither": 0,
        "tagged_elsewhere": 0,
        "share": 0.6,
    }
    # Without demo data: A1, A5 of A1, A2, A5.
    documented = queries.synergy_share(session=session, filters=Filters(include_demo=False))
    assert documented["both"] == 2
    assert documented["activities"] == 3
    assert documented["share"] == pytest.approx(2 / 3)
    nothing = queries.synergy_share(
        session=session,
        filters=Filters(statuses=("completed",), countries=("MNG",), include_demo=True),
    )
    assert nothing["activities"] == 0
    assert nothing["share"] is None


def test_orphans_both_ways(session: Session) -> None:
    sections = queries.unshared_items(
        session=session, filters=Filters(include_demo=True), framework="cami", other="strategy"
    )
    # CAMI-4 (A3) and CAMI-10 (A1, A5) share activities with the Strategy; CAMI-11 has none.
    assert sections[["code", "activities"]].to_dict("records") == [
        {"code": "CAMI-11", "activities": 0}
    ]
    items = queries.unshared_items(
        session=session, filters=Filters(include_demo=True), framework="strategy", other="cami"
    )
    assert items[["code", "activities"]].to_dict("records") == [{"code": "S2.2", "activities": 0}]


def test_the_share_and_the_orphans_both_ways_in_one_statement(session: Session) -> None:
    for filters in (
        Filters(include_demo=True),
        Filters(include_demo=False),
        Filters(statuses=("in_progress",), include_demo=True),
    ):
        overlap = queries.plan_overlap(session=session, filters=filters)
        assert overlap["share"] == queries.synergy_share(session=session, filters=filters)
        for framework, other in (("strategy", "cami"), ("cami", "strategy")):
            expected = queries.unshared_items(
                session=session, filters=filters, framework=framework, other=other
            )
            pd.testing.assert_frame_equal(overlap[framework], expected)
    # Nothing in scope: every count 0, no share, every item an orphan with no activity.
    nothing = queries.plan_overlap(
        session=session,
        filters=Filters(statuses=("completed",), countries=("MNG",), include_demo=True),
    )
    assert nothing["share"]["activities"] == 0
    assert nothing["share"]["share"] is None
    assert nothing["cami"]["code"].tolist() == ["CAMI-4", "CAMI-10", "CAMI-11"]
    assert set(nothing["strategy"]["activities"]) == {0}


def test_orphans_without_demo_data_and_with_one_plan_work_only(session: Session) -> None:
    documented = Filters(include_demo=False)
    sections = queries.unshared_items(
        session=session, filters=documented, framework="cami", other="strategy"
    )
    assert sections["code"].tolist() == ["CAMI-4", "CAMI-11"]
    items = queries.unshared_items(
        session=session, filters=documented, framework="strategy", other="cami"
    )
    assert items["code"].tolist() == ["S2", "S2.1", "S2.2"]
    # Only A2 is in progress: it serves S1, S1.1 and S1.2 but no CAMI section, so those are
    # orphans with work behind them (activities 1), S2's subtree has none at all.
    in_progress = queries.unshared_items(
        session=session,
        filters=Filters(statuses=("in_progress",), include_demo=True),
        framework="strategy",
        other="cami",
    )
    assert dict(zip(in_progress["code"], in_progress["activities"], strict=True)) == {
        "S1": 1,
        "S1.1": 1,
        "S1.2": 1,
        "S2": 0,
        "S2.1": 0,
        "S2.2": 0,
    }


def test_flows_weighted_by_activity_count(session: Session) -> None:
    flows = queries.synergy_flows(session=session, filters=Filters(include_demo=True))
    assert flows[["source", "target", "value", "stage"]].to_dict("records") == [
        {"source": "S1", "target": "A1", "value": 1.0, "stage": "first"},
        {"source": "S1", "target": "A5", "value": 1.0, "stage": "first"},
        {"source": "S2", "target": "A3", "value": 1.0, "stage": "first"},
        {"source": "A3", "target": "CAMI-4", "value": 1.0, "stage": "second"},
        {"source": "A1", "target": "CAMI-10", "value": 1.0, "stage": "second"},
        {"source": "A5", "target": "CAMI-10", "value": 1.0, "stage": "second"},
    ]
    # An item of the provisional Strategy says so in its label (and so in the CSV).
    assert flows.loc[0, "source_label"] == "S1 Knowledge (provisional)"
    assert flows.loc[3, "target_label"] == "CAMI-4 Transboundary Cooperation"


def test_flows_weighted_by_funding_in_one_currency(session: Session) -> None:
    # EUR: A1 10 000 (2019), A3 1 000 (demo, 2020); A5 has no funding and drops out.
    eur = queries.synergy_flows(session=session, filters=Filters(include_demo=True), currency="EUR")
    assert eur.groupby("stage")["value"].sum().to_dict() == {"first": 11000.0, "second": 11000.0}
    assert sorted(set(eur["target"]) - {"CAMI-4", "CAMI-10"}) == ["A1", "A3"]
    assert queries.synergy_flows(
        session=session, filters=Filters(include_demo=False), currency="EUR"
    )["value"].tolist() == [10000.0, 10000.0]
    # USD: only A1's 2 000 grant of 2020; as of 2019 it had not been given yet.
    usd = queries.synergy_flows(session=session, filters=Filters(include_demo=True), currency="USD")
    assert usd["value"].tolist() == [2000.0, 2000.0]
    assert queries.synergy_flows(
        session=session,
        filters=Filters(as_of=dt.date(2019, 12, 31), include_demo=True),
        currency="USD",
    ).empty
    assert queries.funding_currencies(session=session, filters=Filters(include_demo=True)) == [
        "EUR",
        "USD",
    ]


def test_flows_beyond_the_top_activities_pass_through_one_node(session: Session) -> None:
    # A1, A3 and A5 serve both plans, each weighing 1: A1 comes first by activity_id.
    flows = queries.synergy_flows(session=session, filters=Filters(include_demo=True), top=1)
    assert flows[["source", "target", "value", "stage"]].to_dict("records") == [
        {"source": "S1", "target": "A1", "value": 1.0, "stage": "first"},
        {"source": "S1", "target": OTHER_ACTIVITIES, "value": 1.0, "stage": "first"},
        {"source": "S2", "target": OTHER_ACTIVITIES, "value": 1.0, "stage": "first"},
        {"source": "A1", "target": "CAMI-10", "value": 1.0, "stage": "second"},
        {"source": OTHER_ACTIVITIES, "target": "CAMI-4", "value": 1.0, "stage": "second"},
        {"source": OTHER_ACTIVITIES, "target": "CAMI-10", "value": 1.0, "stage": "second"},
    ]
    assert set(flows.loc[flows["target"] == OTHER_ACTIVITIES, "target_label"]) == {
        "2 other activities"
    }
    assert not flows["demo"].iloc[1]
    # Every goal's and every section's total is that of the flows of every activity.
    every = queries.synergy_flows(session=session, filters=Filters(include_demo=True))
    for end in ("source", "target"):
        assert (
            flows.groupby(end)["value"].sum().filter(regex="^(S|CAMI)").to_dict()
            == every.groupby(end)["value"].sum().filter(regex="^(S|CAMI)").to_dict()
        )
    # By funding, the largest first: A1 (EUR 10 000) drawn, A3 (EUR 1 000) in the node.
    eur = queries.synergy_flows(
        session=session, filters=Filters(include_demo=True), currency="EUR", top=1
    )
    assert eur[["source", "target", "value"]].to_dict("records") == [
        {"source": "S1", "target": "A1", "value": 10000.0},
        {"source": "S2", "target": OTHER_ACTIVITIES, "value": 1000.0},
        {"source": "A1", "target": "CAMI-10", "value": 10000.0},
        {"source": OTHER_ACTIVITIES, "target": "CAMI-4", "value": 1000.0},
    ]
    assert eur.loc[1, "target_label"] == "1 other activity"
    # Enough room: the same flows as without a limit.
    pd.testing.assert_frame_equal(
        queries.synergy_flows(session=session, filters=Filters(include_demo=True), top=3), every
    )


def test_work_before_a_plan_began_serves_only_the_other(fixture_session: Session) -> None:
    # The fixture as it is: the Work Programme runs from 2026, the tagged work ended by 2024.
    # A1 (S1.1, CAMI-10; 2019–2020), A3 (S2.1, CAMI-4; 2020–2022) and A5 (S1.2, CAMI-10;
    # reported until 2024) serve the Strategy only; A2 the Strategy; A4 (planned 2026–2032)
    # the Work Programme. No activity serves both.
    session = fixture_session
    everything = Filters(include_demo=True)
    assert queries.synergy_share(session=session, filters=everything) == {
        "activities": 5,
        "both": 0,
        "first_only": 4,
        "second_only": 1,
        "serving": 5,
        "neither": 0,
        "tagged_elsewhere": 3,
        "share": 0.0,
    }
    assert cells(queries.synergy_matrix(session=session, filters=everything)) == {}
    assert queries.synergy_flows(session=session, filters=everything).empty
    assert queries.activities_serving(
        session=session, filters=everything, items=("S1", "CAMI-10")
    ).empty
    plans = queries.activity_plans(session=session, filters=everything).set_index("activity_id")
    assert plans["plans"].to_dict() == {
        "A1": "Strategy only",
        "A2": "Strategy only",
        "A3": "Strategy only",
        "A4": "CAMI WP only",
        "A5": "Strategy only",
    }
    # Its links stay listed as they are: the codes say what it is tagged to.
    assert plans.loc["A1", "cami"] == "CAMI-10"
    single = queries.activity_plans(session=session, filters=everything, single_plan_only=True)
    assert single["activity_id"].tolist() == ["A1", "A2", "A3", "A4", "A5"]
    # Every item is an orphan; each counts the activities serving it in its own period.
    overlap = queries.plan_overlap(session=session, filters=everything)
    assert dict(zip(overlap["cami"]["code"], overlap["cami"]["activities"], strict=True)) == {
        "CAMI-4": 0,
        "CAMI-10": 1,
        "CAMI-11": 0,
    }
    strategy = overlap["strategy"]
    assert dict(zip(strategy["code"], strategy["activities"], strict=True)) == {
        "S1": 3,
        "S1.1": 2,
        "S1.2": 2,
        "S2": 1,
        "S2.1": 1,
        "S2.2": 0,
    }
    # Before the Work Programme began nothing serves it, not even its planned work.
    before = queries.synergy_share(
        session=session, filters=Filters(as_of=dt.date(2025, 12, 31), include_demo=True)
    )
    assert (before["activities"], before["both"], before["second_only"]) == (4, 0, 0)


def with_shared_survey(data: Path, directory: Path, start: str, reported: str) -> Path:
    """A copy of `data` in `directory` with one more activity, A6 "Shared survey": S1.1 and
    S2.1, CAMI-4 and CAMI-10, in progress from `start`, at 80 % on `reported`."""
    copy = directory / "data"
    shutil.copytree(data, copy)
    with (copy / "activities.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            f"A6,Shared survey,,in_progress,80,{start},,pica,,,KAZ,,S1.1;S2.1,"
            "CAMI-4;CAMI-10,,,,false\n"
        )
    with (copy / "progress_updates.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"A6,{reported},80,in_progress,,fixture\n")
    return copy


def test_work_in_the_years_both_plans_run_serves_both(empty_store_url: str, tmp_path: Path) -> None:
    # A copy of the fixture with one more activity (the shared fixture stays unchanged):
    # A6 serves S1.1 and S2.1, CAMI-4 and CAMI-10, at 80 %, from 2026: the only activity in
    # the years both plans run (2026–2028). It is split evenly over its goals and sections.
    engine = seeded_engine(
        empty_store_url, with_shared_survey(FIXTURE_DATA, tmp_path, "2026-02-01", "2026-06-01")
    )
    try:
        with Session(engine) as session:
            everything = Filters(include_demo=True, as_of=dt.date(2026, 12, 1))
            flows = queries.synergy_flows(session=session, filters=everything)
            assert flows[["source", "target", "value"]].to_dict("records") == [
                {"source": "S1", "target": "A6", "value": 0.5},
                {"source": "S2", "target": "A6", "value": 0.5},
                {"source": "A6", "target": "CAMI-4", "value": 0.5},
                {"source": "A6", "target": "CAMI-10", "value": 0.5},
            ]
            matrix = queries.synergy_matrix(session=session, filters=everything)
            # A1 and A5 (S1 x CAMI-10) and A3 (S2 x CAMI-4) worked before 2026: not here.
            assert cells(matrix) == {
                ("S1", "CAMI-4"): (1, 1, 80.0),
                ("S1", "CAMI-10"): (1, 1, 80.0),
                ("S2", "CAMI-4"): (1, 1, 80.0),
                ("S2", "CAMI-10"): (1, 1, 80.0),
            }
            assert queries.activities_serving(
                session=session, filters=everything, items=("S1", "CAMI-10")
            )["activity_id"].tolist() == ["A6"]
            share = queries.synergy_share(session=session, filters=everything)
            assert (share["both"], share["serving"], share["tagged_elsewhere"]) == (1, 6, 3)
            assert share["share"] == 1 / 6
            # As of 2025 neither A6 nor the Work Programme had begun.
            early = Filters(include_demo=True, as_of=dt.date(2025, 12, 31))
            assert cells(queries.synergy_matrix(session=session, filters=early)) == {}
    finally:
        engine.dispose()


def test_an_activity_serving_two_goals_and_two_sections_is_split_evenly(
    empty_store_url: str, overlapping_data: Path, tmp_path: Path
) -> None:
    # The fixture with both plans from 2019 and one more activity: A6 serves S1.1 and S2.1,
    # CAMI-4 and CAMI-10, at 80 %, with A1, A3 and A5.
    engine = seeded_engine(
        empty_store_url, with_shared_survey(overlapping_data, tmp_path, "2022-01-01", "2022-06-01")
    )
    try:
        with Session(engine) as session:
            flows = queries.synergy_flows(session=session, filters=Filters(include_demo=True))
            a6 = flows[(flows["source"] == "A6") | (flows["target"] == "A6")]
            assert a6[["source", "target", "value"]].to_dict("records") == [
                {"source": "S1", "target": "A6", "value": 0.5},
                {"source": "S2", "target": "A6", "value": 0.5},
                {"source": "A6", "target": "CAMI-4", "value": 0.5},
                {"source": "A6", "target": "CAMI-10", "value": 0.5},
            ]
            # Each stage adds up to the 4 activities serving both plans.
            assert flows.groupby("stage")["value"].sum().to_dict() == {
                "first": 4.0,
                "second": 4.0,
            }
            matrix = queries.synergy_matrix(session=session, filters=Filters(include_demo=True))
            # S1 x CAMI-10: A1 100, A5 25, A6 80 -> 205 / 3; S2 x CAMI-4: A3 (cancelled), A6.
            assert cells(matrix) == {
                ("S1", "CAMI-4"): (1, 1, 80.0),
                ("S1", "CAMI-10"): (3, 3, round(205 / 3, 6)),
                ("S2", "CAMI-4"): (2, 1, 80.0),
                ("S2", "CAMI-10"): (1, 1, 80.0),
            }
            assert (
                queries.synergy_share(session=session, filters=Filters(include_demo=True))["share"]
                == 4 / 6
            )
    finally:
        engine.dispose()


def test_codes_sort_naturally() -> None:
    assert sorted(["CAMI-10", "CAMI-4", "S1.10", "S1.2"], key=natural_key) == [
        "CAMI-4",
        "CAMI-10",
        "S1.2",
        "S1.10",
    ]


@pytest.fixture(scope="module")
def many_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store with the fixture data and `MANY` more activities; tests must not write."""
    with many_activities_store(tmp_path_factory.mktemp("many-synergies")) as url:
        yield url


def test_at_scale_each_page_is_a_slice_of_the_whole(many_url: str) -> None:
    engine = make_engine(many_url)
    try:
        with Session(engine) as session:
            filters = Filters(include_demo=True)
            single = queries.activity_plans(session=session, filters=filters, single_plan_only=True)
            share = queries.synergy_share(session=session, filters=filters)
            assert share["first_only"] + share["second_only"] == len(single) > 100
            for offset in (0, 50, len(single) - 20):
                page = queries.activity_plans(
                    session=session,
                    filters=filters,
                    single_plan_only=True,
                    offset=offset,
                    limit=50,
                )
                expected = single.iloc[offset : offset + 50].reset_index(drop=True)
                assert_same_rows(page, expected)
            matrix = queries.synergy_matrix(session=session, filters=filters)
            cell = queries.activities_serving(
                session=session, filters=filters, items=("S1", "CAMI-10")
            )
            assert charts.cell_activities(matrix, "S1 × CAMI-10") == len(cell) > 50
            page = queries.activities_serving(
                session=session, filters=filters, items=("S1", "CAMI-10"), offset=50, limit=50
            )
            assert_same_rows(page, cell.iloc[50:100].reset_index(drop=True))
            # Five activities drawn, the others through one node: each goal's and each
            # section's total is unchanged, and so is the sum of each stage.
            every = queries.synergy_flows(session=session, filters=filters)
            drawn = queries.synergy_flows(session=session, filters=filters, top=5)
            assert len(set(drawn["target"]) - {"S1", "S2", "CAMI-4", "CAMI-10"}) == 6
            for end, plan in (("source", "first"), ("target", "second")):
                ends = drawn["stage"] == plan
                assert drawn[ends].groupby(end)["value"].sum().to_dict() == pytest.approx(
                    every[every["stage"] == plan].groupby(end)["value"].sum().to_dict()
                )
            hidden = drawn.loc[drawn["target"] == OTHER_ACTIVITIES, "target_label"].iloc[0]
            assert hidden == f"{every['target'].nunique() - 2 - 5:,} other activities"
    finally:
        engine.dispose()


def test_the_page_lists_many_activities_a_page_at_a_time(
    many_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("DATABASE_URL", many_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    st.cache_data.clear()
    engine = make_engine(many_url)
    with Session(engine) as session:
        single = queries.activity_plans(
            session=session, filters=Filters(include_demo=True), single_plan_only=True
        )
    engine.dispose()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["demo"] = "true"
        at.run()
        at.switch_page("views/synergies_page.py")
        # The page number is in the URL; the page shows those 50 rows of the whole list.
        at.query_params["syn_single_page"] = "2"
        at.run()
        assert not at.exception, at.exception
        assert at.number_input(key="syn_single_page").value == 2
        captions = [caption.value for caption in at.caption]
        assert f"Activities 51–100 of {len(single):,}." in captions
        (page,) = [frame.value for frame in at.dataframe if "Plans" in frame.value.columns]
        assert page["ID"].tolist() == single["activity_id"].tolist()[50:100]
        # A cell's activities, too, from their first page.
        at.selectbox(key="syn_cell").set_value("S1 × CAMI-10").run()
        assert at.number_input(key="syn_cell_page").value == 1
        assert any(caption.value.startswith("Activities 1–50 of ") for caption in at.caption)
        # However many activities, the flows have a node per goal and per section only.
        flows = json.loads(at.get("plotly_chart")[1].proto.spec)
        labels = flows["data"][0]["node"]["label"]
        assert all(label.startswith(("S", "CAMI-")) for label in labels), labels
    finally:
        st.cache_data.clear()


def test_funding_whose_amount_is_not_published_is_no_weighting(writable_store_url: str) -> None:
    # A documented grant with no published amount has no currency: the flows cannot be
    # weighted by it, and it is no choice of currency (it was offered as "funding in None").
    engine = make_engine(writable_store_url)
    try:
        with Session(engine) as session:
            a2 = session.exec(select(Activity).where(Activity.activity_id == "A2")).one()
            funder = session.exec(select(Organisation).where(Organisation.slug == "pica")).one()
            session.add(Funding(funder_id=funder.id, activity_id=a2.id, source="fixture"))
            session.commit()
            assert queries.funding_currencies(
                session=session, filters=Filters(include_demo=True)
            ) == ["EUR", "USD"]
    finally:
        engine.dispose()

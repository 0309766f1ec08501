"""Each query on the fixture, with numbers worked out by hand (see tests/fixtures/data)."""

import datetime as dt
import math

import pandas as pd
import pytest
from sqlmodel import Session, select

from dashboard import models as m
from dashboard import queries
from dashboard.filters import Filters
from tests.test_activity_table import many  # noqa: F401 (a fixture)


def by_code(frame):  # type: ignore[no-untyped-def]
    return frame.set_index("code")


def test_completion_rolls_up_with_link_weights(session: Session) -> None:
    items = by_code(
        queries.item_progress(
            session=session, filters=Filters(include_demo=True), framework="strategy"
        )
    )
    assert list(items.index) == ["S1", "S1.1", "S1.2", "S2", "S2.1", "S2.2"]
    assert list(items["depth"]) == [0, 1, 1, 0, 1, 1]
    # S1.1: A1 100 % (weight 1), A2 50 % (weight 2) -> 200 / 3.
    assert items.loc["S1.1", "activity_progress_pct"] == pytest.approx(200 / 3)
    # S1.2: A2 50 %, A5 25 % (on hold) -> 37.5.
    assert items.loc["S1.2", "activity_progress_pct"] == pytest.approx(37.5)
    # S1 rolls up every link below it: (100 + 2*50 + 50 + 25) / 5.
    assert items.loc["S1", "activity_progress_pct"] == pytest.approx(55.0)
    assert items.loc["S1", "activities"] == 3
    assert items.loc["S1", "links"] == 4


def test_cancelled_activities_are_listed_not_counted(session: Session) -> None:
    items = by_code(
        queries.item_progress(
            session=session, filters=Filters(include_demo=True), framework="strategy"
        )
    )
    assert items.loc["S2.1", "activities"] == 1
    assert items.loc["S2.1", "counted"] == 0
    assert math.isnan(items.loc["S2.1", "activity_progress_pct"])
    assert bool(items.loc["S2.1", "covered"]) is True


def test_items_with_no_activity_have_no_completion(session: Session) -> None:
    items = by_code(
        queries.item_progress(session=session, filters=Filters(include_demo=True), framework="cami")
    )
    assert math.isnan(items.loc["CAMI-11", "activity_progress_pct"])
    assert bool(items.loc["CAMI-11", "covered"]) is False
    assert items.loc["CAMI-11", "applies"] == "selected actions"
    # CAMI-10: A4 0 (planned); A1 (completed in 2020) ended before the plan began, and A5
    # (no end date) was last reported in 2024.
    assert items.loc["CAMI-10", "activity_progress_pct"] == pytest.approx(0.0)
    assert items.loc["CAMI-10", "activities"] == 1


def test_as_of_uses_the_latest_update_on_or_before_the_date(session: Session) -> None:
    filters = Filters(include_demo=True, as_of=dt.date(2020, 1, 1))
    items = by_code(queries.item_progress(session=session, filters=filters, framework="strategy"))
    # Only A1 had reported by then, at 40 %.
    assert items.loc["S1.1", "activity_progress_pct"] == pytest.approx(40.0)
    assert items.loc["S1.1", "activities"] == 1
    counts = queries.status_counts(session=session, filters=filters).set_index("status")
    assert counts["activities"].to_dict() == {
        "planned": 0,
        "in_progress": 1,
        "completed": 0,
        "on_hold": 0,
        "cancelled": 0,
    }


def test_plan_progress_on_the_fixture(session: Session) -> None:
    filters = Filters(include_demo=True, as_of=dt.date(2026, 6, 30))
    summary = by_code(queries.plan_progress(session=session, filters=filters))
    strategy = summary.loc["strategy"]
    # Tracked items: S1.1, S1.2, S2.1, S2.2 (the goals have objectives below them).
    assert (strategy["items_total"], strategy["items_started"], strategy["items_completed"]) == (
        4,
        3,
        0,
    )
    assert (strategy["plan_year"], strategy["plan_years"]) == (9, 11)
    # 2018-01-01 .. 2026-06-30 is 3103 days of 4018.
    assert strategy["time_elapsed_pct"] == pytest.approx(100 * 3103 / 4018)
    assert strategy["activity_progress_pct"] == pytest.approx(55.0)
    assert (strategy["activities_counted"], strategy["activities"]) == (3, 4)
    assert strategy["earlier_activities"] == 0
    assert bool(strategy["provisional"]) is True
    cami = summary.loc["cami"]
    assert (cami["items_total"], cami["items_started"], cami["items_completed"]) == (3, 0, 0)
    assert (cami["plan_year"], cami["plan_years"]) == (1, 7)
    # A4 (planned) 0 %; A1 (2019–2020) and A3 (2020–2022) ended before 2026, and A5 has no
    # end date and was last reported in 2024: earlier work.
    assert cami["activity_progress_pct"] == pytest.approx(0.0)
    assert (cami["activities_counted"], cami["earlier_activities"]) == (1, 3)
    assert bool(cami["provisional"]) is False


def test_a_plan_before_its_start_has_not_started(session: Session) -> None:
    filters = Filters(include_demo=True, as_of=dt.date(2025, 12, 31))
    cami = by_code(queries.plan_progress(session=session, filters=filters)).loc["cami"]
    assert (cami["items_started"], cami["plan_year"], cami["time_elapsed_pct"]) == (0, 0, 0.0)
    assert math.isnan(cami["activity_progress_pct"])
    assert cami["activities_counted"] == 0
    items = queries.item_progress(session=session, filters=filters, framework="cami")
    assert set(items["status"]) == {"not_started"}
    assert queries.items_history(session=session, filters=filters, framework="cami").empty
    assert queries.activity_progress_history(
        session=session, filters=filters, framework="cami"
    ).empty


def test_earlier_work_is_listed_apart(session: Session) -> None:
    earlier = queries.earlier_work(
        session=session, filters=Filters(include_demo=True), framework="cami"
    )
    # The latest work first: A5 (no end date; last reported 2024-01-01), A3, A1.
    assert earlier["activity_id"].tolist() == ["A5", "A3", "A1"]
    assert queries.earlier_work(
        session=session, filters=Filters(include_demo=True), framework="strategy"
    ).empty


def test_items_history_counts_the_tracked_items_from_the_plans_start(session: Session) -> None:
    history = queries.items_history(
        session=session,
        filters=Filters(include_demo=True, as_of=dt.date(2026, 6, 30)),
        framework="strategy",
    )
    assert history.to_dict("list") == {
        "date": [
            dt.date(2018, 1, 1),
            dt.date(2019, 6, 1),
            dt.date(2020, 5, 1),
            dt.date(2021, 3, 1),
        ],
        "items_total": [4, 4, 4, 4],
        # A1 starts S1.1, A3 S2.1 (later cancelled: work had begun), A2 S1.2.
        "items_started": [0, 1, 2, 3],
        "items_well_advanced": [0, 0, 0, 0],
        "items_completed": [0, 0, 0, 0],
    }
    # A4 (planned) has not started CAMI-10; A5's work (2023) was last reported in 2024.
    cami = queries.items_history(
        session=session,
        filters=Filters(include_demo=True, as_of=dt.date(2026, 6, 30)),
        framework="cami",
    )
    assert cami.to_dict("list")["date"] == [dt.date(2026, 1, 1)]
    assert cami.to_dict("list")["items_started"] == [0]


def test_hiding_demo_data(session: Session) -> None:
    filters = Filters(include_demo=False)
    items = by_code(queries.item_progress(session=session, filters=filters, framework="cami"))
    # A4 (demo, 0 %) gone: no activity of the plan's period is left.
    assert math.isnan(items.loc["CAMI-10", "activity_progress_pct"])
    assert queries.headline(session=session, filters=filters) == {
        "activities": 3,
        "demo_activities": 0,
        "countries": 2,
        "range_states": 4,
        "regions": 2,
        "all_regions": 3,
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(include_demo=True), ["A1", "A2", "A3", "A4", "A5"]),
        (Filters(countries=("KAZ",), include_demo=True), ["A1", "A4", "A5"]),
        (Filters(regions=(9,), include_demo=True), ["A1", "A4"]),
        (
            Filters(organisations=("hellabrunn-zoo",), include_demo=True),
            ["A1", "A2", "A3"],
        ),  # funder
        (Filters(organisations=("acbk",), include_demo=True), ["A2", "A4"]),  # lead or partner
        (Filters(statuses=("in_progress", "on_hold"), include_demo=True), ["A2", "A5"]),
        (Filters(items=("S1",), include_demo=True), ["A1", "A2", "A5"]),  # subtree
        (Filters(items=("CAMI-4",), include_demo=True), ["A3"]),
        (Filters(start=dt.date(2023, 1, 1), include_demo=True), ["A2", "A4", "A5"]),
        (Filters(end=dt.date(2019, 12, 31), include_demo=True), ["A1"]),
        (Filters(include_demo=True, as_of=dt.date(2021, 6, 1)), ["A1", "A2", "A3"]),
    ],
)
def test_filters_select_the_right_activities(
    session: Session, filters: Filters, expected: list[str]
) -> None:
    updates = queries.latest_updates(session=session, filters=filters, limit=100)
    assert sorted(set(updates["activity_id"])) == expected


def test_headline(session: Session) -> None:
    assert queries.headline(session=session, filters=Filters(include_demo=True)) == {
        "activities": 5,
        "demo_activities": 2,
        "countries": 3,
        "range_states": 4,
        "regions": 2,
        "all_regions": 3,
    }


@pytest.mark.parametrize("as_of", [None, dt.date(2021, 6, 1), dt.date(2024, 1, 1)])
def test_headline_counts_the_demo_activities_in_scope_on_the_date(
    session: Session, as_of: dt.date | None
) -> None:
    # The demo flag travels with each activity's state, today's or a past date's.
    filters = Filters(include_demo=True, as_of=as_of)
    in_scope = set(
        queries.latest_updates(session=session, filters=filters, limit=100)["activity_id"]
    )
    demo = set(session.exec(select(m.Activity.activity_id).where(m.Activity.demo)).all())
    figures = queries.headline(session=session, filters=filters)
    assert figures["activities"] == len(in_scope)
    assert figures["demo_activities"] == len(in_scope & demo)
    assert figures["demo_activities"] > 0 or as_of == dt.date(2021, 6, 1)


def test_funding_is_never_summed_across_currencies(session: Session) -> None:
    funding = queries.funding_by_currency(session=session, filters=Filters(include_demo=True))
    assert funding.to_dict("records") == [
        {"currency": "EUR", "amount": 16000.0, "grants": 3, "activities": 3, "funders": 1},
        {"currency": "USD", "amount": 2000.0, "grants": 1, "activities": 1, "funders": 1},
    ]
    hidden = queries.funding_by_currency(session=session, filters=Filters(include_demo=False))
    assert hidden["amount"].tolist() == [15000.0, 2000.0]


def test_latest_updates_are_newest_first(session: Session) -> None:
    updates = queries.latest_updates(session=session, filters=Filters(include_demo=True), limit=3)
    assert updates["activity_id"].tolist() == ["A4", "A2", "A5"]
    assert updates["date"].tolist() == [
        dt.date(2026, 1, 1),
        dt.date(2025, 6, 1),
        dt.date(2024, 1, 1),
    ]


def test_filter_options_come_from_reference_data(session: Session) -> None:
    options = queries.filter_options(session=session)
    assert options["regions"] == [
        (9, "9 Altai"),
        (10, "10 Daurian Steppe (pending)"),
        (11, "11 Gobi"),
    ]
    assert [value for value, _ in options["countries"]] == ["KAZ", "MNG", "NPL", "RUS"]
    assert options["statuses"][1] == ("in_progress", "in progress")
    assert queries.demo_activity_count(session=session) == 2
    assert queries.data_period(session=session) == (dt.date(2019, 1, 1), dt.date(2032, 12, 31))


@pytest.mark.parametrize("framework", ["strategy", "cami"])
def test_todays_state_from_the_activity_row_equals_the_latest_update(
    session: Session, framework: str
) -> None:
    # Filters without as_of read the state the store keeps on the activity; an explicit
    # as_of walks the update history. Both must agree.
    today = dt.date.today()
    current = queries.item_progress(
        session=session, filters=Filters(include_demo=True), framework=framework
    )
    walked = queries.item_progress(
        session=session, filters=Filters(include_demo=True, as_of=today), framework=framework
    )
    assert current.equals(walked)
    assert queries.headline(
        session=session, filters=Filters(include_demo=True)
    ) == queries.headline(session=session, filters=Filters(include_demo=True, as_of=today))


def test_completion_history_steps_through_every_update(session: Session) -> None:
    history = queries.activity_progress_history(
        session=session, filters=Filters(include_demo=True), framework="strategy"
    )
    # Link weights for the Strategy: A1 1, A2 3 (S1.1 ×2 + S1.2), A3 1, A5 1.
    assert history["date"].tolist() == [
        dt.date(2019, 6, 1),  # A1 40             -> 40
        dt.date(2020, 5, 1),  # + A3 30           -> (40 + 30) / 2
        dt.date(2020, 12, 31),  # A1 100          -> (100 + 30) / 2
        dt.date(2021, 3, 1),  # + A2 20 ×3        -> (100 + 30 + 60) / 5
        dt.date(2022, 1, 1),  # A3 cancelled      -> (100 + 60) / 4
        dt.date(2023, 1, 1),  # + A5 10           -> (100 + 60 + 10) / 5
        dt.date(2024, 1, 1),  # A5 25             -> (100 + 60 + 25) / 5
        dt.date(2025, 6, 1),  # A2 50 ×3          -> (100 + 150 + 25) / 5
    ]
    assert history["activity_progress_pct"].tolist() == pytest.approx(
        [40, 35, 65, 38, 40, 34, 37, 55]
    )
    assert history["activities"].tolist() == [1, 2, 2, 3, 2, 3, 3, 3]
    # The last point equals today's activity progress.
    summary = by_code(queries.plan_progress(session=session, filters=Filters(include_demo=True)))
    assert history["activity_progress_pct"].iloc[-1] == pytest.approx(
        summary.loc["strategy", "activity_progress_pct"]
    )


def test_activity_progress_history_starts_at_the_plans_start(session: Session) -> None:
    history = queries.activity_progress_history(
        session=session, filters=Filters(include_demo=True), framework="cami", by="top"
    )
    # CAMI-4's only activity (A3) ended in 2022: earlier work, no line. CAMI-10: A4 planned
    # at 0 % since 2026-01-01 (A5, last reported in 2024, is earlier work).
    assert sorted(set(history["series"])) == ["CAMI-10"]
    cami10 = history[history["series"] == "CAMI-10"]
    assert cami10["date"].tolist() == [dt.date(2026, 1, 1)]
    assert cami10["activity_progress_pct"].tolist() == pytest.approx([0.0])
    assert cami10["activities"].tolist() == [1]


@pytest.mark.parametrize("framework", ["strategy", "cami"])
@pytest.mark.parametrize(
    "filters", [Filters(include_demo=True), Filters(include_demo=True, as_of=dt.date(2026, 6, 30))]
)
def test_completion_history_of_both_is_the_framework_and_its_top_items(
    session: Session, framework: str, filters: Filters
) -> None:
    both = queries.activity_progress_history(
        session=session, filters=filters, framework=framework, by="both"
    )
    apart = pd.concat(
        [
            queries.activity_progress_history(
                session=session, filters=filters, framework=framework, by=by
            )
            for by in ("framework", "top")
        ]
    )
    assert not both.empty
    assert framework in set(both["series"])
    key = ["series", "date"]
    pd.testing.assert_frame_equal(
        both.sort_values(key).reset_index(drop=True),
        apart.sort_values(key).reset_index(drop=True),
    )


def test_completion_history_of_both_counts_an_activity_of_two_goals_once(
    many: Session,  # noqa: F811
) -> None:
    # Many activities serve two of S1.1, S1.2 and S2.1, so some serve goals S1 and S2 both.
    both = queries.activity_progress_history(
        session=many, filters=Filters(include_demo=True), framework="strategy", by="both"
    )
    apart = pd.concat(
        [
            queries.activity_progress_history(
                session=many, filters=Filters(include_demo=True), framework="strategy", by=by
            )
            for by in ("framework", "top")
        ]
    )
    key = ["series", "date"]
    both, apart = (frame.sort_values(key).reset_index(drop=True) for frame in (both, apart))
    pd.testing.assert_frame_equal(both, apart)
    line = both[both["series"] == "strategy"]
    goals = both[both["series"].isin(["S1", "S2"])]
    # The framework's last count is below the sum of its goals' (shared activities once).
    assert line["activities"].iloc[-1] < goals.groupby("series")["activities"].last().sum()


@pytest.mark.parametrize("framework", ["strategy", "cami"])
@pytest.mark.parametrize(
    "filters", [Filters(include_demo=True), Filters(include_demo=False, as_of=dt.date(2021, 1, 1))]
)
def test_one_frameworks_summary_is_its_row_of_the_whole(
    session: Session, framework: str, filters: Filters
) -> None:
    whole = queries.plan_progress(session=session, filters=filters)
    one = queries.plan_progress(session=session, filters=filters, framework=framework)
    pd.testing.assert_frame_equal(one, whole[whole["code"] == framework].reset_index(drop=True))
    assert queries.plan_progress(session=session, filters=filters, framework="nothing").empty


def test_completion_history_refuses_an_unknown_grouping(session: Session) -> None:
    with pytest.raises(ValueError, match="by must be"):
        queries.activity_progress_history(
            session=session, filters=Filters(include_demo=True), framework="strategy", by="goal"
        )


def test_activities_for_item_lists_the_subtree(session: Session) -> None:
    behind = queries.activities_for_item(
        session=session, filters=Filters(include_demo=True), code="S1"
    )
    assert behind["activity_id"].tolist() == ["A1", "A2", "A5"]
    assert behind["weight"].tolist() == [1.0, 3.0, 1.0]
    assert behind["links"].tolist() == [1, 2, 1]
    cancelled = queries.activities_for_item(
        session=session, filters=Filters(include_demo=True), code="S2.1"
    )
    assert cancelled["counted"].tolist() == [False]
    assert queries.activities_for_item(
        session=session, filters=Filters(include_demo=True), code="S2.2"
    ).empty


@pytest.mark.parametrize("code", ["S1", "S2.1", "S2.2"])
def test_activities_for_item_pages_are_slices_of_the_whole(session: Session, code: str) -> None:
    whole = queries.activities_for_item(
        session=session, filters=Filters(include_demo=True), code=code
    )
    count = queries.activities_for_item_count(
        session=session, filters=Filters(include_demo=True), code=code
    )
    assert count == len(whole)
    for offset in range(0, count + 2):
        page = queries.activities_for_item(
            session=session, filters=Filters(include_demo=True), code=code, offset=offset, limit=2
        )
        assert page.to_dict("records") == whole.iloc[offset : offset + 2].to_dict("records")


def test_ptcr_listing(session: Session) -> None:
    listing = queries.ptcr_listing(session=session, filters=Filters(include_demo=True)).set_index(
        "ptcr"
    )
    assert listing["activities"].to_dict() == {9: 2, 10: 0, 11: 1}
    assert listing["documented"].to_dict() == {9: 1, 10: 0, 11: 1}
    # Altai: A1 100 and A4 0 (planned) -> 50.
    assert listing.loc[9, "mean_progress"] == pytest.approx(50.0)
    assert listing.loc[10, "countries"] == "MNG;RUS"
    assert listing.loc[10, "pallas_status"] == "pending"

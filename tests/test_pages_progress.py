"""The Strategy, CAMI and history pages through app.py, asserting the fixture's figures."""

from __future__ import annotations

import json

import pytest

from tests.test_pages import metrics, run_app

pytestmark = pytest.mark.usefixtures("app_env")


def table_with(at, column: str):  # type: ignore[no-untyped-def]
    """The last table on the page that has `column`."""
    return [frame.value for frame in at.dataframe if column in frame.value.columns][-1]


def test_strategy_page_shows_items_time_and_activity_progress() -> None:
    at = run_app("strategy", demo="true", as_of="2026-06-30")
    assert not at.exception
    assert metrics(at) == {
        # S1.1, S1.2 and S2.1 (A3 reported work before it was cancelled); S2.2 not.
        "Items started": "3 of 4",
        "Items completed": "0 of 4",
        "Time elapsed": "year 9 of 11",
        "Activity progress": "55 %",
    }
    assert any("6 of 6 items are a provisional" in warning.value for warning in at.warning)
    assert any(
        "work has started on 3 of its 4 items and none is completed" in text.value
        for text in at.markdown
    )
    tree = table_with(at, "Status rests on").set_index("Code")
    assert tree.index.tolist() == ["S1", "S1.1", "S1.2", "S2", "S2.1", "S2.2"]
    assert tree.loc["S2.2", "Status"] == "not started"
    assert tree.loc["S1.1", "Status"] == "started"
    assert tree.loc["S1.1", "Status rests on"] == "derived from activities"
    assert tree.loc["S1.1", "Activity progress (%)"] == pytest.approx(66.7)
    assert tree.loc["S1.1", "Item"].endswith("(provisional)")


def test_strategy_drill_down_lists_the_activities_behind_an_item() -> None:
    at = run_app("strategy")
    at.selectbox(key="strategy_item").select("S1").run()
    behind = table_with(at, "ID")
    assert behind["ID"].tolist() == ["A1", "A2", "A5"]
    assert behind["Weight"].tolist() == [1.0, 3.0, 1.0]


def test_strategy_drill_down_comes_from_the_url() -> None:
    at = run_app("strategy", strategy_item="S2 Threats", demo="true")
    behind = table_with(at, "ID")
    assert behind["ID"].tolist() == ["A3"]
    assert behind["In the mean"].tolist() == ["No"]


def test_cami_page_shows_sections_and_ptcrs() -> None:
    at = run_app("cami", demo="true", as_of="2026-06-30")
    assert not at.exception
    # A1 (completed 2020) and A3 (2020–2022) ended before 2026, and A5 (no end date) was
    # last reported in 2024: earlier work, not counted. CAMI-10: A4 (planned) at 0 %.
    assert metrics(at) == {
        "Items started": "0 of 3",
        "Items completed": "0 of 3",
        "Time elapsed": "year 1 of 7",
        "Activity progress": "0 %",
    }
    assert any(
        "3 linked activities ended, or were last reported, before the plan began" in c.value
        for c in at.caption
    )
    earlier = table_with(at, "End")
    assert earlier["ID"].tolist() == ["A5", "A3", "A1"]
    tree = table_with(at, "Status rests on").set_index("Code")
    assert tree.loc["CAMI-10", "Applies"] == "all actions"
    assert tree.loc["CAMI-4", "Applies"] == "selected actions"
    assert tree.loc["CAMI-4", "Status"] == "not started"
    assert not tree["Item"].str.contains("provisional").any()
    ptcrs = table_with(at, "PTCR").set_index("PTCR")
    assert ptcrs.loc[9, "Activities"] == 2
    assert ptcrs.loc[10, "Pallas's cat in the PTCR"] == "Pending (under revision)"
    assert ptcrs.loc[10, "Activities"] == 0
    assert ptcrs.loc[9, "Countries"] == "KAZ;MNG;RUS"


def test_cami_page_before_the_plan_starts_says_so() -> None:
    at = run_app("cami", demo="true", as_of="2025-06-30")
    assert not at.exception
    assert metrics(at)["Items started"] == "0 of 3"
    assert metrics(at)["Time elapsed"] == "not started"
    assert metrics(at)["Activity progress"] == "no activity"
    assert any("has not started" in text.value for text in at.markdown)
    assert not at.get("plotly_chart") or all(
        json.loads(chart.proto.spec)["layout"]["title"]["text"].startswith("Status")
        for chart in at.get("plotly_chart")
    )


def test_history_page_draws_each_plan_from_its_start_against_time() -> None:
    at = run_app("views/history_page.py", demo="true", as_of="2026-03-23")
    assert not at.exception
    strategy, cami = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    for spec in (strategy, cami):
        assert [note["text"] for note in spec["layout"]["annotations"]] == ["as of 2026-03-23"]
        names = [trace["name"] for trace in spec["data"]]
        assert names[:3] == ["Time elapsed", "Items started", "Items completed"]
    # Nothing before a plan's start: CAMI's axis and lines begin in 2026.
    assert cami["layout"]["xaxis"]["range"][0] >= "2025-10"
    started = next(trace for trace in cami["data"] if trace["name"] == "Items started")
    assert started["x"][0] == "2026-01-01"
    assert started["x"][-1] == "2026-03-23"
    # Time elapsed runs from 0 % at the start to 100 % at the end of each plan.
    elapsed = strategy["data"][0]
    assert elapsed["x"] == ["2018-01-01", "2028-12-31"]

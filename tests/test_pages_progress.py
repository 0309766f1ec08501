"""The Strategy, CAMI and history pages through app.py, asserting the fixture's figures."""

from __future__ import annotations

import json

import pytest

from tests.test_pages import metrics, run_app

pytestmark = pytest.mark.usefixtures("app_env")


def table_with(at, column: str):  # type: ignore[no-untyped-def]
    """The last table on the page that has `column`."""
    return [frame.value for frame in at.dataframe if column in frame.value.columns][-1]


def test_strategy_page_shows_completion_coverage_and_provisional_status() -> None:
    at = run_app("views/strategy_page.py", demo="true")
    assert not at.exception
    assert metrics(at) == {
        "Completion": "55 %",
        "Items covered": "5 of 6",
        "Activities counted": "3 of 4",
        "Items with no activity": "1",
    }
    assert any("6 of 6 items are a provisional" in warning.value for warning in at.warning)
    tree = table_with(at, "coverage")
    assert tree["code"].tolist() == ["S1", "S1.1", "S1.2", "S2", "S2.1", "S2.2"]
    assert tree.set_index("code").loc["S2.2", "coverage"] == "no activity"
    assert tree.set_index("code").loc["S1.1", "completion_pct"] == pytest.approx(66.7)


def test_strategy_drill_down_lists_the_activities_behind_an_item() -> None:
    at = run_app("views/strategy_page.py")
    at.selectbox(key="strategy_item").select("S1").run()
    behind = table_with(at, "activity_id")
    assert behind["activity_id"].tolist() == ["A1", "A2", "A5"]
    assert behind["weight"].tolist() == [1.0, 3.0, 1.0]


def test_strategy_drill_down_comes_from_the_url() -> None:
    at = run_app("views/strategy_page.py", strategy_item="S2 Threats", demo="true")
    behind = table_with(at, "activity_id")
    assert behind["activity_id"].tolist() == ["A3"]
    assert behind["counted"].tolist() == [False]


def test_cami_page_shows_sections_and_ptcrs() -> None:
    at = run_app("views/cami_page.py", demo="true")
    assert not at.exception
    assert metrics(at)["Completion"] == "42 %"
    assert metrics(at)["Items covered"] == "2 of 3"
    tree = table_with(at, "coverage").set_index("code")
    assert tree.loc["CAMI-10", "applies"] == "all actions"
    assert tree.loc["CAMI-4", "applies"] == "selected actions"
    ptcrs = table_with(at, "ptcr").set_index("ptcr")
    assert ptcrs.loc[9, "activities"] == 2
    assert ptcrs.loc[10, "pallas_status"] == "pending"
    assert ptcrs.loc[10, "activities"] == 0
    assert ptcrs.loc[9, "countries"] == "KAZ;MNG;RUS"


def test_history_page_marks_both_horizons_and_the_as_of_date() -> None:
    at = run_app("views/history_page.py", as_of="2026-03-23")
    assert not at.exception
    (spec,) = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    annotations = [note["text"] for note in spec["layout"]["annotations"]]
    assert annotations == ["Strategy ends (2028)", "CAMI WP ends (2032)", "as of 2026-03-23"]
    strategy = next(
        trace for trace in spec["data"] if trace["name"] == "Fixture Strategy 2018–2028"
    )
    # The last change (A2 to 50 % on 2025-06-01: 55 %) is carried on to the "as of" date.
    assert strategy["x"][-2:] == ["2025-06-01", "2026-03-23"]
    assert "customdata" in strategy

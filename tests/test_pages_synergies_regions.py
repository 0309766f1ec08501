"""The Synergies and Regional coverage pages through app.py with AppTest, on the fixture.

The numbers are those worked out in tests/test_synergies.py and tests/test_coverage.py. The
Synergies tests read, as there, the fixture with both plans running from 2019
(`overlapping_app_env`), where its tagged work serves both; one reads the fixture as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard import queries
from dashboard.charts import maps
from dashboard.db import make_engine
from dashboard.filters import Filters
from tests.conftest import ROOT, switch_to
from tests.test_activity_table import MANY, many_activities_store

APP = str(ROOT / "app.py")
SYNERGIES = "views/synergies_page.py"
REGIONS = "views/regions_page.py"

pytestmark = pytest.mark.usefixtures("app_env")


def open_page(page: str, **params: str) -> AppTest:
    """A visit to `page` by a link carrying `params` in its URL."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    switch_to(at, page)
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def tables(at: AppTest) -> list[Any]:
    return [frame.value for frame in at.dataframe]


def table_with(at: AppTest, column: str) -> list[list[Any]]:
    return [frame[column].tolist() for frame in tables(at) if column in frame.columns]


def plotly_specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def deck(at: AppTest) -> dict[str, Any]:
    (chart,) = at.get("deck_gl_json_chart")
    parsed: dict[str, Any] = json.loads(chart.proto.json)
    parsed["by_id"] = {layer["id"]: layer for layer in parsed["layers"]}
    return parsed


def map_style(at: AppTest) -> str:
    """The style that tells a phone what a touch on the coverage map does (layout.deck_map)."""
    (style,) = [
        html.proto.body
        for html in at.get("html")
        if "stDeckGlJsonChart" in html.proto.body and "st-key-coverage-map" in html.proto.body
    ]
    return str(style)


def fill_of(parsed: dict[str, Any], iso3: str) -> list[int]:
    for feature in parsed["by_id"]["range-states"]["data"]["features"]:
        if feature["properties"]["iso3"] == iso3:
            fill: list[int] = feature["properties"]["fill"]
            return fill
    raise KeyError(iso3)


@pytest.mark.usefixtures("overlapping_app_env")
def test_synergies_shows_the_share_the_matrix_and_the_flows() -> None:
    at = open_page(SYNERGIES, demo="true")
    assert at.title[0].value == "Synergies between the two plans"
    assert metrics(at) == {
        "Synergy share": "60 %",
        "Serve both plans": "3",
        "Strategy only": "1",
        "CAMI WP only": "1",
    }
    matrix, flows = plotly_specs(at)
    assert matrix["layout"]["title"]["text"] == (
        "Activities serving both a Strategy item and a<br>CAMI WP section"
    )
    assert matrix["data"][0]["y"] == [
        "S1 Knowledge<br>(provisional)",
        "S2 Threats<br>(provisional)",
    ]
    assert matrix["layout"]["yaxis"]["title"]["text"] == "Strategy goal"
    assert flows["layout"]["title"]["text"] == (
        "Strategy goal → CAMI WP section (activity<br>count)"
    )
    assert flows["data"][0]["node"]["label"][:2] == [
        "S1 Knowledge<br>(provisional)",
        "S2 Threats<br>(provisional)",
    ]
    assert flows["data"][0]["node"]["customdata"][:2] == [
        "S1 Knowledge (provisional)",
        "S2 Threats (provisional)",
    ]
    # What the mark means, on the page (and on paper).
    assert any("provisional working structure" in caption.value for caption in at.caption)
    assert any("How is this computed?" in expander.label for expander in at.expander)


@pytest.mark.usefixtures("overlapping_app_env")
def test_choosing_a_cell_lists_its_activities() -> None:
    at = open_page(SYNERGIES, demo="true")
    assert at.selectbox(key="syn_cell").options[:2] == ["S1 × CAMI-4", "S1 × CAMI-10"]
    at.selectbox(key="syn_cell").set_value("S1 × CAMI-10").run()
    assert ["A1", "A5"] in table_with(at, "ID")
    assert (
        "Activities serving both S1 Knowledge (provisional) × CAMI-10 Species Monitoring and "
        "Research."
    ) in [caption.value for caption in at.caption]
    at.selectbox(key="syn_cell").set_value("S2 × CAMI-10").run()
    assert any("No activity serves both S2 × CAMI-10" in info.value for info in at.info)


@pytest.mark.usefixtures("overlapping_app_env")
def test_a_cell_in_the_url_opens_its_list() -> None:
    at = open_page(SYNERGIES, demo="true", syn_cell="S2 × CAMI-4")
    assert at.selectbox(key="syn_cell").value == "S2 × CAMI-4"
    assert ["A3"] in table_with(at, "ID")


@pytest.mark.usefixtures("overlapping_app_env")
def test_drilling_into_a_goal_shows_its_objectives() -> None:
    at = open_page(SYNERGIES, demo="true")
    at.selectbox(key="syn_goal").set_value("S1").run()
    matrix = plotly_specs(at)[0]
    assert matrix["data"][0]["y"] == [
        "S1.1 Distribution<br>(provisional)",
        "S1.2 Monitoring<br>(provisional)",
    ]
    assert matrix["layout"]["yaxis"]["title"]["text"] == "Strategy objective"
    assert at.selectbox(key="syn_cell").options[0] == "S1.1 × CAMI-4"


@pytest.mark.usefixtures("overlapping_app_env")
@pytest.mark.parametrize(
    "link",
    [
        "Items below S1 Knowledge (provisional)",
        # Links made before any pair of plans could be chosen.
        "Objectives of S1 Knowledge (provisional)",
        # Older links: the label before items were marked provisional, and the code.
        "Objectives of S1 Knowledge",
        "S1",
    ],
)
def test_a_link_to_a_goals_objectives(link: str) -> None:
    # The goal selector is bound to the URL, which holds its label (streamlit 1.67).
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["demo"] = "true"
    at.run()
    switch_to(at, SYNERGIES)
    at.query_params["syn_goal"] = link
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="syn_goal").value == "S1"
    assert plotly_specs(at)[0]["data"][0]["y"] == [
        "S1.1 Distribution<br>(provisional)",
        "S1.2 Monitoring<br>(provisional)",
    ]
    # Only the demo banner: no complaint about a value set for the widget.
    assert [w.value for w in at.main.warning if "Session State" in w.value] == []
    assert len(at.main.warning) == 1


@pytest.mark.usefixtures("overlapping_app_env")
def test_orphans_both_ways() -> None:
    at = open_page(SYNERGIES, demo="true")
    codes = table_with(at, "Code")
    assert ["CAMI-11"] in codes
    assert ["S2.2"] in codes
    # An orphan of the provisional Strategy says so in its title; a CAMI section does not.
    titles = table_with(at, "Title")
    assert ["Poisoning of prey (provisional)"] in titles
    assert ["Education, Community and Communication"] in titles
    # A2 serves the Strategy only, A4 the CAMI WP only; the Strategy's codes are headed as
    # a provisional structure's.
    assert ["A2", "A4"] in table_with(at, "ID")
    assert table_with(at, "Strategy items (provisional structure)") == [["S1.1;S1.2", ""]]
    assert any("Activities serving only one plan (2)" in md.value for md in at.markdown)


@pytest.mark.usefixtures("overlapping_app_env")
def test_flows_can_be_weighted_by_funding_in_one_currency() -> None:
    at = open_page(SYNERGIES, demo="true")
    assert at.radio(key="syn_weight").options == [
        "activity count",
        "funding in EUR",
        "funding in USD",
    ]
    at.radio(key="syn_weight").set_value("EUR").run()
    flows = plotly_specs(at)[1]
    assert flows["layout"]["title"]["text"].endswith("(funding,<br>EUR)")
    # A1 10 000 (S1 → CAMI-10) and A3 1 000 (demo; S2 → CAMI-4): one flow per pair.
    assert sorted(flows["data"][0]["link"]["value"]) == [1000.0, 10000.0]


@pytest.mark.usefixtures("overlapping_app_env")
def test_synergies_follow_the_shared_filters() -> None:
    at = open_page(SYNERGIES, demo="true")
    at.toggle(key="demo").set_value(False).run()
    assert metrics(at)["Serve both plans"] == "2"
    assert metrics(at)["Synergy share"] == "67 %"
    assert ["CAMI-4", "CAMI-11"] in table_with(at, "Code")


def test_work_before_the_work_programme_does_not_serve_both() -> None:
    # The fixture as it is: the tagged work ended before the Work Programme (2026) began.
    at = open_page(SYNERGIES, demo="true")
    assert metrics(at) == {
        "Synergy share": "0 %",
        "Serve both plans": "0",
        "Strategy only": "4",
        "CAMI WP only": "1",
    }
    sentence = next(md.value for md in at.markdown if md.value.startswith("Of the 5"))
    assert sentence == (
        "Of the 5 activities shown, 5 serve at least one plan in its period: 0 serve both, 4 "
        "the Strategy only and 1 the CAMI WP only. 3 activities are tagged to both plans but "
        "their work lies outside 2026–2028, the years both plans run: they count for one plan "
        "at most."
    )
    assert any(
        "none has work in 2026–2028, the years both plans run" in info.value for info in at.info
    )
    # No matrix and no flows; the orphans and the one-plan list remain.
    assert not plotly_specs(at)
    assert any("Activities serving only one plan (5)" in md.value for md in at.markdown)


@pytest.mark.usefixtures("overlapping_app_env")
def test_synergies_say_why_they_are_empty() -> None:
    at = open_page(SYNERGIES, demo="true")
    at.multiselect(key="status").set_value(["cancelled"])
    at.multiselect(key="country").set_value(["KAZ"]).run()
    assert "No activity matches the current filters" in at.info[0].value
    assert not at.metric


def test_regions_map_legend_and_gaps() -> None:
    at = open_page(REGIONS, demo="true")
    assert at.title[0].value == "Regional coverage"
    parsed = deck(at)
    assert [layer["id"] for layer in parsed["layers"]] == list(maps.LAYER_IDS)
    assert parsed["mapStyle"] == "__MAP_STYLE__"
    assert fill_of(parsed, "KAZ") == maps.rgba(maps.RAMP[4], maps.CONTEXT_ALPHA)
    # The scroll wheel and an up-or-down swipe scroll the page until the reader lets them
    # move the map.
    assert parsed["views"][0]["controller"]["scrollZoom"] is False
    assert not at.toggle(key="map_free").value
    assert any("scroll the page, not the map" in caption.value for caption in at.caption)
    assert "touch-action: pan-y !important" in map_style(at)
    at.toggle(key="map_free").set_value(True).run()
    assert deck(at)["views"][0]["controller"]["scrollZoom"] is True
    assert "touch-action: none !important" in map_style(at)
    legend = at.get("html")[0].proto.body
    assert "Activities (count):" in legend
    assert "3 activities" in legend
    assert "no activity" in legend
    warnings = [warning.value for warning in at.warning]
    assert "**No activity at all in 1 of 4 range states:** Nepal." in warnings
    assert "**No activity at all in 1 of 3 PTCRs:** 10 Daurian Steppe (pending)." in warnings


def test_regions_coverage_tables() -> None:
    at = open_page(REGIONS, demo="true")
    assert ["KAZ", "MNG", "RUS", "NPL"] in table_with(at, "ISO code")
    countries = next(frame for frame in tables(at) if "ISO code" in frame.columns)
    assert countries["Activities"].tolist() == [3, 2, 1, 0]
    assert countries["Funding (EUR)"].tolist() == [10000.0, 5000.0, 1000.0, 0.0]
    # Next to the figures, not in a collapsed note: shared grants are split.
    captions = [caption.value for caption in at.caption]
    assert any("split evenly between them" in c and "range states" in c for c in captions)
    assert any("split evenly between them" in c and "PTCRs" in c for c in captions)
    regions = next(frame for frame in tables(at) if "Pallas's cat in the PTCR" in frame.columns)
    assert regions["Activities"].tolist() == [2, 0, 1]
    # Before any choice the table lists the whole range.
    assert at.subheader[0].value == "Activities in the whole range"
    assert ["A1", "A2", "A3", "A5", "A4"] in table_with(at, "ID")


def test_regions_listing_fits_one_page_and_every_table_has_a_download() -> None:
    at = open_page(REGIONS, demo="true")
    # Five activities fit one page: no page number, and each table has its download.
    assert not [widget for widget in at.number_input if widget.key == "place_activities_page"]
    ids = [button.proto.id for button in at.get("download_button")]
    for key in ("activities-in-place", "coverage-by-range-state", "coverage-by-ptcr"):
        assert [i for i in ids if i.endswith(f"-{key}-csv")], (key, ids)
    # Three sites: drawn one by one, so no note about grouping them.
    assert not [caption for caption in at.caption if "too many" in caption.value]


@pytest.fixture(scope="module")
def many_store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with many_activities_store(tmp_path_factory.mktemp("many-regions")) as url:
        yield url


def test_regions_list_many_activities_a_page_at_a_time(
    many_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", many_store_url)
    st.cache_data.clear()
    engine = make_engine(many_store_url)
    with Session(engine) as session:
        whole = queries.activities_in_place(
            session=session, filters=Filters(include_demo=True), place=None
        )
        in_kaz = queries.activities_in_place_count(
            session=session, filters=Filters(include_demo=True), place="country:KAZ"
        )
    engine.dispose()
    assert len(whole) == MANY + 5
    # The page number is in the URL; the page shows those 50 rows of the whole list.
    at = open_page(REGIONS, demo="true", place_activities_page="2")
    assert at.number_input(key="place_activities_page").value == 2
    assert "Activities 51–100 of 1,025." in [caption.value for caption in at.caption]
    (page,) = [frame for frame in tables(at) if "PTCRs" in frame.columns]
    assert page["ID"].tolist() == whole["activity_id"].tolist()[50:100]
    # Another place starts at its first page.
    at.selectbox(key="map_place").set_value("country:KAZ").run()
    assert at.number_input(key="place_activities_page").value == 1
    assert f"Activities 1–50 of {in_kaz:,}." in [caption.value for caption in at.caption]


def test_choosing_a_place_filters_the_table_and_frames_the_map() -> None:
    at = open_page(REGIONS, demo="true")
    at.selectbox(key="map_place").set_value("country:KAZ").run()
    assert at.subheader[0].value == "Activities in Kazakhstan (KAZ)"
    assert ["A1", "A5", "A4"] in table_with(at, "ID")
    parsed = deck(at)
    assert [f["properties"]["iso3"] for f in parsed["by_id"]["focus"]["data"]["features"]] == [
        "KAZ"
    ]
    assert parsed["initialViewState"]["zoom"] > 2.3
    at.selectbox(key="map_place").set_value("country:NPL").run()
    assert any(
        "No activity in Nepal (NPL) matches the current filters." in info.value for info in at.info
    )


def test_a_place_and_the_shading_in_the_url() -> None:
    at = open_page(
        REGIONS, demo="true", map_place="PTCR 9 Altai", map_shade="Mean activity progress (%)"
    )
    assert at.selectbox(key="map_place").value == "ptcr:9"
    assert at.radio(key="map_shade").value == "completion"
    assert at.subheader[0].value == "Activities in PTCR 9 Altai"
    assert ["A1", "A4"] in table_with(at, "ID")
    parsed = deck(at)
    # KAZ 41.7 % mean activity progress: the 40–60 % class.
    assert fill_of(parsed, "KAZ") == maps.rgba(maps.RAMP[2], maps.CONTEXT_ALPHA)
    assert parsed["initialViewState"]["longitude"] == 88.5
    assert "Mean activity progress (%):" in at.get("html")[0].proto.body


def test_regions_follow_the_shared_filters() -> None:
    at = open_page(REGIONS, demo="true")
    at.toggle(key="demo").set_value(False).run()
    warnings = [warning.value for warning in at.warning]
    assert "**No activity at all in 2 of 4 range states:** Nepal, Russian Federation." in warnings
    assert fill_of(deck(at), "RUS") == maps.rgba(maps.NO_ACTIVITY_COLOUR, maps.CONTEXT_ALPHA)

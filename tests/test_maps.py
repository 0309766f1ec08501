"""The map and synergy chart builders, tested through the JSON the browser receives."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pydeck as pdk
import pytest
from sqlmodel import Session

from dashboard import charts, queries
from dashboard.charts import maps
from dashboard.charts.synergies import cell_text
from dashboard.export import frame_to_csv
from dashboard.filters import Filters
from dashboard.settings import PROJECT_ROOT

SHAPES = maps.load_shapes(PROJECT_ROOT / "data" / "geo" / "range_states.geojson")


def spec(deck: pdk.Deck) -> dict[str, Any]:
    """The deck as Streamlit sends it (pydeck's JSON), layers by id."""
    parsed: dict[str, Any] = json.loads(deck.to_json())
    parsed["by_id"] = {layer["id"]: layer for layer in parsed["layers"]}
    return parsed


def fills(layer: dict[str, Any]) -> dict[str, list[int]]:
    return {f["properties"]["iso3"]: f["properties"]["fill"] for f in layer["data"]["features"]}


def darkness(rgba: list[int]) -> float:
    """0 for white, higher for darker (relative luminance, inverted)."""
    red, green, blue = (channel / 255 for channel in rgba[:3])
    return 1 - (0.2126 * red + 0.7152 * green + 0.0722 * blue)


@pytest.fixture
def frames(session: Session) -> dict[str, pd.DataFrame]:
    filters = Filters(include_demo=True)
    return {
        "countries": queries.coverage_by_country(session=session, filters=filters),
        "regions": queries.coverage_by_region(session=session, filters=filters),
        "sites": queries.site_points(session=session, filters=filters),
    }


def build(frames: dict[str, pd.DataFrame], **options: Any) -> dict[str, Any]:
    return spec(
        charts.coverage_map(
            SHAPES, frames["countries"], frames["regions"], frames["sites"], **options
        )
    )


def test_the_map_needs_no_network(frames: dict[str, pd.DataFrame]) -> None:
    deck = build(frames)
    text = json.dumps(deck)
    # No basemap: pydeck's "default style" sentinel (Streamlit drops it) and no provider.
    assert deck["mapStyle"] == "__MAP_STYLE__"
    assert "mapProvider" not in deck
    for remote in ("http", "cartocdn", "mapbox"):
        assert remote not in text
    assert [layer["id"] for layer in deck["layers"]] == list(maps.LAYER_IDS)
    assert [layer["@@type"] for layer in deck["layers"]] == [
        "GeoJsonLayer",
        "TextLayer",
        "GeoJsonLayer",
        "ScatterplotLayer",
        "ScatterplotLayer",
        "TextLayer",
        "TextLayer",
    ]
    # Labels drawn from a system font by deck.gl (a canvas atlas): no font URL, literal
    # props not accessors, every character of the labels in the atlas.
    for layer in ("ptcr-labels", "ptcr-numbers", "range-state-labels"):
        labels = deck["by_id"][layer]
        assert labels["fontFamily"] == "sans-serif"
        assert labels["sizeUnits"] == "pixels"
    assert deck["by_id"]["ptcr-labels"]["characterSet"] == "auto"
    assert deck["by_id"]["sites"]["radiusUnits"] == "pixels"


def test_the_scroll_wheel_scrolls_the_page_unless_asked(frames: dict[str, pd.DataFrame]) -> None:
    (view,) = build(frames)["views"]
    assert view["@@type"] == "MapView"
    assert view["controller"]["scrollZoom"] is False
    assert view["controller"]["doubleClickZoom"] is view["controller"]["touchZoom"] is True
    assert build(frames, scroll_zoom=True)["views"][0]["controller"]["scrollZoom"] is True


def test_the_range_is_framed_for_a_phone(frames: dict[str, pd.DataFrame]) -> None:
    view = build(frames)["initialViewState"]
    assert (view["latitude"], view["longitude"], view["zoom"]) == (42.781, 82.0, 1.62)
    # The range's corners, Caucasus to Transbaikalia, inside the 358 px of a 390 px phone.
    west, south, east, north = maps.RANGE_BOUNDS
    for longitude, latitude in ((west, south), (east, north)):
        x, y = maps.to_pixels(
            longitude, latitude, view=view, width=maps.PHONE_WIDTH, height=maps.MAP_HEIGHT
        )
        assert 0 < x < maps.PHONE_WIDTH
        assert 0 < y < maps.MAP_HEIGHT


def test_every_ptcr_name_is_on_a_phone_wide_map_and_overlaps_no_other(session: Session) -> None:
    # The shipped PTCRs, not the fixture's three: seven, three of them close together.
    regions = pd.read_csv(PROJECT_ROOT / "data" / "regions.csv")
    regions = regions.assign(activities=0, counted=0, completion_pct=float("nan"))
    deck = spec(
        charts.coverage_map(
            SHAPES,
            queries.coverage_by_country(session=session, filters=Filters()),
            regions,
            queries.site_points(session=session, filters=Filters()),
        )
    )
    points = deck["by_id"]["ptcr-labels"]["data"]
    assert len(points) == 7
    boxes = maps.place_labels(
        [dict(point) for point in points],
        view=maps.HOME_VIEW,
        width=maps.PHONE_WIDTH,
        height=maps.MAP_HEIGHT,
    )
    names = boxes[len(points) :]
    for box in names:
        assert box[0] >= 0, box
        assert box[2] <= maps.PHONE_WIDTH, box
        assert box[1] >= 0, box
        assert box[3] <= maps.MAP_HEIGHT, box
    # A name covers no circle and no other name.
    for index, box in enumerate(names):
        others = boxes[: len(points) + index] + boxes[len(points) + index + 1 :]
        assert all(maps._overlap(box, other) == 0 for other in others), box
    # Long names wrap: no name line is longer than about 16 characters.
    assert max(len(line) for p in points for line in p["label"].split("\n")) <= 18
    by_number = {p["number"]: p for p in points}
    assert by_number[7]["label"] == "Northern and\nInner Tian Shan"
    assert by_number[10]["label"] == "Daurian Steppe\n(pending)"
    # Range states are named where there is room, never over a PTCR.
    named = [label["label"] for label in deck["by_id"]["range-state-labels"]["data"]]
    assert {"Kazakhstan", "Mongolia", "Russia", "Iran"} <= set(named)


def test_range_states_are_shaded_by_activity_count(frames: dict[str, pd.DataFrame]) -> None:
    colours = fills(build(frames)["by_id"]["range-states"])
    # All 16 outlines are drawn; the fixture's store knows 4 of them.
    assert len(colours) == 16
    # KAZ 3 activities, MNG 2, RUS 1 (and PTCR 9 2, PTCR 11 1): three classes, darker with
    # more activities, and lighter than the PTCRs' (a context layer).
    assert colours["KAZ"] == maps.rgba(maps.RAMP[4], maps.CONTEXT_ALPHA)
    assert colours["MNG"] == maps.rgba(maps.RAMP[2], maps.CONTEXT_ALPHA)
    assert colours["RUS"] == maps.rgba(maps.RAMP[0], maps.CONTEXT_ALPHA)
    assert darkness(colours["KAZ"]) > darkness(colours["MNG"]) > darkness(colours["RUS"])
    # Nepal has none; China is not in the fixture's store: both "no activity".
    assert colours["NPL"] == maps.rgba(maps.NO_ACTIVITY_COLOUR, maps.CONTEXT_ALPHA)
    assert colours["CHN"] == maps.rgba(maps.NO_ACTIVITY_COLOUR)


def test_range_states_are_shaded_by_completion(frames: dict[str, pd.DataFrame]) -> None:
    colours = fills(build(frames, shade_by="completion")["by_id"]["range-states"])
    # KAZ 41.7 % -> 40–60 class; MNG 25 % -> 20–40; RUS only cancelled -> "none counted".
    assert colours["KAZ"] == maps.rgba(maps.RAMP[2], maps.CONTEXT_ALPHA)
    assert colours["MNG"] == maps.rgba(maps.RAMP[1], maps.CONTEXT_ALPHA)
    assert colours["RUS"] == maps.rgba(maps.NONE_COUNTED_COLOUR, maps.CONTEXT_ALPHA)
    assert colours["NPL"] == maps.rgba(maps.NO_ACTIVITY_COLOUR, maps.CONTEXT_ALPHA)
    with pytest.raises(ValueError, match="shade_by"):
        build(frames, shade_by="funding")


def test_tooltips_say_what_is_there(frames: dict[str, pd.DataFrame]) -> None:
    deck = build(frames)
    kazakhstan = next(
        f["properties"]
        for f in deck["by_id"]["range-states"]["data"]["features"]
        if f["properties"]["iso3"] == "KAZ"
    )
    assert kazakhstan["place"] == "country:KAZ"
    assert (kazakhstan["line1"], kazakhstan["line2"], kazakhstan["line3"]) == (
        "3 activities (3 counted)",
        "mean activity progress 42 %",
        "funding (shared grants split): EUR 10,000 · USD 2,000",
    )
    sites = deck["by_id"]["sites"]["data"]
    assert [site["activity_id"] for site in sites] == ["A1", "A2", "A5"]
    assert sites[1]["name"] == "Steppe survey in Mongolia"
    assert sites[1]["line1"] == "in progress · 50 %"
    assert (
        sites[1]["line2"] == "lead: Association for the Conservation of Biodiversity of Kazakhstan"
    )
    assert sites[0]["position"] == [85.6, 49.2]
    tooltip = charts.coverage_map(
        SHAPES, frames["countries"], frames["regions"], frames["sites"]
    )._tooltip
    # Text, never HTML: the names and titles come from the store (tests/test_markup.py).
    assert tooltip["text"] == "{name}\n{line1}\n{line2}\n{line3}"
    assert "html" not in tooltip


def test_a_dot_grouping_sites_says_how_many_and_names_two(
    frames: dict[str, pd.DataFrame],
) -> None:
    assert charts.sites_note(frames["sites"]) is None
    example = {"status": "in_progress", "progress_pct": 50.0, "lead": "", "demo": False}
    cell = {"latitude": 48.04, "longitude": 70.1, "grid": 0.5}
    rows = [
        {"point": 7, "sites": 6, "activities": 5, "activity_id": "B1", "title": "Survey 1"},
        {"point": 7, "sites": 6, "activities": 5, "activity_id": "B8", "title": "Survey 8"},
        {"point": 9, "sites": 2, "activities": 1, "activity_id": "B9", "title": "Den count"}
        | {"site": "Camp", "latitude": 44.0, "longitude": 101.0},
        {"point": 4, "sites": 3, "activities": 2, "activity_id": "B4", "title": "Patrols"},
        {"point": 4, "sites": 3, "activities": 2, "activity_id": "B5", "title": "Fences"},
    ]
    points = pd.DataFrame([cell | {"site": ""} | example | row for row in rows])
    sites = build({**frames, "sites": points})["by_id"]["sites"]["data"]
    assert [(site["activity_id"], site["position"]) for site in sites] == [
        ("B1", [70.1, 48.04]),
        ("B9", [101.0, 44.0]),
        ("B4", [70.1, 48.04]),
    ]
    assert [sites[0][key] for key in ("name", "line1", "line2", "line3")] == [
        "5 activities at 6 sites in this 0.5° square",
        "Survey 1",
        "Survey 8",
        "and 3 more",
    ]
    assert (sites[1]["name"], sites[1]["line1"], sites[1]["line3"]) == (
        "Den count",
        "in progress · 50 %",
        "2 sites nearby · click to open",
    )
    assert [sites[2][key] for key in ("name", "line1", "line2", "line3")] == [
        "2 activities at 3 sites in this 0.5° square",
        "Patrols",
        "Fences",
        "",
    ]
    assert charts.sites_note(points) == (
        "11 sites are too many to draw one by one: each dot groups the sites within a square "
        "of 0.5° (3 dots), and its tooltip says how many activities are there and names two "
        "of them."
    )


def test_ptcrs_are_labelled_and_pending_ones_marked(frames: dict[str, pd.DataFrame]) -> None:
    deck = build(frames)
    markers = {point["number"]: point for point in deck["by_id"]["ptcrs"]["data"]}
    assert markers[10]["name"] == "PTCR 10 Daurian Steppe (pending)"
    # Shaded as the range states, in full: PTCR 9 has 2 activities, 11 one, 10 none.
    assert markers[9]["fill"] == maps.rgba(maps.RAMP[2])
    assert markers[11]["fill"] == maps.rgba(maps.RAMP[0])
    assert markers[10]["fill"] == [255, 255, 255, 255]
    # A pending listing: a thick vermillion ring.
    assert markers[10]["outline"] == maps.rgba(maps.PTCR_COLOUR)
    assert markers[10]["outline_width"] == 3
    assert markers[9]["outline"] != maps.rgba(maps.PTCR_COLOUR)
    assert markers[9]["line2"] == (
        "mean activity progress 50 % · funding (shared grants split): EUR 10,000 · USD 2,000"
    )
    assert markers[9]["line3"] == "countries: KAZ, MNG, RUS (derived)"
    assert [p["number_text"] for p in deck["by_id"]["ptcr-numbers"]["data"]] == ["9", "10", "11"]
    assert [p["label"] for p in deck["by_id"]["ptcr-labels"]["data"]] == [
        "Altai",
        "Daurian Steppe\n(pending)",
        "Gobi",
    ]


def test_a_focused_country_is_outlined_and_framed(frames: dict[str, pd.DataFrame]) -> None:
    deck = build(frames, focus="country:KAZ")
    focus = deck["by_id"]["focus"]["data"]["features"]
    assert [f["properties"]["iso3"] for f in focus] == ["KAZ"]
    view = deck["initialViewState"]
    # Kazakhstan spans about 46.5–87.3 °E and 40.7–55.4 °N.
    assert 66 < view["longitude"] < 68
    assert 47 < view["latitude"] < 49
    assert 2.5 < view["zoom"] < 3.6
    assert build(frames)["by_id"]["focus"]["data"]["features"] == []


def test_a_focused_ptcr_is_ringed_and_framed(frames: dict[str, pd.DataFrame]) -> None:
    deck = build(frames, focus="ptcr:11")
    (ring,) = deck["by_id"]["focus"]["data"]["features"]
    assert ring["geometry"] == {"type": "Point", "coordinates": [100.0, 43.5]}
    view = deck["initialViewState"]
    assert (view["latitude"], view["longitude"], view["zoom"]) == (43.5, 100.0, 4.2)


def test_a_map_click_names_a_place() -> None:
    assert maps.selected_place({"range-states": [{"properties": {"place": "country:MNG"}}]}) == (
        "country:MNG"
    )
    # A PTCR marker lies on a range state: the marker wins.
    both = {
        "range-states": [{"properties": {"place": "country:MNG"}}],
        "ptcrs": [{"place": "ptcr:11"}],
    }
    assert maps.selected_place(both) == "ptcr:11"
    # So does a PTCR's name.
    assert maps.selected_place({"ptcr-labels": [{"place": "ptcr:9"}]}) == "ptcr:9"
    assert maps.selected_place({"sites": [{"activity_id": "A1"}]}) is None
    assert maps.selected_place({}) is None


def test_a_click_on_a_site_of_one_activity_opens_it() -> None:
    assert maps.selected_activity({"sites": [{"activity_id": "A1", "opens": "A1"}]}) == "A1"
    # A dot grouping several activities opens none; nor does a place.
    assert maps.selected_activity({"sites": [{"activity_id": "A1", "opens": ""}]}) is None
    assert maps.selected_activity({"ptcrs": [{"place": "ptcr:11"}]}) is None
    assert maps.selected_activity({}) is None


def test_count_classes_cover_every_count_without_gaps() -> None:
    assert [s.label for s in maps.shades([1, 2, 3], "activities")] == [
        "1 activity",
        "2 activities",
        "3 activities",
    ]
    twelve = maps.shades([1, 12, 7], "activities")
    assert [(s.lower, s.upper) for s in twelve] == [(1, 2), (3, 5), (6, 7), (8, 10), (11, 12)]
    assert [s.colour for s in twelve] == list(maps.RAMP)
    # Fewer classes than colours: spread over the ramp, the darkest always used.
    assert [s.colour for s in maps.shades([1], "activities")] == [maps.RAMP[4]]
    assert [s.colour for s in maps.shades([4], "activities")] == [
        maps.RAMP[0],
        maps.RAMP[1],
        maps.RAMP[3],
        maps.RAMP[4],
    ]
    assert maps.shades([], "activities") == []
    completion = maps.shades([], "completion")
    assert [s.label for s in completion] == ["0–20 %", "20–40 %", "40–60 %", "60–80 %", "80–100 %"]


def test_the_legend_matches_the_map(frames: dict[str, pd.DataFrame]) -> None:
    entries = charts.legend(frames["countries"], frames["regions"], "activities")
    assert entries[:4] == [
        ("class", maps.RAMP[0], "1 activity"),
        ("class", maps.RAMP[2], "2 activities"),
        ("class", maps.RAMP[4], "3 activities"),
        ("class", maps.NO_ACTIVITY_COLOUR, "no activity"),
    ]
    assert [label for _, _, label in entries[4:]] == [
        "PTCR whose listing of the Pallas's cat is pending",
        "activity site",
    ]
    html = charts.legend_html(entries, title="Activities <count>")
    assert "Activities &lt;count&gt;" in html
    assert f"background:{maps.RAMP[4]};" in html
    # The range state's lighter swatch beside the PTCR's.
    assert "background:rgba(8,81,156,0.43);" in html
    assert maps.LEGEND_NOTE in html
    assert "http" not in html
    assert "<script" not in html


def test_synergy_heatmap(overlapping_session: Session) -> None:
    # Plans whose periods both cover the fixture's tagged work (tests/test_synergies.py).
    session = overlapping_session
    matrix = queries.synergy_matrix(session=session, filters=Filters(include_demo=True))
    figure = charts.synergy_heatmap(
        matrix, title="Synergies", row_title="Strategy goal", column_title="CAMI section"
    )
    data = json.loads(figure.to_json())
    heatmap, cells = data["data"]
    assert heatmap["type"] == "heatmap"
    # The fixture's Strategy is a provisional structure, its CAMI sections are not.
    assert heatmap["y"] == ["S1 Knowledge<br>(provisional)", "S2 Threats<br>(provisional)"]
    assert heatmap["x"][1] == "CAMI-10 Species Monitoring an…"
    assert not any("provisional" in label for label in heatmap["x"])
    z = figure.data[0].z.tolist()
    assert z == [[0, 2, 0], [1, 0, 0]]
    assert figure.data[0].text.tolist() == [
        ["", "2 act.<br>62 %", ""],
        ["1 act.<br>none counted", "", ""],
    ]
    # The click targets: one per cell, naming the pair.
    assert cells["type"] == "scatter"
    assert [list(pair) for pair in figure.data[1].customdata][:2] == [
        ["S1", "CAMI-4"],
        ["S1", "CAMI-10"],
    ]
    assert data["layout"]["title"]["text"] == "Synergies"
    assert data["layout"]["xaxis"]["title"]["text"] == "CAMI section"
    assert data["layout"]["yaxis"]["title"]["text"] == "Strategy goal"
    assert charts.matrix_cells(matrix)[:2] == ["S1 × CAMI-4", "S1 × CAMI-10"]
    assert charts.row_labels(matrix) == {
        "S1": "S1 Knowledge (provisional)",
        "S2": "S2 Threats (provisional)",
    }
    assert charts.cell_label(matrix, "S1 × CAMI-10") == (
        "S1 Knowledge (provisional) × CAMI-10 Species Monitoring and Research"
    )
    table = charts.matrix_table(matrix)
    assert table["second_item"].tolist() == ["CAMI-10", "CAMI-4"]
    # The table behind the chart (and its CSV) says it too, in the cells themselves.
    assert table["first_title"].tolist() == ["Knowledge (provisional)", "Threats (provisional)"]
    assert table["second_title"].tolist() == [
        "Species Monitoring and Research",
        "Transboundary Cooperation",
    ]
    assert (
        frame_to_csv(table)
        .decode("utf-8-sig")
        .splitlines()[1]
        .startswith("S1,Knowledge (provisional),CAMI-10,Species Monitoring and Research,")
    )


def test_cell_text() -> None:
    assert cell_text(0, float("nan")) == ""
    assert cell_text(2, 62.5) == "2 act. · 62 %"
    assert cell_text(1, float("nan")) == "1 act. · none counted"


def test_synergy_sankey(overlapping_session: Session) -> None:
    # Plans whose periods both cover the fixture's tagged work (tests/test_synergies.py): A1
    # serves S1 and CAMI-10, A2 S1 and CAMI-10, A3 (demo) S2 and CAMI-4.
    session = overlapping_session
    flows = queries.synergy_flows(session=session, filters=Filters(include_demo=True))
    pairs = charts.synergy_pairs(flows)
    assert pairs[["goal", "section", "activities", "value", "demo_activities"]].to_dict(
        "records"
    ) == [
        {"goal": "S1", "section": "CAMI-10", "activities": 2, "value": 2.0, "demo_activities": 0},
        {"goal": "S2", "section": "CAMI-4", "activities": 1, "value": 1.0, "demo_activities": 1},
    ]
    figure = charts.synergy_sankey(flows, title="Flows", unit="activities")
    sankey = figure.data[0]
    # Goals, then sections: no node per activity. Labels wrapped, the full name in the hover.
    assert list(sankey.node.label) == [
        "S1 Knowledge<br>(provisional)",
        "S2 Threats<br>(provisional)",
        "CAMI-10 Species<br>Monitoring and …",
        "CAMI-4<br>Transboundary …",
    ]
    assert list(sankey.node.customdata)[2] == "CAMI-10 Species Monitoring and Research"
    assert list(sankey.node.color) == [maps.OKABE_ITO["blue"]] * 2 + [maps.OKABE_ITO["green"]] * 2
    assert list(sankey.link.source) == [0, 1]
    assert list(sankey.link.target) == [2, 3]
    assert list(sankey.link.value) == [2.0, 1.0]
    assert list(sankey.link.customdata) == [2, 1]
    assert figure.layout.title.text == "Flows"


def test_synergy_pairs_split_an_activity_over_its_pairs() -> None:
    # One activity serving two goals and one section, another serving one goal and two.
    flows = pd.DataFrame(
        [
            ("S1", "S1 A", "X", "X", 0.5, "first", False),
            ("S2", "S2 B", "X", "X", 0.5, "first", False),
            ("X", "X", "C1", "C1 c", 1.0, "second", False),
            ("S1", "S1 A", "Y", "Y", 3.0, "first", True),
            ("Y", "Y", "C1", "C1 c", 1.5, "second", True),
            ("Y", "Y", "C2", "C2 d", 1.5, "second", True),
        ],
        columns=["source", "source_label", "target", "target_label", "value", "stage", "demo"],
    )
    pairs = charts.synergy_pairs(flows)
    assert pairs[["goal", "section", "activities", "value", "demo_activities"]].values.tolist() == [
        ["S1", "C1", 2, 2.0, 1],
        ["S1", "C2", 1, 1.5, 1],
        ["S2", "C1", 1, 0.5, 0],
    ]
    # Every pair's weight adds up to the activities' total weight (1 + 3).
    assert pairs["value"].sum() == 4.0
    assert charts.synergy_pairs(flows.iloc[:0]).empty


def test_synergy_heatmap_labels_are_text(overlapping_session: Session) -> None:
    # Item titles come from plan files: plotly reads HTML in labels, so they go in escaped.
    matrix = queries.synergy_matrix(session=overlapping_session, filters=Filters())
    matrix["first_title"] = '<a href="https://x.test">Go</a>'
    matrix["second_title"] = "<b>Bold</b>"
    figure = charts.synergy_heatmap(matrix, title="t", row_title="r", column_title="c")
    heatmap = json.loads(figure.to_json())["data"][0]
    assert all("<a" not in label and "&lt;a" in label for label in heatmap["y"])
    assert all("<b>" not in label and "&lt;b&gt;" in label for label in heatmap["x"])


@pytest.mark.parametrize(
    ("countries", "ptcrs", "sites"),
    [
        # Kazakhstan with the Altai PTCR on its eastern edge (MP-2024-KAZ-KATON-KARAGAI).
        (["KAZ"], [(9, "Altai", 88.0, 49.0)], [(85.8, 49.2)]),
        # One site alone, with no place around it.
        ([], [], [(99.0, 45.0)]),
        # Mongolia and China with a PTCR at each end.
        (["MNG", "CHN"], [(9, "Altai", 88.0, 49.0), (10, "Daurian Steppe", 116.0, 49.5)], []),
    ],
)
def test_an_activity_map_shows_its_ptcrs_and_sites_whole_on_a_phone(
    countries: list[str], ptcrs: list[tuple[int, str, float, float]], sites: list[Any]
) -> None:
    places = pd.DataFrame(
        [
            {"kind": "country", "code": c, "name": c, "pending": False, "longitude": None,
             "latitude": None}
            for c in countries
        ]
        + [
            {"kind": "ptcr", "code": str(n), "name": name, "pending": False, "longitude": lon,
             "latitude": lat}
            for n, name, lon, lat in ptcrs
        ],
        columns=["kind", "code", "name", "pending", "longitude", "latitude"],
    )  # fmt: skip
    points = pd.DataFrame(
        [{"site": "", "longitude": lon, "latitude": lat} for lon, lat in sites],
        columns=["site", "longitude", "latitude"],
    )
    deck = maps.activity_map(SHAPES, places, points, title="An activity")
    assert deck is not None
    view = dict(json.loads(deck.to_json())["initialViewState"])
    marks = [(lon, lat, maps.PTCR_RADIUS) for _, _, lon, lat in ptcrs]
    marks += [(lon, lat, maps.SITE_RADIUS) for lon, lat in sites]
    for longitude, latitude, radius in marks:
        x, y = maps.to_pixels(
            longitude, latitude, view=view, width=maps.PHONE_WIDTH, height=maps.ACTIVITY_MAP_HEIGHT
        )
        assert radius <= x <= maps.PHONE_WIDTH - radius, (longitude, latitude, x)
        assert radius <= y <= maps.ACTIVITY_MAP_HEIGHT - radius, (longitude, latitude, y)
    # No PTCR's name covers a site, where the map draws the names.
    gap = maps.LABEL_GAP
    names = []
    for label in spec(deck)["by_id"].get("ptcr-labels", {}).get("data", []):
        (place,) = [
            index
            for index, (anchor, baseline, dx, dy) in enumerate(maps.LABEL_PLACES)
            if (anchor, baseline) == (label["anchor"], label["baseline"])
            and label["offset"] == [dx * gap, dy * gap]
        ]
        centre = maps.to_pixels(
            *label["position"], view=view, width=maps.PHONE_WIDTH, height=maps.ACTIVITY_MAP_HEIGHT
        )
        size = maps._text_box(label["label"].split("\n"), maps.LABEL_SIZE)
        names.append(maps._label_box(*centre, size, place))
    assert len(names) == len(ptcrs)
    for longitude, latitude in sites:
        x, y = maps.to_pixels(
            longitude, latitude, view=view, width=maps.PHONE_WIDTH, height=maps.ACTIVITY_MAP_HEIGHT
        )
        for left, top, right, bottom in names:
            assert not (left < x < right and top < y < bottom), (x, y, (left, top, right, bottom))

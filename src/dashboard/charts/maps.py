"""The offline coverage map: range states shaded by the work there, PTCRs and activity sites.

Nothing here may make the browser fetch anything: no basemap (`map_provider=None`, no
`map_style`), the land drawn from the shipped GeoJSON, labels drawn by deck.gl from a system
font (no font file is fetched). Every layer has an id, so map selections name their layer.
Layer data are plain lists of dicts (pydeck cannot serialise pandas 3 frames).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from dashboard.charts.palette import OKABE_ITO
from dashboard.charts.progress import progress_text
from dashboard.queries.coverage import parse_place

SHADINGS = {"activities": "Activities (count)", "completion": "Mean activity progress (%)"}
# Central Asia and the whole range, Caucasus to Transbaikalia, in a 520 px high map.
HOME_VIEW = {"latitude": 42.0, "longitude": 85.0, "zoom": 2.3}
MAP_HEIGHT = 520

# ColorBrewer "Blues", light to dark: one hue, so the order reads in any colour vision.
RAMP = ("#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
NO_ACTIVITY_COLOUR = "#FFFFFF"
NONE_COUNTED_COLOUR = "#BDBDBD"
SITE_COLOUR = OKABE_ITO["orange"]
PTCR_COLOUR = OKABE_ITO["vermillion"]

TOOLTIP_FIELDS = ("name", "line1", "line2", "line3")
# An activity's map labels its PTCRs when it has at most this many.
LABELLED_PTCRS = 3
LAYER_IDS = ("range-states", "focus", "sites", "ptcrs", "ptcr-labels")
# Text, not HTML: deck.gl writes an "html" tooltip into the page as markup, and the names and
# titles come from the store (issue 15).
TOOLTIP = {
    "text": "{name}\n{line1}\n{line2}\n{line3}",
    "style": {
        "backgroundColor": "white",
        "color": "#222222",
        "fontSize": "13px",
        "border": "1px solid #999999",
    },
}


def _text(value: str) -> str:
    """A literal string prop: pydeck reads a bare string as a data accessor ("@@=...")."""
    return f"'{value}'"


def rgba(colour: str, alpha: int = 255) -> list[int]:
    """[r, g, b, a] of a "#RRGGBB" colour."""
    value = colour.lstrip("#")
    return [int(value[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


@dataclass(frozen=True)
class Shade:
    """One class of the choropleth: values in [lower, upper], drawn in `colour`."""

    lower: float
    upper: float
    colour: str
    label: str


def shades(values: Iterable[float], shade_by: str) -> list[Shade]:
    """The classes a map shaded by `shade_by` uses for `values` (the places with activity).

    Completion: five fixed 20-point classes. Activity counts: one class per count up to 5,
    else five integer classes of about equal width up to the largest count.
    """
    if shade_by == "completion":
        return [
            Shade(lower, lower + 20, colour, f"{lower:.0f}–{lower + 20:.0f} %")
            for lower, colour in zip(range(0, 100, 20), RAMP, strict=True)
        ]
    finite = [v for v in values if not pd.isna(v)]
    largest = int(max(finite, default=0))
    if largest <= 0:
        return []
    if largest <= len(RAMP):
        edges = list(range(1, largest + 2))
    else:
        step = largest / len(RAMP)
        edges = sorted({1 + round(i * step) for i in range(len(RAMP))} | {largest + 1})
    count = len(edges) - 1
    # Fewer classes than colours: spread them over the ramp, darkest always used.
    picks = [round(i * (len(RAMP) - 1) / max(count - 1, 1)) for i in range(count)]
    if count == 1:
        picks = [len(RAMP) - 1]
    classes = []
    for (low, high), pick in zip(pairwise(edges), picks, strict=True):
        top = high - 1
        label = f"{low}" if low == top else f"{low}–{top}"
        classes.append(Shade(low, top, RAMP[pick], f"{label} activit{'y' if top == 1 else 'ies'}"))
    return classes


def shade_colour(
    activities: int, counted: int, completion: float, *, classes: list[Shade], shade_by: str
) -> str:
    """The fill of one place: its class, or the "no activity" / "none counted" greys."""
    if not activities:
        return NO_ACTIVITY_COLOUR
    value: float = completion if shade_by == "completion" else activities
    if shade_by == "completion" and (not counted or pd.isna(completion)):
        return NONE_COUNTED_COLOUR
    for shade in classes:
        if value <= shade.upper:
            return shade.colour
    return classes[-1].colour if classes else NO_ACTIVITY_COLOUR


def legend(countries: pd.DataFrame, shade_by: str) -> list[tuple[str, str, str]]:
    """(kind, colour, label) entries of the map's legend, top to bottom."""
    with_work = countries[countries["activities"] > 0]
    values = with_work["completion_pct"] if shade_by == "completion" else with_work["activities"]
    entries = [("fill", shade.colour, shade.label) for shade in shades(values, shade_by)]
    if shade_by == "completion":
        entries.append(("fill", NONE_COUNTED_COLOUR, "activity, none counted (cancelled only)"))
    entries.append(("fill", NO_ACTIVITY_COLOUR, "no activity"))
    entries += [
        ("dot", PTCR_COLOUR, "PTCR listing the Pallas's cat (number and name)"),
        ("ring", PTCR_COLOUR, "PTCR, listing pending"),
        ("dot", SITE_COLOUR, "activity site"),
    ]
    return entries


def legend_html(entries: list[tuple[str, str, str]], *, title: str) -> str:
    """The legend as a small HTML block (inline styles only, nothing to fetch)."""
    swatches = {
        "fill": "display:inline-block;width:18px;height:12px;border:1px solid #777;",
        "dot": "display:inline-block;width:12px;height:12px;border-radius:50%;"
        "border:1px solid #333;",
        "ring": "display:inline-block;width:9px;height:9px;border-radius:50%;"
        "background:#fff;border:3px solid {colour};",
    }
    items = []
    for kind, colour, label in entries:
        style = swatches[kind].format(colour=colour)
        if kind != "ring":
            style += f"background:{colour};"
        items.append(
            f'<span style="margin-right:14px;white-space:nowrap;">'
            f'<span style="{style}vertical-align:middle;"></span> {html.escape(label)}</span>'
        )
    return (
        '<div style="font-size:13px;line-height:1.9;">'
        f"<b>{html.escape(title)}:</b> " + " ".join(items) + "</div>"
    )


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation. pydeck indents its JSON, and indenting makes
    Python's json module use its pure-Python encoder: for thousands of sites that took half
    a second on every run, for the same JSON at twice the size."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def load_shapes(path: Path) -> dict[str, Any]:
    """The range-state FeatureCollection shipped in data/geo (see its README)."""
    shapes: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return shapes


def _positions(geometry: dict[str, Any]) -> Iterator[tuple[float, float]]:
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for polygon in polygons:
        for ring in polygon:
            for longitude, latitude in ring:
                yield float(longitude), float(latitude)


def view_for_shape(feature: dict[str, Any]) -> dict[str, float]:
    """A view state framing one country: its bounding box's centre, zoomed to fit."""
    return view_for_points(list(_positions(feature["geometry"])))


def view_for_points(
    points: list[tuple[float, float]], *, least: float = 1.0, pixels: int = 600
) -> dict[str, float]:
    """A view state framing (longitude, latitude) `points`: their bounding box's centre,
    zoomed to fit a box at least `least` degrees wide into about `pixels` px. Points on
    both sides of the antimeridian (Russia's far east) are framed across it, not around
    the world."""
    if max(p[0] for p in points) - min(p[0] for p in points) > 180:
        points = [(longitude % 360, latitude) for longitude, latitude in points]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    span = max(east - west, (north - south) * 1.6, least)
    # At zoom z the world is 512 * 2^z px wide.
    zoom = math.log2(pixels * 360 / (512 * span))
    centre = (west + east) / 2
    return {
        "latitude": round((south + north) / 2, 3),
        "longitude": round(centre - 360 if centre > 180 else centre, 3),
        "zoom": round(min(max(zoom, 0.5), 6.0), 2),
    }


def _money(row: pd.Series, funding_columns: list[str]) -> str:
    parts = [
        f"{column.removeprefix('funding_')} {row[column]:,.0f}"
        for column in funding_columns
        if row[column]
    ]
    return "funding: " + " · ".join(parts) if parts else "no funding recorded"


def _work_lines(row: pd.Series) -> tuple[str, str]:
    activities, counted = int(row["activities"]), int(row["counted"])
    if not activities:
        return "no activity", ""
    first = f"{activities} activit{'y' if activities == 1 else 'ies'} ({counted} counted)"
    completion = row["completion_pct"]
    second = (
        "no counted activity (cancelled, or no percentage reported)"
        if pd.isna(completion)
        else f"mean activity progress {completion:.0f} %"
    )
    return first, second


def _ptcr_name(row: pd.Series) -> str:
    pending = " (pending)" if row["pallas_status"] == "pending" else ""
    return f"PTCR {row['number']} {row['name']}{pending}"


def _ptcr_label(row: pd.Series) -> str:
    """The short label on the map: number and name, pending marked."""
    pending = " (pending)" if row["pallas_status"] == "pending" else ""
    return f"{row['number']} {row['name']}{pending}"


def _site_point(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One dot of the sites layer from its rows of `queries.site_points` (its examples).

    A dot of one activity says what it is (status, progress, lead, site); a dot grouping
    several says how many there are and names the first and the last recorded.
    """
    first = rows[0]
    activities, sites = int(first["activities"]), int(first["sites"])
    point: dict[str, Any] = {
        "activity_id": first["activity_id"],
        # The activity a click on the dot opens (a dot of several opens none).
        "opens": first["activity_id"] if activities == 1 else "",
        "position": [round(float(first["longitude"]), 5), round(float(first["latitude"]), 5)],
    }
    if activities == 1:
        where = f"{sites:,} sites nearby" if sites > 1 else first["site"] or first["activity_id"]
        point.update(
            name=first["title"],
            line1=f"{str(first['status']).replace('_', ' ')} · "
            f"{progress_text(first['progress_pct'])}",
            line2=f"lead: {first['lead'] or 'not recorded'}",
            line3=("demo data · " if first["demo"] else "") + f"{where} · click to open",
        )
        return _escaped(point)
    point.update(
        name=f"{activities:,} activities at {sites:,} sites in this {first['grid']:g}° square",
        line1=str(first["title"]),
        line2=str(rows[-1]["title"]),
        line3=f"and {activities - 2:,} more" if activities > 2 else "",
    )
    return _escaped(point)


def _escaped(properties: dict[str, Any]) -> dict[str, Any]:
    """The tooltip's lines (TOOLTIP is HTML: deck.gl puts them in as markup) with stored
    text escaped, so a title like "<img …>" shows as written."""
    return {
        key: html.escape(value) if key in TOOLTIP_FIELDS and isinstance(value, str) else value
        for key, value in properties.items()
    }


def _site_points(points: pd.DataFrame) -> list[dict[str, Any]]:
    """The sites layer's dots: `points` has one row per point and example, points together."""
    rows = cast(list[dict[str, Any]], points.to_dict("records"))
    return [_site_point(list(group)) for _, group in groupby(rows, key=lambda row: row["point"])]


def sites_note(points: pd.DataFrame) -> str | None:
    """What the map says when its dots group sites (too many to draw one by one), else None."""
    if points.empty or not points["grid"].iloc[0]:
        return None
    first = points.drop_duplicates("point")
    return (
        f"{int(first['sites'].sum()):,} sites are too many to draw one by one: each dot groups "
        f"the sites within a square of {points['grid'].iloc[0]:g}° ({len(first):,} dots), "
        "and its tooltip says how many activities are there and names two of them."
    )


def _range_states_layer(features: list[dict[str, Any]]) -> pdk.Layer:
    """The range states, each filled with its `fill` property, pickable."""
    return pdk.Layer(
        "GeoJsonLayer",
        id="range-states",
        data={"type": "FeatureCollection", "features": features},
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color=[90, 90, 90, 255],
        line_width_min_pixels=1,
    )


def _sites_layer(points: list[dict[str, Any]]) -> pdk.Layer:
    """Activity sites (or groups of them) as orange dots, pickable."""
    return pdk.Layer(
        "ScatterplotLayer",
        id="sites",
        data=points,
        pickable=True,
        get_position="position",
        get_fill_color=rgba(SITE_COLOUR, 240),
        get_line_color=[40, 40, 40, 255],
        stroked=True,
        line_width_min_pixels=1,
        radius_units=_text("pixels"),
        get_radius=5,
    )


def _ptcr_layers(points: list[dict[str, Any]]) -> list[pdk.Layer]:
    """PTCR markers (filled, or a ring when pending: their `fill`) and their labels."""
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="ptcrs",
            data=points,
            pickable=True,
            get_position="position",
            get_fill_color="fill",
            get_line_color=rgba(PTCR_COLOUR),
            stroked=True,
            line_width_units=_text("pixels"),
            get_line_width=3,
            radius_units=_text("pixels"),
            get_radius=9,
        ),
        pdk.Layer(
            "TextLayer",
            id="ptcr-labels",
            data=points,
            pickable=False,
            get_position="position",
            get_text="label",
            get_size=12,
            size_units=_text("pixels"),
            get_color=[30, 30, 30, 255],
            get_pixel_offset=[0, -20],
            font_family=_text("sans-serif"),
            font_weight=_text("bold"),
            background=True,
            get_background_color=[255, 255, 255, 210],
            background_padding=[3, 1],
        ),
    ]


def coverage_map(
    shapes: dict[str, Any],
    countries: pd.DataFrame,
    regions: pd.DataFrame,
    points: pd.DataFrame,
    *,
    shade_by: str = "activities",
    focus: str | None = None,
) -> pdk.Deck:
    """The map: range states shaded by `shade_by`, PTCR markers with labels, activity sites.

    `countries` is `queries.coverage_by_country`, `regions` `queries.coverage_by_region`,
    `points` `queries.site_points` (a dot per site, or per cell of sites when there are many).
    `focus` is a place ("country:KAZ", "ptcr:9"): a focused country is outlined and framed, a
    focused PTCR ringed and framed. Range states and PTCRs carry their place in `place`, for
    `selected_place`. No basemap: the map needs no network.
    """
    focus_country, focus_region = parse_place(focus)
    if shade_by not in SHADINGS:
        raise ValueError(f"shade_by must be one of {', '.join(SHADINGS)}, got {shade_by!r}")
    funding_columns = [c for c in countries.columns if c.startswith("funding_")]
    with_work = countries[countries["activities"] > 0]
    classes = shades(
        with_work["completion_pct"] if shade_by == "completion" else with_work["activities"],
        shade_by,
    )
    by_iso3 = countries.set_index("iso3")
    features = []
    focus_features = []
    for feature in shapes["features"]:
        iso3 = feature["properties"]["iso3"]
        properties: dict[str, Any] = {
            "iso3": iso3,
            "place": f"country:{iso3}",
            "name": feature["properties"]["name"],
        }
        if iso3 in by_iso3.index:
            row = by_iso3.loc[iso3]
            first, second = _work_lines(row)
            properties.update(
                name=str(row["name"]),
                fill=rgba(
                    shade_colour(
                        int(row["activities"]),
                        int(row["counted"]),
                        float(row["completion_pct"]),
                        classes=classes,
                        shade_by=shade_by,
                    )
                ),
                line1=first,
                line2=second,
                line3=_money(row, funding_columns),
            )
        else:
            properties.update(
                fill=rgba(NO_ACTIVITY_COLOUR),
                line1="not a range state in the store",
                line2="",
                line3="",
            )
        shaped = {
            "type": "Feature",
            "geometry": feature["geometry"],
            "properties": _escaped(properties),
        }
        features.append(shaped)
        if iso3 == focus_country:
            focus_features.append(shaped)

    region_points: list[dict[str, Any]] = []
    for row in regions.to_dict("records"):
        first, second = _work_lines(pd.Series(row))
        pending = row["pallas_status"] == "pending"
        region_points.append(
            _escaped(
                {
                    "number": int(row["number"]),
                    "place": f"ptcr:{int(row['number'])}",
                    "name": _ptcr_name(pd.Series(row)),
                    "label": _ptcr_label(pd.Series(row)),
                    "position": [float(row["longitude"]), float(row["latitude"])],
                    "fill": rgba("#FFFFFF", 255) if pending else rgba(PTCR_COLOUR, 235),
                    "line1": first,
                    "line2": second,
                    "line3": "countries: "
                    + (", ".join(str(row["countries"]).split(";")) or "none listed")
                    + (" (derived)" if row["position_derived"] else ""),
                }
            )
        )
    for point in region_points:
        if point["number"] == focus_region:
            focus_features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": point["position"]},
                    "properties": {"name": point["name"]},
                }
            )
    site_points = _site_points(points)

    layers = [
        _range_states_layer(features),
        pdk.Layer(
            "GeoJsonLayer",
            id="focus",
            data={"type": "FeatureCollection", "features": focus_features},
            pickable=False,
            stroked=True,
            filled=False,
            get_line_color=[0, 0, 0, 255],
            line_width_min_pixels=3,
            point_type=_text("circle"),
            point_radius_units=_text("pixels"),
            get_point_radius=16,
        ),
        _sites_layer(site_points),
        *_ptcr_layers(region_points),
    ]
    view = dict(HOME_VIEW)
    if focus_country and focus_features:
        view = view_for_shape(focus_features[0])
    elif focus_region is not None:
        chosen = [p for p in region_points if p["number"] == focus_region]
        if chosen:
            longitude, latitude = chosen[0]["position"]
            view = {"latitude": latitude, "longitude": longitude, "zoom": 4.2}
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view, pitch=0, bearing=0),
        map_provider=None,
        tooltip=TOOLTIP,
    )


def selected_activity(objects: dict[str, list[dict[str, Any]]]) -> str | None:
    """The activity id a map selection (`selection.objects`) opens: a site dot of one
    activity (its `opens`), else None."""
    for chosen in objects.get("sites") or []:
        if chosen.get("opens"):
            return str(chosen["opens"])
    return None


def selected_place(objects: dict[str, list[dict[str, Any]]]) -> str | None:
    """The place ("country:KAZ", "ptcr:9") of a map selection (`selection.objects`), if any.

    A PTCR marker wins over the range state under it.
    """
    for layer in ("ptcrs", "range-states"):
        for chosen in objects.get(layer) or []:
            place = chosen.get("place") or (chosen.get("properties") or {}).get("place")
            if place:
                return str(place)
    return None


def activity_map(
    shapes: dict[str, Any], places: pd.DataFrame, sites: pd.DataFrame, *, title: str
) -> pdk.Deck | None:
    """A small map of one activity: its range states shaded, its PTCRs marked and labelled,
    its sites as dots; None when it records no place at all.

    `places` is `queries.activity_places`, `sites` `queries.activity_sites`. The view frames
    all the activity records (its range states, PTCRs and sites). No basemap.
    """
    countries = set(places.loc[places["kind"] == "country", "code"])
    regions = places[places["kind"] == "ptcr"]
    if not countries and regions.empty and sites.empty:
        return None
    features = []
    framed: list[tuple[float, float]] = []
    for feature in shapes["features"]:
        iso3 = feature["properties"]["iso3"]
        here = iso3 in countries
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": _escaped(
                    {
                        "name": feature["properties"]["name"],
                        "line1": "the activity works here" if here else "",
                        "line2": "",
                        "line3": "",
                        "fill": rgba(RAMP[2] if here else NO_ACTIVITY_COLOUR),
                    }
                ),
            }
        )
        if here:
            framed.extend(_positions(feature["geometry"]))
    region_points = [
        _escaped(
            {
                "name": f"PTCR {row['code']} {row['name']}"
                + (" (pending)" if row["pending"] else ""),
                "label": f"{row['code']} {row['name']}" + (" (pending)" if row["pending"] else ""),
                "position": [float(row["longitude"]), float(row["latitude"])],
                "fill": rgba("#FFFFFF") if row["pending"] else rgba(PTCR_COLOUR, 235),
                "line1": "CAMI Priority Transboundary Conservation Region",
                "line2": "",
                "line3": "",
            }
        )
        for row in regions.to_dict("records")
    ]
    site_points = [
        _escaped(
            {
                "name": title,
                "line1": f"site: {row['site']}" if row["site"] else "site",
                "line2": f"{float(row['latitude']):.3f}° N, {float(row['longitude']):.3f}° E",
                "line3": "",
                "position": [float(row["longitude"]), float(row["latitude"])],
            }
        )
        for row in sites.to_dict("records")
    ]
    framed += [tuple(point["position"]) for point in (*site_points, *region_points)]
    # At least about a range state's width, so that a single site keeps its surroundings.
    # Framed for a phone's width (390 px): on a wide screen there is room around it.
    view = view_for_points(framed, least=25.0, pixels=340)
    ptcr_layers = _ptcr_layers(region_points)
    if len(region_points) > LABELLED_PTCRS:
        # Zoomed out that far, their labels would overlap: the page names them above the map.
        ptcr_layers = ptcr_layers[:1]
    layers = [_range_states_layer(features), *ptcr_layers, _sites_layer(site_points)]
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view, pitch=0, bearing=0),
        map_provider=None,
        tooltip=TOOLTIP,
    )

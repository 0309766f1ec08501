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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from dashboard.charts.palette import OKABE_ITO, relative_luminance, wrap_label
from dashboard.charts.progress import progress_text
from dashboard.queries.coverage import parse_place

SHADINGS = {"activities": "Activities (count)", "completion": "Mean activity progress (%)"}
# The map is framed for a phone: the range, from the Caucasus to Transbaikalia and from the
# Iranian plateau to southern Siberia (west, south, east, north), fits the 358 px a 390 px
# screen leaves the map; a wider screen shows more around it. No zoom is chosen by the
# screen's width (deck.gl's view state is fixed in the JSON).
RANGE_BOUNDS = (43.0, 26.0, 121.0, 56.0)
PHONE_WIDTH = 358
MAP_HEIGHT = 400
# The small map of one activity.
ACTIVITY_MAP_HEIGHT = 320

# ColorBrewer "Blues", light to dark: one hue, so the order reads in any colour vision.
RAMP = ("#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")
NO_ACTIVITY_COLOUR = "#FFFFFF"
NONE_COUNTED_COLOUR = "#BDBDBD"
SITE_COLOUR = OKABE_ITO["orange"]
PTCR_COLOUR = OKABE_ITO["vermillion"]
# Range states are the context, the PTCRs what the map is about: a range state takes its
# class's colour at this opacity (of 255), a PTCR's circle the full colour.
CONTEXT_ALPHA = 110
PTCR_RADIUS = 11
# A site's dot (px).
SITE_RADIUS = 5
# How far a PTCR's name sits from its circle's centre (px).
LABEL_GAP = PTCR_RADIUS + 3
# Labels: pixel sizes, and the width of a character as a share of the size (deck.gl draws
# them from the browser's sans-serif; this errs on the wide side, as DejaVu Sans is).
LABEL_SIZE = 12
COUNTRY_LABEL_SIZE = 11
CHAR_WIDTH = 0.62
# A PTCR's name on the map: lines of about this many characters, at most two.
PTCR_LABEL_WIDTH = 16

TOOLTIP_FIELDS = ("name", "line1", "line2", "line3")
# An activity's map labels its PTCRs when it has at most this many.
LABELLED_PTCRS = 3
LAYER_IDS = (
    "range-states",
    "range-state-labels",
    "focus",
    "sites",
    "ptcrs",
    "ptcr-numbers",
    "ptcr-labels",
)
# How the maps move: drag to pan, double-click or pinch to zoom; never rotated. The scroll
# wheel scrolls the page unless the reader turns wheel zoom on (issue 17).
CONTROLLER = {
    "dragPan": True,
    "dragRotate": False,
    "touchRotate": False,
    "doubleClickZoom": True,
    "touchZoom": True,
    "keyboard": True,
}
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


def _classes(countries: pd.DataFrame, regions: pd.DataFrame, shade_by: str) -> list[Shade]:
    """The classes of the map: one scale for the range states and the PTCRs with work."""
    values = pd.concat(
        [frame.loc[frame["activities"] > 0] for frame in (countries, regions)], ignore_index=True
    )
    return shades(
        values["completion_pct"] if shade_by == "completion" else values["activities"], shade_by
    )


def legend(
    countries: pd.DataFrame, regions: pd.DataFrame, shade_by: str
) -> list[tuple[str, str, str]]:
    """(kind, colour, label) entries of the map's legend, top to bottom: each class (a PTCR's
    circle in its colour, a range state lighter), then the PTCR and site marks."""
    entries = [
        ("class", shade.colour, shade.label) for shade in _classes(countries, regions, shade_by)
    ]
    if shade_by == "completion":
        entries.append(("class", NONE_COUNTED_COLOUR, "activity, none counted"))
    entries.append(("class", NO_ACTIVITY_COLOUR, "no activity"))
    entries += [
        ("ring", PTCR_COLOUR, "PTCR whose listing of the Pallas's cat is pending"),
        ("dot", SITE_COLOUR, "activity site"),
    ]
    return entries


LEGEND_NOTE = (
    "Circles are the PTCRs (number on the circle, name beside it); range states are shaded "
    "the same way, lighter."
)


def _swatch(kind: str, colour: str) -> str:
    styles = {
        "fill": f"width:18px;height:12px;border:1px solid #777;background:{colour};",
        "dot": f"width:10px;height:10px;border-radius:50%;border:1px solid #333;"
        f"background:{colour};",
        "ring": "width:12px;height:12px;border-radius:50%;background:#fff;"
        f"border:3px solid {colour};",
        "class": f"width:14px;height:14px;border-radius:50%;border:1px solid #333;"
        f"background:{colour};",
    }
    swatch = f'<span style="display:inline-block;vertical-align:middle;{styles[kind]}"></span>'
    if kind == "class":
        # The range state's lighter fill beside the PTCR's circle.
        alpha = CONTEXT_ALPHA / 255
        light = "rgba(" + ",".join(str(c) for c in rgba(colour)[:3]) + f",{alpha:.2f})"
        swatch = (
            '<span style="display:inline-block;vertical-align:middle;width:18px;height:12px;'
            f'border:1px solid #777;background:{light};"></span> ' + swatch
        )
    return swatch


def legend_html(entries: list[tuple[str, str, str]], *, title: str) -> str:
    """The legend as a small HTML block (inline styles only, nothing to fetch); with classes
    of the coverage map, the note on how PTCRs and range states share them."""
    items = [
        f'<span style="margin-right:14px;white-space:nowrap;">{_swatch(kind, colour)} '
        f"{html.escape(label)}</span>"
        for kind, colour, label in entries
    ]
    note = (
        f'<br><span style="color:#555">{html.escape(LEGEND_NOTE)}</span>'
        if any(kind == "class" for kind, _, _ in entries)
        else ""
    )
    return (
        '<div style="font-size:13px;line-height:1.9;">'
        f"<b>{html.escape(title)}:</b> " + " ".join(items) + note + "</div>"
    )


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation. pydeck indents its JSON, and indenting makes
    Python's json module use its pure-Python encoder: for thousands of sites that took half
    a second on every run, for the same JSON at twice the size.

    Its one MapView moves as CONTROLLER says, zooming on the scroll wheel only with
    `scroll_zoom`: Streamlit hands deck.gl the view's controller when the JSON has views."""

    def __init__(self, *, scroll_zoom: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault(
            "views",
            [pdk.View(type="MapView", controller={**CONTROLLER, "scrollZoom": scroll_zoom})],
        )
        super().__init__(**kwargs)

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def load_shapes(path: Path) -> dict[str, Any]:
    """The range-state FeatureCollection shipped in data/geo (see its README), each feature
    with `label_at`: where its name fits on the home view, best first (`label_spots`)."""
    shapes: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for feature in shapes["features"]:
        feature["label_at"] = label_spots(feature)
    return shapes


def _mercator(latitude: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))


def view_for_bounds(
    bounds: tuple[float, float, float, float], *, width: int, height: int, padding: int = 8
) -> dict[str, float]:
    """The view state that fits `bounds` (west, south, east, north) into a map of `width` ×
    `height` px, `padding` px to spare on each side."""
    west, south, east, north = bounds
    across = math.log2((width - 2 * padding) * 360 / (512 * (east - west)))
    down = math.log2(
        (height - 2 * padding) * 2 * math.pi / (512 * (_mercator(north) - _mercator(south)))
    )
    middle = (_mercator(north) + _mercator(south)) / 2
    return {
        "latitude": round(math.degrees(2 * math.atan(math.exp(middle)) - math.pi / 2), 3),
        "longitude": round((west + east) / 2, 3),
        # Rounded down: never a hair too close to fit.
        "zoom": math.floor(min(across, down) * 100) / 100,
    }


HOME_VIEW = view_for_bounds(RANGE_BOUNDS, width=PHONE_WIDTH, height=MAP_HEIGHT)


def to_pixels(
    longitude: float, latitude: float, *, view: dict[str, float], width: int, height: int
) -> tuple[float, float]:
    """Where (longitude, latitude) is drawn on a `width` × `height` px map at `view` (Web
    Mercator, as deck.gl's MapView), from its top left corner."""
    scale = 512 * 2 ** view["zoom"]
    x = width / 2 + (longitude - view["longitude"]) / 360 * scale
    y = height / 2 - (_mercator(latitude) - _mercator(view["latitude"])) / (2 * math.pi) * scale
    return x, y


Box = tuple[float, float, float, float]  # left, top, right, bottom (px)


def _text_box(lines: list[str], size: float) -> tuple[float, float]:
    """The width and height (px) a block of `lines` takes at `size` px, with its padding."""
    return max(len(line) for line in lines) * size * CHAR_WIDTH + 6, len(lines) * size + 4


def _overlap(first: Box, second: Box) -> float:
    width = min(first[2], second[2]) - max(first[0], second[0])
    height = min(first[3], second[3]) - max(first[1], second[1])
    return max(width, 0) * max(height, 0)


def _outside(box: Box, width: float, height: float) -> float:
    """How much of `box` (px²) lies outside a `width` × `height` map."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return area - _overlap(box, (0, 0, width, height))


# Where a PTCR's name may go: (text anchor, baseline, direction x, direction y), in order of
# preference: right of the circle, left of it, above, below, then the corners.
LABEL_PLACES = (
    ("start", "center", 1, 0),
    ("end", "center", -1, 0),
    ("middle", "bottom", 0, -1),
    ("middle", "top", 0, 1),
    ("start", "bottom", 0.8, -0.8),
    ("end", "bottom", -0.8, -0.8),
    ("start", "top", 0.8, 0.8),
    ("end", "top", -0.8, 0.8),
)


def _label_box(x: float, y: float, size: tuple[float, float], place: int) -> Box:
    """The box of a name of `size` px at `LABEL_PLACES[place]` of the circle at (x, y)."""
    across, down = size
    _, _, dx, dy = LABEL_PLACES[place]
    gap = LABEL_GAP
    left = x + dx * gap - (across if dx < 0 else across / 2 if dx == 0 else 0)
    top = y + dy * gap - (down if dy < 0 else down / 2 if dy == 0 else 0)
    return (left, top, left + across, top + down)


def place_labels(
    points: list[dict[str, Any]],
    *,
    view: dict[str, float],
    width: int,
    height: int,
    dots: Sequence[Sequence[float]] = (),
) -> list[Box]:
    """Give each PTCR point (`position`, `label` lines joined by newlines) the side of its
    circle where its name overlaps no other name or circle and stays on a `width` × `height`
    map at `view`, as far as it can, nor covers one of the `dots` (a few sites' (longitude,
    latitude)): sets `anchor`, `baseline` and `offset` (px) on each point, and returns the
    boxes the circles and then the names take (px).

    Each name takes the best place given the others, again and again until none moves (a
    few rounds for the handful of PTCRs); the first places are preferred on a tie."""
    gap = LABEL_GAP
    centres = [to_pixels(*p["position"], view=view, width=width, height=height) for p in points]
    circles: list[Box] = [
        (x - PTCR_RADIUS, y - PTCR_RADIUS, x + PTCR_RADIUS, y + PTCR_RADIUS) for x, y in centres
    ]
    marked = [to_pixels(*dot, view=view, width=width, height=height) for dot in dots]
    obstacles = circles + [
        (x - SITE_RADIUS, y - SITE_RADIUS, x + SITE_RADIUS, y + SITE_RADIUS) for x, y in marked
    ]
    sizes = [_text_box(point["label"].split("\n"), LABEL_SIZE) for point in points]
    chosen = [0] * len(points)

    def cost(index: int, place: int) -> float:
        box = _label_box(*centres[index], sizes[index], place)
        others = obstacles + [
            _label_box(*centres[other], sizes[other], chosen[other])
            for other in range(len(points))
            if other != index
        ]
        return 10 * _outside(box, width, height) + sum(_overlap(box, o) for o in others) + place

    for _ in range(6):
        moved = False
        for index in range(len(points)):
            best = min(range(len(LABEL_PLACES)), key=lambda place: cost(index, place))
            if best != chosen[index]:
                chosen[index], moved = best, True
        if not moved:
            break
    for point, place in zip(points, chosen, strict=True):
        anchor, baseline, dx, dy = LABEL_PLACES[place]
        point.update(anchor=anchor, baseline=baseline, offset=[dx * gap, dy * gap])
    return circles + [
        _label_box(*centre, size, place)
        for centre, size, place in zip(centres, sizes, chosen, strict=True)
    ]


def _inside(xs: np.ndarray, ys: np.ndarray, geometry: dict[str, Any]) -> np.ndarray:
    """Which of the points (xs, ys) lie inside `geometry` (even-odd rule over its rings)."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    inside = np.zeros(len(xs), dtype=bool)
    for ring in (ring for polygon in polygons for ring in polygon):
        corners = np.asarray(ring, dtype=float)
        x1, y1 = corners[:-1, 0:1], corners[:-1, 1:2]
        x2, y2 = corners[1:, 0:1], corners[1:, 1:2]
        for start in range(0, len(xs), 4000):
            px, py = xs[start : start + 4000], ys[start : start + 4000]
            with np.errstate(divide="ignore", invalid="ignore"):
                crosses = ((y1 > py) != (y2 > py)) & (px < (x2 - x1) * (py - y1) / (y2 - y1) + x1)
            inside[start : start + 4000] ^= crosses.sum(axis=0) % 2 == 1
    return inside


def label_spots(feature: dict[str, Any], *, step: float = 0.5, kept: int = 60) -> list[list[float]]:
    """Where a range state's name fits inside its outline within RANGE_BOUNDS on the home
    view: up to `kept` [longitude, latitude] points on a `step`° grid, nearest the middle of
    its part of the range first (none when it is too small there to hold its name)."""
    geometry = feature["geometry"]
    points = list(_positions(geometry))
    west, south, east, north = RANGE_BOUNDS
    west, east = max(west, min(p[0] for p in points)), min(east, max(p[0] for p in points))
    south, north = max(south, min(p[1] for p in points)), min(north, max(p[1] for p in points))
    if west >= east or south >= north:
        return []
    grid_x, grid_y = np.meshgrid(np.arange(west, east, step), np.arange(south, north, step))
    xs, ys = grid_x.ravel(), grid_y.ravel()
    within = _inside(xs, ys, geometry)
    if not within.any():
        return []
    middle = (xs[within].mean(), ys[within].mean())
    across, down = _text_box([feature["properties"]["name"]], COUNTRY_LABEL_SIZE)
    degrees = 360 / (512 * 2 ** HOME_VIEW["zoom"])
    half_x = across / 2 * degrees
    half_y = down / 2 * degrees * np.cos(np.radians(ys))
    # The whole name inside the outline and inside the framed range.
    fits = within & (xs - half_x > RANGE_BOUNDS[0]) & (xs + half_x < RANGE_BOUNDS[2])
    fits &= (ys - half_y > RANGE_BOUNDS[1]) & (ys + half_y < RANGE_BOUNDS[3])
    for sx, sy in ((-1, -1), (-1, 1), (1, -1), (1, 1)):
        fits &= _inside(xs + sx * half_x, ys + sy * half_y, geometry)
    order = np.argsort(np.hypot(xs[fits] - middle[0], ys[fits] - middle[1]), kind="stable")
    return [
        [round(float(x), 2), round(float(y), 2)]
        for x, y in zip(xs[fits][order][:kept], ys[fits][order][:kept], strict=True)
    ]


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
    # Each grant split evenly between its activity's places (queries.coverage).
    return "funding (shared grants split): " + " · ".join(parts) if parts else "no funding recorded"


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
        return point
    point.update(
        name=f"{activities:,} activities at {sites:,} sites in this {first['grid']:g}° square",
        line1=str(first["title"]),
        line2=str(rows[-1]["title"]),
        line3=f"and {activities - 2:,} more" if activities > 2 else "",
    )
    return point


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
        get_radius=SITE_RADIUS,
    )


def _ptcr_point(
    number: int,
    name: str,
    *,
    pending: bool,
    position: list[float],
    colour: str,
    lines: tuple[str, str, str],
) -> dict[str, Any]:
    """One PTCR as `_ptcr_marks` draws it: its circle in `colour` (ringed in vermillion when
    its listing is pending), its number, its name wrapped, and its tooltip `lines`."""
    return {
        "number": number,
        "number_text": str(number),
        "place": f"ptcr:{number}",
        "name": f"PTCR {number} {name}" + (" (pending)" if pending else ""),
        "label": "\n".join(wrap_label(name + (" (pending)" if pending else ""), PTCR_LABEL_WIDTH)),
        "position": position,
        "fill": rgba(colour),
        "outline": rgba(PTCR_COLOUR) if pending else [40, 40, 40, 255],
        "outline_width": 3 if pending else 1.5,
        "number_colour": [255, 255, 255, 255]
        if relative_luminance(colour) < 0.25
        else [20, 20, 20, 255],
        "line1": lines[0],
        "line2": lines[1],
        "line3": lines[2],
    }


def _ptcr_marks(points: list[dict[str, Any]]) -> list[pdk.Layer]:
    """The PTCRs as the map's main layer: circles in their class's colour (a thick ring when
    the listing is pending), their numbers on them and their names beside them (each on the
    side `place_labels` chose). Names are pickable too: they say what the circle does."""
    return [
        pdk.Layer(
            "ScatterplotLayer",
            id="ptcrs",
            data=points,
            pickable=True,
            get_position="position",
            get_fill_color="fill",
            get_line_color="outline",
            get_line_width="outline_width",
            stroked=True,
            line_width_units=_text("pixels"),
            radius_units=_text("pixels"),
            get_radius=PTCR_RADIUS,
        ),
        pdk.Layer(
            "TextLayer",
            id="ptcr-numbers",
            data=points,
            pickable=False,
            get_position="position",
            get_text="number_text",
            get_size=LABEL_SIZE - 1,
            size_units=_text("pixels"),
            get_color="number_colour",
            font_family=_text("sans-serif"),
            font_weight=_text("bold"),
        ),
        pdk.Layer(
            "TextLayer",
            id="ptcr-labels",
            data=points,
            pickable=True,
            get_position="position",
            get_text="label",
            get_size=LABEL_SIZE,
            size_units=_text("pixels"),
            get_color=[30, 30, 30, 255],
            get_text_anchor="anchor",
            get_alignment_baseline="baseline",
            get_pixel_offset="offset",
            font_family=_text("sans-serif"),
            font_weight=_text("bold"),
            # Every character the labels use, not only ASCII (drawn in the browser).
            character_set=_text("auto"),
            background=True,
            get_background_color=[255, 255, 255, 225],
            background_padding=[3, 1],
        ),
    ]


def _country_labels(features: list[dict[str, Any]], taken: list[Box]) -> list[dict[str, Any]]:
    """The names of the range states that have room for them on the home view, each at the
    first of its `label_at` spots whose name covers no PTCR circle or name (`taken`)."""
    labels = []
    for feature in features:
        name = feature["properties"]["label"]
        across, down = _text_box([name], COUNTRY_LABEL_SIZE)
        for longitude, latitude in feature.get("label_at", []):
            x, y = to_pixels(
                longitude, latitude, view=HOME_VIEW, width=PHONE_WIDTH, height=MAP_HEIGHT
            )
            box = (x - across / 2, y - down / 2, x + across / 2, y + down / 2)
            if not any(_overlap(box, other) for other in taken):
                labels.append({"position": [longitude, latitude], "label": name})
                taken.append(box)
                break
    return labels


def coverage_map(
    shapes: dict[str, Any],
    countries: pd.DataFrame,
    regions: pd.DataFrame,
    points: pd.DataFrame,
    *,
    shade_by: str = "activities",
    focus: str | None = None,
    scroll_zoom: bool = False,
) -> pdk.Deck:
    """The map: the PTCRs as circles shaded by `shade_by`, numbered and named; the range
    states shaded the same way, lighter, with their names where there is room; activity sites.

    `countries` is `queries.coverage_by_country`, `regions` `queries.coverage_by_region`,
    `points` `queries.site_points` (a dot per site, or per cell of sites when there are many).
    `focus` is a place ("country:KAZ", "ptcr:9"): a focused country is outlined and framed, a
    focused PTCR ringed and framed. Range states and PTCRs carry their place in `place`, for
    `selected_place`. The home view frames the range on a phone, every PTCR's name in it. The
    scroll wheel zooms only with `scroll_zoom`. No basemap: the map needs no network.
    """
    focus_country, focus_region = parse_place(focus)
    if shade_by not in SHADINGS:
        raise ValueError(f"shade_by must be one of {', '.join(SHADINGS)}, got {shade_by!r}")
    funding_columns = [c for c in countries.columns if c.startswith("funding_")]
    classes = _classes(countries, regions, shade_by)

    def fill(row: pd.Series) -> str:
        return shade_colour(
            int(row["activities"]),
            int(row["counted"]),
            float(row["completion_pct"]),
            classes=classes,
            shade_by=shade_by,
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
                fill=rgba(fill(row), CONTEXT_ALPHA),
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
            "properties": (properties),
        }
        features.append(shaped)
        if iso3 == focus_country:
            focus_features.append(shaped)

    region_funding = [c for c in regions.columns if c.startswith("funding_")]
    region_points: list[dict[str, Any]] = []
    for row in regions.to_dict("records"):
        series = pd.Series(row)
        first, second = _work_lines(series)
        pending = row["pallas_status"] == "pending"
        region_points.append(
            _ptcr_point(
                int(row["number"]),
                str(row["name"]),
                pending=pending,
                position=[float(row["longitude"]), float(row["latitude"])],
                colour=fill(series),
                lines=(
                    first,
                    second + (" · " if second else "") + _money(series, region_funding),
                    "countries: "
                    + (", ".join(str(row["countries"]).split(";")) or "none listed")
                    + (" (derived)" if row["position_derived"] else ""),
                ),
            )
        )
    taken = place_labels(region_points, view=HOME_VIEW, width=PHONE_WIDTH, height=MAP_HEIGHT)
    for point in region_points:
        if point["number"] == focus_region:
            focus_features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": point["position"]},
                    "properties": {"name": point["name"]},
                }
            )
    named = [
        {**feature, "properties": {"label": feature["properties"]["name"]}}
        for feature in shapes["features"]
    ]
    country_labels = _country_labels(named, taken)
    site_points = _site_points(points)

    layers = [
        _range_states_layer(features),
        pdk.Layer(
            "TextLayer",
            id="range-state-labels",
            data=country_labels,
            pickable=False,
            get_position="position",
            get_text="label",
            get_size=COUNTRY_LABEL_SIZE,
            size_units=_text("pixels"),
            get_color=[70, 70, 70, 255],
            font_family=_text("sans-serif"),
            character_set=_text("auto"),
        ),
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
            get_point_radius=PTCR_RADIUS + 6,
        ),
        _sites_layer(site_points),
        *_ptcr_marks(region_points),
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
        scroll_zoom=scroll_zoom,
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

    A PTCR's circle or name wins over the range state under it.
    """
    for layer in ("ptcrs", "ptcr-labels", "range-states"):
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
                "properties": (
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
        _ptcr_point(
            int(row["code"]),
            str(row["name"]),
            pending=bool(row["pending"]),
            position=[float(row["longitude"]), float(row["latitude"])],
            colour=PTCR_COLOUR,
            lines=("CAMI Priority Transboundary Conservation Region", "", ""),
        )
        for row in regions.to_dict("records")
    ]
    site_points = [
        (
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
    # Framed for a phone's width (390 px), less a PTCR's circle and a little air on each
    # side, so that a PTCR at the edge of its range states is drawn whole; on a wide screen
    # there is room around it.
    view = view_for_points(framed, least=25.0, pixels=PHONE_WIDTH - 2 * (PTCR_RADIUS + 8))
    place_labels(
        region_points,
        view=view,
        width=PHONE_WIDTH,
        height=ACTIVITY_MAP_HEIGHT,
        dots=[cast(list[float], point["position"]) for point in site_points],
    )
    ptcr_layers = _ptcr_marks(region_points)
    if len(region_points) > LABELLED_PTCRS:
        # Zoomed out that far, their labels would overlap: the page names them above the map.
        ptcr_layers = ptcr_layers[:2]
    layers = [_range_states_layer(features), *ptcr_layers, _sites_layer(site_points)]
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(**view, pitch=0, bearing=0),
        map_provider=None,
        tooltip=TOOLTIP,
    )

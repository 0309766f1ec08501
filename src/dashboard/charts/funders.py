"""A funder's page: the plain-language summary, funding and outputs charts, the sites map."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
from plotly.subplots import make_subplots

from dashboard import labels
from dashboard.charts.maps import CompactDeck, load_shapes, rgba
from dashboard.charts.palette import (
    LABELLED_ROW,
    OKABE_ITO,
    STATUS_COLOURS,
    apply_layout,
    labels_above_bars,
    wrap_label,
)
from dashboard.charts.progress import uncounted_text
from dashboard.markup import html_literal, literal
from dashboard.provisional import shorten
from dashboard.queries.funders import FunderFigures, money
from dashboard.settings import get_settings

# How a status reads in a sentence, in the order a board reads them.
STATUS_WORDS = {
    status: labels.STATUS_WORDS[status]
    for status in ("completed", "in_progress", "planned", "on_hold", "cancelled")
}
# Countries named in the summary before "and N more".
NAMED_COUNTRIES = 5
# Percent axes: ticks labelled "0 %" … "100 %".
PERCENT_TICKS: dict[str, Any] = {
    "tickvals": [0, 25, 50, 75, 100],
    "ticktext": ["0 %", "25 %", "50 %", "75 %", "100 %"],
}


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number:,} {singular if number == 1 else (plural or singular + 's')}"


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _quantity(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _output_phrase(indicator: str, unit: str, achieved: float, target: float | None) -> str:
    """ "1,200 camera-trap nights (target 1,000)" or "people trained: 15 people"."""
    unit_in_name = bool(unit) and unit.casefold().rstrip("s") in indicator.casefold()
    phrase = (
        f"{_quantity(achieved)} {indicator}"
        if unit_in_name or not unit
        else f"{indicator}: {_quantity(achieved)} {unit}"
    )
    if target is not None and not math.isnan(target):
        phrase += f" (target {_quantity(target)})"
    return phrase


def plain_summary(figures: FunderFigures, outputs: pd.DataFrame, *, as_of: str = "") -> str:
    """A few sentences a board can read, built from the figures only (Markdown).

    `outputs` has indicator, unit, achieved and target (as from `funder_outputs`); `as_of`
    names the date the figures stand on ("" for today).
    """
    if not figures.activities:
        return f"No activity supported by {literal(figures.name)} matches the current filters."
    since = f"Since {figures.first_year} your" if figures.first_year else "Your"
    places = []
    if figures.countries:
        named = [literal(country) for country in figures.countries[:NAMED_COUNTRIES]]
        rest = len(figures.countries) - len(named)
        places.append(
            _count(len(figures.countries), "range state")
            + " ("
            + _and(named + ([f"{rest} more"] if rest else []))
            + ")"
        )
    if figures.regions:
        places.append(
            _count(figures.regions, "CAMI priority region")
            + (" (PTCR)" if figures.regions == 1 else " (PTCRs)")
        )
    reached = (
        f"{since} support has reached **{_count(figures.activities, 'activity', 'activities')}**"
    )
    sentences = [
        f"{reached} in {_and(places)}." if places else f"{reached}, range-wide or desk work."
    ]
    ordered = sorted(figures.statuses.items(), key=lambda pair: list(STATUS_WORDS).index(pair[0]))
    sentences.append(
        (f"Status on {as_of}: " if as_of else "Status today: ")
        + ", ".join(f"{count} {STATUS_WORDS[status]}" for status, count in ordered)
        + "."
    )
    if figures.funding:
        years = (
            f"{figures.first_year}–{figures.last_year}"
            if figures.first_year != figures.last_year
            else f"{figures.first_year}"
        )
        sentences.append(
            "Funding recorded: "
            + _and([money(amount, currency) for currency, amount in figures.funding])
            + f" ({years}"
            + ("; each currency on its own" if len(figures.funding) > 1 else "")
            + ")."
        )
    elif not figures.unpublished:
        sentences.append("No funding amount is recorded; the support is recorded as a link.")
    if figures.unpublished:
        sentences.append(
            f"{_count(figures.unpublished, 'funding record')} with the amount not published: "
            "the sources name the support but give no figure. A partner who holds the figures "
            "can add them on the edit page (Record funding) or by importing funding.csv."
        )
    if not outputs.empty:
        phrases = [
            _output_phrase(literal(indicator), literal(unit), float(achieved), target)
            for indicator, unit, achieved, target in zip(
                outputs["indicator"].tolist(),
                outputs["unit"].tolist(),
                outputs["achieved"].tolist(),
                outputs["target"].tolist(),
                strict=True,
            )
        ]
        sentences.append("Results reported include " + _and(phrases) + ".")
    if figures.demo_activities:
        verb = "is" if figures.demo_activities == 1 else "are"
        sentences.append(
            f"{figures.demo_activities} of these activities {verb} invented demo data."
        )
    return " ".join(sentences)


def funding_by_year(funding: pd.DataFrame, *, title: str = "Funding by year") -> go.Figure:
    """Bars of funding per year, one panel per currency with its own axis (never added up).

    `funding` has year, currency, amount (as from `funder_funding`).
    """
    currencies = list(dict.fromkeys(funding.sort_values("currency")["currency"]))
    rows = max(1, len(currencies))
    figure = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.12 if rows > 1 else 0.0
    )
    colours = [OKABE_ITO[name] for name in ("blue", "orange", "green", "purple", "vermillion")]
    years = sorted(funding["year"].unique()) if not funding.empty else []
    for index, currency in enumerate(currencies):
        part = funding[funding["currency"] == currency]
        figure.add_trace(
            go.Bar(
                x=part["year"],
                y=part["amount"],
                name=currency,
                marker_color=colours[index % len(colours)],
                text=[money(amount, currency) for amount in part["amount"]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x}: %{text}<extra></extra>",
            ),
            row=index + 1,
            col=1,
        )
        figure.update_yaxes(
            title_text=f"Amount ({currency})",
            rangemode="tozero",
            tickformat=",.0f",
            row=index + 1,
            col=1,
        )
    figure.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years])
    apply_layout(figure, title=title, x_title="", height=120 + 220 * rows)
    # The x title goes under the bottom panel only.
    figure.update_xaxes(title_text="Year", row=rows, col=1)
    return figure


def overview_currencies(overview: pd.DataFrame) -> list[str]:
    """The currencies of `queries.funders_overview`'s funding_<CUR> columns, in order."""
    return [
        str(column).removeprefix("funding_")
        for column in overview.columns
        if str(column).startswith("funding_")
    ]


def funders_compared(overview: pd.DataFrame, *, title: str) -> go.Figure:
    """Each funder's funding side by side (`queries.funders_overview`): one panel per
    currency with its own axis (never added up), the funders with funding in it, largest
    first; a funder whose records publish no amount is named in the hover and not drawn."""
    currencies = overview_currencies(overview)
    rows = max(1, len(currencies))
    figure = make_subplots(rows=rows, cols=1, vertical_spacing=0.18 if rows > 1 else 0.0)
    colours = [OKABE_ITO[name] for name in ("blue", "orange", "green", "purple", "vermillion")]
    height = 100
    for index, currency in enumerate(currencies):
        part = overview[overview[f"funding_{currency}"] > 0].sort_values(
            f"funding_{currency}", ascending=True
        )
        # Names from the store: as text, never markup (plotly renders some HTML in labels).
        # Wrapped on two lines (about 22 characters each, so a phone keeps room for the
        # bars); a longer name ends in "…", and the hover names it in full.
        names = [
            "<br>".join(html_literal(line) for line in wrap_label(str(name), 22, lines=2))
            for name in part["name"]
        ]
        figure.add_trace(
            go.Bar(
                x=part[f"funding_{currency}"],
                y=names,
                orientation="h",
                name=currency,
                marker_color=colours[index % len(colours)],
                text=[money(amount, currency) for amount in part[f"funding_{currency}"]],
                textposition="outside",
                cliponaxis=False,
                customdata=[html_literal(name) for name in part["name"]],
                hovertemplate="%{customdata}: %{text}<extra></extra>",
            ),
            row=index + 1,
            col=1,
        )
        figure.update_xaxes(
            title_text=f"Funding ({currency})",
            # Room on the right for the amount written beside the longest bar.
            range=[0, float(part[f"funding_{currency}"].max()) * 1.35],
            tickformat=",.0f",
            row=index + 1,
            col=1,
        )
        height += 80 + 44 * len(part)
    apply_layout(figure, title=title, x_title="", height=height)
    figure.update_layout(showlegend=False)
    return figure


def funders_table(overview: pd.DataFrame) -> pd.DataFrame:
    """`queries.funders_overview` as people read it: words for headers, years as a span,
    one column of funding per currency, and what is not published said so."""
    currencies = overview_currencies(overview)
    years = [
        "" if pd.isna(first) else (f"{first}" if first == last else f"{first}–{last}")
        for first, last in zip(overview["first_year"], overview["last_year"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Funder": [
                f"[Demo] {name}" if demo else str(name)
                for name, demo in zip(overview["name"], overview["demo"], strict=True)
            ],
            "Funder page": [f"/funder?funder={slug}" for slug in overview["slug"]],
            "Activities supported": overview["activities"],
            "Range states": overview["range_states"],
            "CAMI priority regions": overview["regions"],
            "Years of funding": years,
            **{f"Funding ({currency})": overview[f"funding_{currency}"] for currency in currencies},
            "Records without a published amount": overview["unpublished"],
        }
    )


def outputs_against_targets(
    outputs: pd.DataFrame, *, title: str = "Outputs against targets"
) -> go.Figure:
    """Horizontal bars of each indicator's achievement as a percentage of its target.

    Only indicators with a target get a bar; the label says the achieved and target values.
    """
    frame = outputs[outputs["pct_of_target"].notna()].sort_values("pct_of_target")
    labels = [
        f"{_quantity(achieved)} of {_quantity(target)} {html_literal(unit)}".strip()
        for achieved, target, unit in zip(
            frame["achieved"], frame["target"], frame["unit"], strict=True
        )
    ]
    figure = go.Figure(
        go.Bar(
            x=frame["pct_of_target"],
            # Plotly reads labels as HTML (`<a href>` makes a link): names from the store are
            # escaped.
            y=[html_literal(indicator) for indicator in frame["indicator"]],
            orientation="h",
            marker_color=[
                OKABE_ITO["green"] if pct >= 100 else OKABE_ITO["blue"]
                for pct in frame["pct_of_target"]
            ],
            text=[
                f"{pct:.0f} % · {label}"
                for pct, label in zip(frame["pct_of_target"], labels, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0f} % of target<extra></extra>",
        )
    )
    figure.add_vline(x=100, line_dash="dot", line_color=OKABE_ITO["grey"])
    top = max(150.0, float(frame["pct_of_target"].max() or 0) * 1.35) if len(frame) else 150.0
    figure.update_xaxes(range=[0, top], **PERCENT_TICKS)
    return apply_layout(
        figure,
        title=title,
        x_title="Achieved (% of target; the dotted line is the target)",
        height=max(240, 60 * len(frame) + 140),
    )


@functools.lru_cache(maxsize=4)
def _land(path: str) -> dict[str, Any]:
    return load_shapes(Path(path))


def funder_sites_deck(sites: pd.DataFrame, *, land_path: Path | None = None) -> pdk.Deck:
    """An offline map of the sites: range states from the shipped GeoJSON, a dot per site.

    `sites` has activity_id, title, latitude, longitude, status. No basemap is fetched
    (map_provider=None); every layer has an id.
    """
    land = _land(str(land_path or get_settings().geojson_path))
    longitudes = [float(value) for value in sites["longitude"].tolist()]
    latitudes = [float(value) for value in sites["latitude"].tolist()]
    colours = {
        status: rgba(colour) for status, colour in {**STATUS_COLOURS, "": OKABE_ITO["grey"]}.items()
    }
    points = [
        {
            "activity_id": str(activity_id),
            # A click on the dot opens the activity's page (maps.selected_activity).
            "opens": str(activity_id),
            "title": str(title),
            "status": str(status).replace("_", " "),
            "position": [longitude, latitude],
            "colour": colours.get(str(status), colours[""]),
        }
        for activity_id, title, status, longitude, latitude in zip(
            sites["activity_id"].tolist(),
            sites["title"].tolist(),
            sites["status"].tolist(),
            longitudes,
            latitudes,
            strict=True,
        )
    ]
    if points:
        # At least a country's width around a single site, so the outlines give it a place.
        span = max(max(longitudes) - min(longitudes), 2 * (max(latitudes) - min(latitudes)), 12)
        view = pdk.ViewState(
            longitude=(max(longitudes) + min(longitudes)) / 2,
            latitude=(max(latitudes) + min(latitudes)) / 2,
            # One step out from a tight fit, so the sites keep their surroundings.
            zoom=max(1.0, min(4.5, math.log2(360 / span) - 1)),
        )
    else:
        view = pdk.ViewState(longitude=80.0, latitude=42.0, zoom=2.2)
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data=land,
            id="range-states",
            stroked=True,
            filled=True,
            get_fill_color=[232, 228, 218],
            get_line_color=[140, 140, 140],
            line_width_min_pixels=1,
            pickable=False,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=points,
            id="sites",
            get_position="position",
            get_fill_color="colour",
            get_line_color=[0, 0, 0],
            stroked=True,
            line_width_min_pixels=1,
            get_radius=20000,
            radius_min_pixels=6,
            radius_max_pixels=14,
            pickable=True,
        ),
    ]
    return CompactDeck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,
        # Text, not HTML: a stored title shows as written.
        tooltip={
            "text": "{activity_id}: {title}\nStatus: {status}\nClick the dot to open its page"
        },
    )


def items_advanced(items: pd.DataFrame, *, title: str) -> go.Figure:
    """Bars per framework item: the mean progress of the funder's activities serving it.

    `items` has framework, code, title, activities, counted, completion_pct (as from
    `funder_items`), listed top to bottom in that order. Items whose activities are all
    cancelled or report no percentage get no bar but the words "no counted activity".
    """
    # Above its bar, on two lines: the title cut only when longer than those.
    labels = [
        f"{code} {shorten(name, 100)}"
        for code, name in zip(items["code"], items["title"], strict=True)
    ]
    has_value = items["completion_pct"].notna()
    text = [
        f"{pct:.0f} % · {_count(int(total), 'activity', 'activities')}"
        if pd.notna(pct)
        else uncounted_text(int(total), int(counted), int(unreported))
        for pct, total, counted, unreported in zip(
            items["completion_pct"],
            items["activities"],
            items["counted"],
            items["not_reported"],
            strict=True,
        )
    ]
    figure = go.Figure(
        go.Bar(
            x=items["completion_pct"].where(has_value, 0),
            y=labels,
            orientation="h",
            marker_color=[OKABE_ITO["blue"] if value else OKABE_ITO["grey"] for value in has_value],
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    figure.update_xaxes(range=[0, 140], **PERCENT_TICKS)
    figure.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    labels_above_bars(figure, labels)
    return apply_layout(
        figure,
        title=title,
        x_title="Progress of the activities you support (%, link-weighted mean)",
        height=max(240, LABELLED_ROW * len(items) + 120),
    )


def status_legend_html(statuses: Iterable[str]) -> str:
    """A one-line legend of the status colours used on the sites map (HTML)."""
    present = set(statuses)
    shown = [status for status in STATUS_COLOURS if status in present]
    return (
        '<div style="font-size:0.85rem;color:#555">'
        + " &nbsp; ".join(
            f'<span style="color:{STATUS_COLOURS[status]};font-size:1.1rem">●</span> '
            f"{STATUS_WORDS[status]}"
            for status in shown
        )
        + "</div>"
    )

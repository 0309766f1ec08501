"""How far a plan has come over time: its items' statuses against the time elapsed, and
stepped lines of activity progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.palette import OKABE_ITO, SERIES_COLOURS, apply_layout

# Points drawn per line at most (a chart is about a thousand pixels wide); beyond it, weekly.
MAX_POINTS = 800


_EPOCH = dt.date(1970, 1, 1)


def _epoch_ms(day: dt.date) -> int:
    """A day as plotly places it on a date axis: milliseconds since 1970-01-01 UTC (unlike
    `datetime.timestamp()`, independent of the server's time zone and defined for year 1)."""
    return (day - _EPOCH).days * 86_400_000


def _moved(day: dt.date, by: dt.timedelta) -> dt.date:
    """`day + by`, stopping at the calendar's ends: any stored date can be charted."""
    try:
        return day + by
    except OverflowError:
        return dt.date.max if by > dt.timedelta(0) else dt.date.min


def plan_pace(
    items: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    title: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
) -> go.Figure:
    """A plan from its start to its end: the share of its items started and completed
    (`queries.items_history`) as stepped lines carried on to `as_of`, against the time
    elapsed (a dashed diagonal from 0 % at the start to 100 % at the end), and the activity
    progress of its period's activities (`queries.activity_progress_history`, one series)
    as a thin line. Nothing is drawn before the plan's start.
    """
    figure = go.Figure()
    last = min(as_of, end)
    figure.add_trace(
        go.Scatter(
            x=[start, end],
            y=[0, 100],
            mode="lines",
            line={"dash": "dash", "color": OKABE_ITO["grey"], "width": 2},
            name="Time elapsed",
            hovertemplate="time elapsed<extra></extra>",
        )
    )
    if not items.empty:
        points = items.sort_values("date", kind="stable")
        dates = [*points["date"], last]
        total = np.append(points["items_total"].to_numpy(), points["items_total"].iloc[-1])
        for column, name, colour in (
            ("items_started", "Items started", OKABE_ITO["blue"]),
            ("items_completed", "Items completed", OKABE_ITO["green"]),
        ):
            counts = np.append(points[column].to_numpy(), points[column].iloc[-1])
            share = np.where(total > 0, 100.0 * counts / np.maximum(total, 1), 0.0)
            figure.add_trace(
                go.Scatter(
                    x=dates,
                    y=share,
                    customdata=np.stack([counts, total], axis=-1),
                    mode="lines",
                    line={"shape": "hv", "width": 3.5, "color": colour},
                    name=name,
                    hovertemplate="%{x|%Y-%m-%d}: %{customdata[0]} of %{customdata[1]} items "
                    f"({name.split()[-1]})<extra></extra>",
                )
            )
    if not activity.empty:
        points = activity.sort_values("date", kind="stable")
        values = points["activity_progress_pct"].to_numpy(dtype=float)
        counted = points["activities"].to_numpy()
        figure.add_trace(
            go.Scatter(
                x=[*points["date"], last],
                y=np.append(values, values[-1]),
                customdata=np.append(counted, counted[-1]),
                mode="lines",
                line={"shape": "hv", "width": 1.5, "color": OKABE_ITO["vermillion"], "dash": "dot"},
                name="Activity progress (mean of its activities)",
                hovertemplate="%{x|%Y-%m-%d}: activity progress %{y:.1f} % "
                "(%{customdata} activities)<extra></extra>",
            )
        )
    if start <= as_of <= end:
        figure.add_vline(
            x=_epoch_ms(as_of),
            line={"dash": "dot", "color": OKABE_ITO["black"]},
            annotation_text=f"as of {as_of.isoformat()}",
            # On the side with room: early in the period, "left" would print over the axis.
            annotation_position="top left" if as_of - start > end - as_of else "top right",
        )
    padding = dt.timedelta(days=max(30, (end - start).days // 40))
    figure.update_xaxes(range=[_moved(start, -padding), _moved(end, padding)])
    figure.update_yaxes(range=[0, 105], ticksuffix=" %", title="Share of the plan's items")
    apply_layout(figure, title=title, x_title="Plan period", height=420)
    figure.update_layout(
        showlegend=True, legend={"orientation": "h", "y": -0.25, "x": 0, "xanchor": "left"}
    )
    return figure


def activity_progress_lines(
    history: pd.DataFrame,
    *,
    title: str,
    labels: Mapping[str, str],
    horizons: Mapping[str, int],
    as_of: dt.date,
    emphasise: Collection[str] = (),
) -> go.Figure:
    """One stepped line per series (activity progress after each change), carried on to
    `as_of`.

    `horizons` maps a label ("Strategy ends") to the year its plan ends; each is drawn as a
    dashed line at the end of that year, with the "as of" date as a dotted line. A series named
    in `emphasise` (a whole framework) is drawn thick and black, the others thin.
    """
    figure = go.Figure()
    others = [series for series in sorted(history["series"].unique()) if series not in emphasise]
    colours = {series: SERIES_COLOURS[i % len(SERIES_COLOURS)] for i, series in enumerate(others)}
    for series, points in history.groupby("series", sort=True):
        points = points.sort_values("date", kind="stable")
        if len(points) > MAX_POINTS:
            # More changes than the line has pixels for: the state at the end of each week.
            week = pd.to_datetime(points["date"]).dt.to_period("W")
            points = points.groupby(week.to_numpy(), sort=False).tail(1)
        # Completion holds until the next change: extend the last value to the "as of" date.
        dates = [*points["date"], as_of]
        values = np.append(
            points["activity_progress_pct"].to_numpy(dtype=float),
            points["activity_progress_pct"].iloc[-1],
        )
        counts = np.append(points["activities"].to_numpy(), points["activities"].iloc[-1])
        figure.add_trace(
            go.Scatter(
                x=dates,
                y=values,
                customdata=counts,
                mode="lines",
                line={
                    "shape": "hv",
                    "width": 4 if series in emphasise else 1.8,
                    "color": OKABE_ITO["black"] if series in emphasise else colours[series],
                },
                name=labels.get(str(series), str(series)),
                hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} % (%{customdata} activities)"
                "<extra>%{fullData.name}</extra>",
            )
        )
    for step, (label, year) in enumerate(horizons.items()):
        figure.add_vline(
            x=_epoch_ms(dt.date(year, 12, 31)),
            line={"dash": "dash", "color": OKABE_ITO["grey"]},
            annotation_text=f"{label} ({year})",
            annotation_position="top left",
            # Staggered, so that horizons a few years apart do not print over each other.
            annotation_yshift=-18 * step,
        )
    figure.add_vline(
        x=_epoch_ms(as_of),
        line={"dash": "dot", "color": OKABE_ITO["black"]},
        annotation_text=f"as of {as_of.isoformat()}",
        annotation_position="bottom right",
    )
    last_year = max([as_of.year, *horizons.values()])
    first_year = min(history["date"]).year if not history.empty else as_of.year
    # Half a year either side of the years shown.
    half_year = dt.timedelta(days=183)
    figure.update_xaxes(
        range=[
            _moved(dt.date(first_year, 1, 1), -half_year),
            _moved(dt.date(last_year, 12, 31), half_year),
        ]
    )
    figure.update_yaxes(range=[0, 105], ticksuffix=" %", title="Activity progress (%)")
    apply_layout(figure, title=title, x_title="Date of progress update", height=420)
    figure.update_layout(
        showlegend=True, legend={"orientation": "h", "y": -0.2, "x": 0, "xanchor": "left"}
    )
    return figure

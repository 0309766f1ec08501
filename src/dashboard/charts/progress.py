"""Progress charts: status counts and completion per framework item."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.palette import OKABE_ITO, STATUS_COLOURS, apply_layout

NO_ACTIVITY = "no activity"


def status_bar(counts: pd.DataFrame, *, title: str = "Activities by status") -> go.Figure:
    """Horizontal bars of activities per status (columns: status, activities)."""
    ordered = counts.sort_values("activities", ascending=True)
    figure = go.Figure(
        go.Bar(
            x=ordered["activities"],
            y=[status.replace("_", " ") for status in ordered["status"]],
            orientation="h",
            marker_color=[STATUS_COLOURS.get(s, OKABE_ITO["grey"]) for s in ordered["status"]],
            text=ordered["activities"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x} activities<extra></extra>",
        )
    )
    figure.update_xaxes(
        rangemode="tozero", tickformat="d", dtick=max(1, int(ordered["activities"].max() or 1) // 5)
    )
    return apply_layout(figure, title=title, x_title="Activities (count)", height=300)


def completion_bars(items: pd.DataFrame, *, title: str, max_depth: int | None = None) -> go.Figure:
    """Completion per framework item, sorted, with the counts beside each bar.

    `items` has code, title, depth, applies, completion_pct, counted and activities; only items
    down to `max_depth` are drawn (0: goals or sections). Items with no counted activity get no
    bar and the words "no activity" (never a 0 % bar).
    """
    frame = items if max_depth is None else items[items["depth"] <= max_depth]
    frame = frame.copy()
    frame["label"] = (
        frame["code"]
        + " "
        + frame["title"].str.slice(0, 44)
        + [f" ({applies})" if applies else "" for applies in frame["applies"]]
    )
    has_value = frame["completion_pct"].notna()
    # Sorted bars, the gaps ("no activity") kept together at the bottom.
    frame = pd.concat(
        [
            frame[~has_value].sort_values("code", ascending=False),
            frame[has_value].sort_values("completion_pct"),
        ]
    )
    has_value = frame["completion_pct"].notna()
    text = [
        f"{pct:.0f} % · {counted} of {total} act."
        if pd.notna(pct)
        else (f"no counted activity ({total} cancelled)" if total else NO_ACTIVITY)
        for pct, counted, total in zip(
            frame["completion_pct"], frame["counted"], frame["activities"], strict=True
        )
    ]
    figure = go.Figure()
    valued = frame[has_value]
    figure.add_trace(
        go.Bar(
            x=valued["completion_pct"],
            y=valued["label"],
            orientation="h",
            marker_color=OKABE_ITO["blue"],
            text=[t for t, v in zip(text, has_value, strict=True) if v],
            textposition="outside",
            cliponaxis=False,
            name="completion",
            hovertemplate="%{y}<br>%{x:.1f} % complete<extra></extra>",
        )
    )
    if (~has_value).any():
        figure.add_trace(
            go.Scatter(
                x=[0] * int((~has_value).sum()),
                y=frame.loc[~has_value, "label"],
                mode="markers+text",
                marker={"symbol": "line-ns-open", "color": OKABE_ITO["grey"], "size": 10},
                text=[t for t, v in zip(text, has_value, strict=True) if not v],
                textposition="middle right",
                textfont={"color": "#555555"},
                name=NO_ACTIVITY,
                hovertemplate="%{y}<br>" + NO_ACTIVITY + "<extra></extra>",
            )
        )
    figure.update_xaxes(range=[0, 130], tickvals=[0, 25, 50, 75, 100], ticksuffix=" %")
    figure.update_yaxes(categoryorder="array", categoryarray=list(frame["label"]))
    height = max(260, 34 * len(frame) + 110)
    return apply_layout(
        figure, title=title, x_title="Completion (%, link-weighted mean)", height=height
    )


def item_tree_table(items: pd.DataFrame) -> pd.DataFrame:
    """The framework tree as a readable table: indented titles, completion or "no activity"."""
    return pd.DataFrame(
        {
            "code": items["code"],
            "item": [
                "\u2003" * int(depth) + title
                for depth, title in zip(items["depth"], items["title"], strict=True)
            ],
            "level": items["level"],
            "completion_pct": items["completion_pct"].round(1),
            "counted_activities": items["counted"],
            "all_activities": items["activities"],
            "coverage": ["covered" if covered else NO_ACTIVITY for covered in items["covered"]],
            "applies": items["applies"],
            "provisional": items["provisional"],
        }
    )

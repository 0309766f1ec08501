"""Progress charts: status counts and completion per framework item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import labels
from dashboard.charts.palette import (
    LABELLED_ROW,
    OKABE_ITO,
    STATUS_COLOURS,
    apply_layout,
    labels_above_bars,
)
from dashboard.models import ITEM_STATUSES
from dashboard.provisional import PROVISIONAL, item_label

NO_ACTIVITY = "no activity"
# An activity whose report gave no percentage: shown so, never as 0 % (and in no mean).
NOT_REPORTED = "not reported"


def uncounted_text(activities: int, counted: int, not_reported: int) -> str:
    """Why a group of activities has no mean progress: none at all, or why none counts
    ("no counted activity (1 cancelled, 2 with no percentage reported)")."""
    if not activities:
        return NO_ACTIVITY
    cancelled = activities - counted - not_reported
    reasons = [f"{cancelled} cancelled"] if cancelled else []
    if not_reported:
        reasons.append(f"{not_reported} with no percentage reported")
    return f"no counted activity ({', '.join(reasons)})"


def progress_text(value: float | None) -> str:
    """An activity's progress in words: "40 %", or NOT_REPORTED where none was given."""
    return NOT_REPORTED if value is None or pd.isna(value) else f"{value:.0f} %"


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


ITEM_STATUS_LABELS = {status: labels.STATUS_WORDS[status] for status in ITEM_STATUSES}


def status_label(status: str, basis: str, assessed_on: object = None) -> str:
    """An item's status as a reader sees it: "completed (assessed 2024-02-17)",
    "started (derived)"."""
    label = ITEM_STATUS_LABELS.get(status, status)
    if basis == "assessed":
        return f"{label} (assessed {assessed_on})" if assessed_on else f"{label} (assessed)"
    return f"{label} (derived)"


def activity_progress_bars(
    items: pd.DataFrame, *, title: str, max_depth: int | None = None
) -> go.Figure:
    """Activity progress per plan item, sorted, with its status and counts beside each bar.

    `items` is `queries.item_progress`; only items down to `max_depth` are drawn (0: the top
    level). Items with no counted activity get no bar and the words "no activity" (never a
    0 % bar).
    """
    frame = items if max_depth is None else items[items["depth"] <= max_depth]
    frame = frame.copy()
    frame["label"] = [
        item_label(code, item_title, bool(provisional)) + (f" ({applies})" if applies else "")
        for code, item_title, provisional, applies in zip(
            frame["code"], frame["title"], frame["provisional"], frame["applies"], strict=True
        )
    ]
    has_value = frame["activity_progress_pct"].notna()
    # Sorted bars, the gaps ("no activity") kept together at the bottom.
    frame = pd.concat(
        [
            frame[~has_value].sort_values("code", ascending=False),
            frame[has_value].sort_values("activity_progress_pct"),
        ]
    )
    has_value = frame["activity_progress_pct"].notna()
    status = [
        ITEM_STATUS_LABELS.get(value, value) + (" (assessed)" if basis == "assessed" else "")
        for value, basis in zip(frame["status"], frame["basis"], strict=True)
    ]
    text = [
        f"{pct:.0f} % · {counted} act."
        + (f" (+{unreported} not reported)" if unreported else "")
        + f" · {state}"
        if pd.notna(pct)
        else f"{uncounted_text(int(total), int(counted), int(unreported))} · {state}"
        for pct, counted, unreported, total, state in zip(
            frame["activity_progress_pct"],
            frame["counted"],
            frame["not_reported"],
            frame["activities"],
            status,
            strict=True,
        )
    ]
    figure = go.Figure()
    valued = frame[has_value]
    figure.add_trace(
        go.Bar(
            x=valued["activity_progress_pct"],
            y=valued["label"],
            orientation="h",
            marker_color=OKABE_ITO["blue"],
            text=[f"{pct:.0f} %" for pct in valued["activity_progress_pct"]],
            textposition="outside",
            cliponaxis=False,
            name="activity progress",
            hovertemplate="%{y}<br>activity progress %{x:.1f} %<extra></extra>",
        )
    )
    if (~has_value).any():
        figure.add_trace(
            go.Scatter(
                x=[0] * int((~has_value).sum()),
                y=frame.loc[~has_value, "label"],
                mode="markers",
                marker={"symbol": "line-ns-open", "color": OKABE_ITO["grey"], "size": 10},
                name=NO_ACTIVITY,
                hovertemplate="%{y}<br>" + NO_ACTIVITY + "<extra></extra>",
            )
        )
    figure.update_xaxes(range=[0, 150], tickvals=[0, 25, 50, 75, 100], ticksuffix=" %")
    figure.update_yaxes(categoryorder="array", categoryarray=list(frame["label"]))
    # The figures in words under each label, where a phone has room for them.
    labels_above_bars(figure, list(frame["label"]), notes=text)
    height = max(260, LABELLED_ROW * len(frame) + 110)
    return apply_layout(
        figure,
        title=title,
        x_title="Activity progress (%, link-weighted mean of the plan period's activities)",
        height=height,
    )


def item_tree_table(items: pd.DataFrame) -> pd.DataFrame:
    """The plan's tree as a readable table (`queries.item_progress` in): indented titles,
    each item's status and what it rests on, activity progress or "no activity"."""
    return pd.DataFrame(
        {
            "Code": items["code"],
            "Item": [
                "\u2003" * int(depth) + title + (f" {PROVISIONAL}" if provisional else "")
                for depth, title, provisional in zip(
                    items["depth"], items["title"], items["provisional"], strict=True
                )
            ],
            "Level": items["level"],
            "Counted in items under way": [
                "yes" if t else "no (has sub-items)" for t in items["tracked"]
            ],
            "Status": [ITEM_STATUS_LABELS.get(s, s) for s in items["status"]],
            "Status rests on": [
                f"assessment of {on}" + (f": {note}" if note else "")
                if basis == "assessed"
                else "derived from activities"
                for basis, on, note in zip(
                    items["basis"], items["assessed_on"], items["assessment_note"], strict=True
                )
            ],
            "Assessment source": [s or "" for s in items["assessment_source"].fillna("")],
            "Activity progress (%)": items["activity_progress_pct"].round(1),
            "Activities counted": items["counted"],
            "Activities (all, cancelled included)": items["activities"],
            "Applies": items["applies"],
            "Provisional structure": ["yes" if p else "no" for p in items["provisional"]],
        }
    )


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def plan_sentence(plan: Mapping[str, Any]) -> str:
    """How far a plan has come, in plain words with every count (a `queries.plan_progress`
    row): true as a sentence on a printed page, never a bare percentage."""
    as_of = plan["as_of"]
    name = plan["short_name"]
    if plan["plan_year"] == 0:
        return (
            f"As of {as_of}, the {name} has not started: its period runs from "
            f"{plan['period_start']} to {plan['period_end']}, and nothing counts toward it yet."
        )
    total, started, completed = plan["items_total"], plan["items_started"], plan["items_completed"]
    time = (
        f"in year {plan['plan_year']} of {plan['plan_years']} of the {name} "
        f"({plan['time_elapsed_pct']:.0f} % of its time elapsed)"
        if plan["time_elapsed_pct"] < 100
        else f"after the end of the {name} ({plan['period_start']}–{plan['period_end']})"
    )
    assessed = plan["items_assessed"]
    basis = (
        "all derived from activities, none assessed yet"
        if not assessed
        else f"{_count(assessed, 'status', 'statuses')} from a dated assessment with its source, "
        "the others derived from activities"
    )
    done = (
        "none is completed"
        if completed == 0
        else f"{completed:,} {'is' if completed == 1 else 'are'} completed"
    )
    items = (
        f"work has started on {started:,} of its {_count(total, 'item', 'items')} "
        f"and {done} ({basis})"
    )
    counted = plan["activities_counted"]
    progress = plan["activity_progress_pct"]
    unreported = plan["activities_not_reported"]
    activity = (
        "no activity of its period has reported a percentage"
        if counted == 0 or progress != progress
        else f"the {_count(counted, 'activity', 'activities')} of its period that "
        f"{'reports' if counted == 1 else 'report'} a percentage "
        f"{'is' if counted == 1 else 'are'} on average {progress:.0f} % of the way through "
        f"{'its' if counted == 1 else 'their'} own work"
    )
    if unreported:
        activity += (
            f"; {_count(unreported, 'activity', 'activities')} under way "
            f"{'reports' if unreported == 1 else 'report'} no percentage and "
            f"{'is' if unreported == 1 else 'are'} left out of that mean"
        )
    return f"As of {as_of}, {time}, {items}; {activity}."

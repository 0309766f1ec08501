"""How far a plan has come over time, from its start: its items' statuses and its activity
progress, computed from the progress updates and assessments (history, never overwritten).

Items over time (`items_history`): each item the plan tracks is started from the first date an
activity of the plan's period linked to it reported work under way (never before the plan's
start), until its first assessment; from then on its latest assessment says its status.

A framework's activity progress on a date (`activity_progress_history`) is the link-weighted
mean progress of its activities as they stood on that date, among those whose work overlaps
its period. Rather than recomputing that for every date, each progress update
contributes the *change* it makes (its progress minus the activity's previous progress, times
the activity's link weight; the store keeps each update's change on its row); summing those
changes per date and accumulating them in date order gives the whole history in one pass over
the updates, in SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import FromClause, case, exists, false, func, literal, select, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dashboard.filters import Filters
from dashboard.queries.scope import (
    Activity,
    ActivityItem,
    Framework,
    FrameworkItem,
    ItemAssessment,
    ProgressUpdate,
    activity_scope,
    in_period,
    item_closure,
    plans,
    to_frame,
)

ITEMS_HISTORY_COLUMNS = [
    "date", "items_total", "items_started", "items_well_advanced", "items_completed",
]  # fmt: skip
STARTED = ("started", "well_advanced", "completed")


def items_history(session: Session, *, filters: Filters, framework: str) -> pd.DataFrame:
    """The items `framework` tracks (those with nothing below them), counted by status on
    every date their count changed, from the plan's start to the filters' date.

    Columns: date, items_total (not applicable ones left out), items_started (started, well
    advanced or completed), items_well_advanced, items_completed. Empty before the plan
    starts. The status filter does not apply: history spans every status.
    """
    found = plans(session, framework)
    as_of = filters.as_of_date()
    if not found or as_of < found[0].start:
        return pd.DataFrame(columns=ITEMS_HISTORY_COLUMNS)
    plan = found[0]
    child = aliased(FrameworkItem)
    tracked = (
        select(FrameworkItem.c.id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .where(
            Framework.c.code == plan.code,
            ~exists().where(child.c.parent_id == FrameworkItem.c.id),
        )
    )
    leaves = [int(row[0]) for row in session.execute(tracked).all()]
    # The day each item started by its activities: the earliest first report of work under
    # way among the activities of the plan's period linked to it, never before the plan.
    # The scope's conditions on the joined activity itself, not `id IN (scope)`: SQLite
    # would build the set of every activity in scope first (0.4 s at 100k).
    scope = activity_scope(filters).where(in_period(plan)).whereclause
    started_on = session.execute(
        select(ActivityItem.c.item_id, func.min(Activity.c.first_started))
        .join(Activity, Activity.c.id == ActivityItem.c.activity_id)
        .where(
            ActivityItem.c.item_id.in_(leaves),
            Activity.c.first_started <= as_of,
            true() if scope is None else scope,
        )
        .group_by(ActivityItem.c.item_id)
    ).all()
    derived = {int(item): max(day, plan.start) for item, day in started_on}
    conditions = [ItemAssessment.c.item_id.in_(leaves), ItemAssessment.c.date <= as_of]
    if not filters.include_demo:
        conditions.append(ItemAssessment.c.demo == false())
    assessed: dict[int, list[tuple[dt.date, str]]] = {}
    for item, day, status in session.execute(
        select(ItemAssessment.c.item_id, ItemAssessment.c.date, ItemAssessment.c.status)
        .where(*conditions)
        .order_by(ItemAssessment.c.date, ItemAssessment.c.id)
    ).all():
        assessed.setdefault(int(item), []).append((max(day, plan.start), status))
    # A few dozen items and their few events: each date's count is taken in Python.
    days = sorted(
        {plan.start, *derived.values(), *(day for rows in assessed.values() for day, _ in rows)}
    )
    rows = []
    for day in days:
        statuses = [_status_on(day, derived.get(item), assessed.get(item, [])) for item in leaves]
        applicable = [status for status in statuses if status != "not_applicable"]
        rows.append(
            (
                day,
                len(applicable),
                sum(status in STARTED for status in applicable),
                applicable.count("well_advanced"),
                applicable.count("completed"),
            )
        )
    return pd.DataFrame(rows, columns=ITEMS_HISTORY_COLUMNS)


def _status_on(day: dt.date, started: dt.date | None, assessed: list[tuple[dt.date, str]]) -> str:
    """An item's status on `day`: its latest assessment by then, else derived."""
    latest = [status for when, status in assessed if when <= day]
    if latest:
        return latest[-1]
    return "started" if started is not None and started <= day else "not_started"


def activity_progress_history(
    session: Session, *, filters: Filters, framework: str, by: str = "framework"
) -> pd.DataFrame:
    """Activity progress after every date on which it changed, from the plan's start (the
    state of its activities then) to the filters' date; only activities whose work overlaps
    the plan's period count. Empty before the plan starts.

    `by="framework"` gives one series for the framework; `by="top"` one per top-level item
    (a goal, a section); `by="both"` all of those from one pass over the updates.
    Columns: series, date, activity_progress_pct, activities (counted activities on that
    date). The status filter does not apply: history spans every status.
    """
    if by not in ("framework", "top", "both"):
        raise ValueError(f"by must be 'framework', 'top' or 'both', not {by!r}")
    found = plans(session, framework)
    columns = ["series", "date", "activity_progress_pct", "activities"]
    if not found or filters.as_of_date() < found[0].start:
        return pd.DataFrame(columns=columns)
    plan = found[0]
    frame = _cumulative(session, filters, framework, by, in_period(plan))
    return _from_start(frame, plan.start).rename(columns={"completion_pct": columns[2]})


def _from_start(frame: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """Each series from `start` on: its last state before then is carried to `start`."""
    parts = []
    for _, points in frame.groupby("series", sort=True):
        before, after = points[points["date"] < start], points[points["date"] >= start]
        if not before.empty and (after.empty or after["date"].iloc[0] != start):
            carried = before.iloc[[-1]].copy()
            carried["date"] = start
            after = pd.concat([carried, after])
        parts.append(after)
    if not parts:
        return frame.iloc[0:0]
    return pd.concat(parts).reset_index(drop=True)


def _cumulative(
    session: Session, filters: Filters, framework: str, by: str, within: Any
) -> pd.DataFrame:
    """Completion of the activities `within` (a condition on Activity) after every date it
    changed."""
    scope = activity_scope(filters).where(within)
    # One row per (activity, series) with the sum of its link weights in that series. A series
    # is keyed by an integer (the top item's id, or 0 for the framework) and named at the end:
    # grouping and sorting hundreds of thousands of rows by text is what made this slow.
    if by == "framework":
        weights = (
            select(
                ActivityItem.c.activity_id,
                literal(0).label("series"),
                func.sum(ActivityItem.c.weight).label("weight"),
                literal(1).label("first"),
            )
            .join(FrameworkItem, FrameworkItem.c.id == ActivityItem.c.item_id)
            .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
            .where(Framework.c.code == framework, ActivityItem.c.activity_id.in_(scope))
            .group_by(ActivityItem.c.activity_id)
        )
    else:
        closure = item_closure()
        top = FrameworkItem.alias("top")
        # Each item of the framework with its top-level item: a few dozen rows, computed
        # once, then met by the links (SQLite would otherwise walk the tree per link).
        tops = (
            select(closure.c.descendant_id.label("item_id"), top.c.id.label("top_id"))
            .join(top, top.c.id == closure.c.ancestor_id)
            .join(Framework, Framework.c.id == top.c.framework_id)
            .where(Framework.c.code == framework, top.c.parent_id.is_(None))
            .cte("tops")
            .prefix_with("MATERIALIZED")
        )
        # `first` marks one series per activity (its lowest top item), so that the framework's
        # count of activities can be summed from the top items' rows without counting an
        # activity of two goals twice.
        first = (
            case(
                (
                    tops.c.top_id
                    == func.min(tops.c.top_id).over(partition_by=ActivityItem.c.activity_id),
                    1,
                ),
                else_=0,
            )
            if by == "both"
            else literal(1)
        )
        weights = (
            select(
                ActivityItem.c.activity_id,
                tops.c.top_id.label("series"),
                func.sum(ActivityItem.c.weight).label("weight"),
                first.label("first"),
            )
            .join(tops, tops.c.item_id == ActivityItem.c.item_id)
            .where(ActivityItem.c.activity_id.in_(scope))
            .group_by(ActivityItem.c.activity_id, tops.c.top_id)
        )
    # Computed once: SQLite would otherwise redo the closure join for every update it meets.
    weight = weights.cte("weights").prefix_with("MATERIALIZED")
    # Each update's change against the activity's update before it is kept on the update
    # (ProgressUpdate.value_change, counted_change, maintained by every write): the history
    # is their sum per series and date, accumulated in date order.
    changes = (
        select(
            ProgressUpdate.c.activity_id,
            ProgressUpdate.c.date,
            ProgressUpdate.c.value_change,
            ProgressUpdate.c.counted_change,
        )
        .where(ProgressUpdate.c.date <= filters.as_of_date())
        .subquery("changes")
    )
    # Materialized so the grouping is hashed (a few thousand groups) rather than sorting every
    # joined update for the window below.
    per_series = (
        select(
            weight.c.series,
            changes.c.date,
            func.sum(weight.c.weight * changes.c.value_change).label("numerator"),
            func.sum(weight.c.weight * changes.c.counted_change).label("denominator"),
            func.sum(changes.c.counted_change).label("activities"),
            func.sum(changes.c.counted_change * weight.c.first).label("first_activities"),
        )
        .join(weight, weight.c.activity_id == changes.c.activity_id)
        .group_by(weight.c.series, changes.c.date)
        .cte("per_series")
        .prefix_with("MATERIALIZED")
    )
    daily: FromClause = per_series
    if by == "both":
        # The framework's line from its top items' rows: an activity's framework weight is the
        # sum of its weights under each top item (every item has one), so the framework's
        # numerator and denominator on a date are the sums of theirs; each activity is
        # counted once through `first`. One pass over the updates for every line.
        daily = union_all(
            select(
                per_series.c.series,
                per_series.c.date,
                per_series.c.numerator,
                per_series.c.denominator,
                per_series.c.activities,
            ),
            select(
                literal(0).label("series"),
                per_series.c.date,
                func.sum(per_series.c.numerator),
                func.sum(per_series.c.denominator),
                func.sum(per_series.c.first_activities),
            ).group_by(per_series.c.date),
        ).subquery("daily")
    numerator = func.sum(daily.c.numerator).over(partition_by=daily.c.series, order_by=daily.c.date)
    denominator = func.sum(daily.c.denominator).over(
        partition_by=daily.c.series, order_by=daily.c.date
    )
    cumulative = select(
        daily.c.series,
        daily.c.date,
        (numerator / func.nullif(denominator, 0)).label("completion_pct"),
        func.sum(daily.c.activities)
        .over(partition_by=daily.c.series, order_by=daily.c.date)
        .label("activities"),
    ).subquery("cumulative")
    name = func.coalesce(FrameworkItem.c.code, literal(framework))
    statement = (
        select(name, cumulative.c.date, cumulative.c.completion_pct, cumulative.c.activities)
        .select_from(cumulative)
        .outerjoin(FrameworkItem, FrameworkItem.c.id == cumulative.c.series)
        .order_by(name, cumulative.c.date)
    )
    frame = to_frame(session, statement, ["series", "date", "completion_pct", "activities"])
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    frame["activities"] = frame["activities"].astype(int)
    return frame

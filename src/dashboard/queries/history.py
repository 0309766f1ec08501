"""Completion over time, computed from the progress updates alone (history, never overwritten).

A framework's completion on a date is the link-weighted mean progress of its activities as
they stood on that date. Rather than recomputing that for every date, each progress update
contributes the *change* it makes (its progress minus the activity's previous progress, times
the activity's link weight; the store keeps each update's change on its row); summing those
changes per date and accumulating them in date order gives the whole history in one pass over
the updates, in SQL.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import FromClause, case, func, literal, select, union_all
from sqlmodel import Session

from dashboard.filters import Filters
from dashboard.queries.scope import (
    ActivityItem,
    Framework,
    FrameworkItem,
    ProgressUpdate,
    activity_scope,
    item_closure,
    to_frame,
)


def completion_history(
    *, session: Session, filters: Filters, framework: str, by: str = "framework"
) -> pd.DataFrame:
    """Completion after every date on which it changed, up to the filters' date.

    `by="framework"` gives one series for the framework; `by="top"` one per top-level item
    (Strategy goal, CAMI section); `by="both"` all of those from one pass over the updates.
    Columns: series, date, completion_pct, activities (counted activities on that date).
    The status filter does not apply: history spans every status.
    """
    if by not in ("framework", "top", "both"):
        raise ValueError(f"by must be 'framework', 'top' or 'both', not {by!r}")
    scope = activity_scope(filters)
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

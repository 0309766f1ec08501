"""Completion over time, computed from the progress updates alone (history, never overwritten).

A framework's completion on a date is the link-weighted mean progress of its activities as
they stood on that date. Rather than recomputing that for every date, each progress update
contributes the *change* it makes (its progress minus the activity's previous progress, times
the activity's link weight); summing those changes per date and accumulating them in date order
gives the whole history in one pass over the updates, in SQL.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, func, literal, select
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
    (Strategy goal, CAMI section). Columns: series, date, completion_pct, activities (counted
    activities on that date). The status filter does not apply: history spans every status.
    """
    scope = activity_scope(filters)
    # One row per (activity, series) with the sum of its link weights in that series.
    if by == "top":
        closure = item_closure()
        top = FrameworkItem.alias("top")
        weights = (
            select(
                ActivityItem.c.activity_id,
                top.c.code.label("series"),
                func.sum(ActivityItem.c.weight).label("weight"),
            )
            .join(closure, closure.c.descendant_id == ActivityItem.c.item_id)
            .join(top, top.c.id == closure.c.ancestor_id)
            .join(Framework, Framework.c.id == top.c.framework_id)
            .where(Framework.c.code == framework, top.c.parent_id.is_(None))
            .group_by(ActivityItem.c.activity_id, top.c.code)
        )
    else:
        weights = (
            select(
                ActivityItem.c.activity_id,
                literal(framework).label("series"),
                func.sum(ActivityItem.c.weight).label("weight"),
            )
            .join(FrameworkItem, FrameworkItem.c.id == ActivityItem.c.item_id)
            .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
            .where(Framework.c.code == framework)
            .group_by(ActivityItem.c.activity_id)
        )
    weight = weights.where(ActivityItem.c.activity_id.in_(scope)).cte("weights")
    # Each update next to the one before it; the join searches progressupdate by its
    # (activity_id, date) index, so the cost grows with the number of updates, linearly.
    progress = case(
        (ProgressUpdate.c.status == "completed", 100.0), else_=ProgressUpdate.c.progress_pct
    )
    counted = case((ProgressUpdate.c.status == "cancelled", 0), else_=1)
    partition = (weight.c.series, ProgressUpdate.c.activity_id)
    ordering = (ProgressUpdate.c.date, ProgressUpdate.c.id)
    events = (
        select(
            weight.c.series,
            weight.c.weight,
            ProgressUpdate.c.date,
            (progress * counted).label("value"),
            counted.label("counted"),
            func.lag(progress * counted, 1, 0.0)
            .over(partition_by=partition, order_by=ordering)
            .label("previous_value"),
            func.lag(counted, 1, 0)
            .over(partition_by=partition, order_by=ordering)
            .label("previous_counted"),
        )
        .join(ProgressUpdate, ProgressUpdate.c.activity_id == weight.c.activity_id)
        .where(ProgressUpdate.c.date <= filters.as_of_date())
        .subquery("events")
    )
    daily = (
        select(
            events.c.series,
            events.c.date,
            func.sum(events.c.weight * (events.c.value - events.c.previous_value)).label(
                "numerator"
            ),
            func.sum(events.c.weight * (events.c.counted - events.c.previous_counted)).label(
                "denominator"
            ),
            func.sum(events.c.counted - events.c.previous_counted).label("activities"),
        )
        .group_by(events.c.series, events.c.date)
        .subquery("daily")
    )
    numerator = func.sum(daily.c.numerator).over(partition_by=daily.c.series, order_by=daily.c.date)
    denominator = func.sum(daily.c.denominator).over(
        partition_by=daily.c.series, order_by=daily.c.date
    )
    statement = select(
        daily.c.series,
        daily.c.date,
        (numerator / func.nullif(denominator, 0)).label("completion_pct"),
        func.sum(daily.c.activities)
        .over(partition_by=daily.c.series, order_by=daily.c.date)
        .label("activities"),
    ).order_by(daily.c.series, daily.c.date)
    frame = to_frame(session, statement, ["series", "date", "completion_pct", "activities"])
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    frame["activities"] = frame["activities"].astype(int)
    return frame

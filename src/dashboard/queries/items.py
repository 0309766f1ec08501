"""What stands behind a framework item: the activities linked to it or to anything below it."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlmodel import Session

from dashboard.filters import Filters
from dashboard.queries.scope import (
    Activity,
    ActivityItem,
    FrameworkItem,
    Organisation,
    item_closure,
    progress_at,
    to_frame,
)


def activities_for_item(
    session: Session,
    *,
    filters: Filters,
    code: str,
    offset: int = 0,
    limit: int | None = None,
) -> pd.DataFrame:
    """Activities serving item `code` or any item below it, with their state on the filters' date.

    Columns: activity_id, title, status, progress_pct, counted, weight (sum of its links in the
    subtree), links (how many items of the subtree it serves), lead, start_date, end_date,
    source_url, demo. Most advanced first; `offset`/`limit` give one page of that order.
    """
    statement = _behind(filters, code).offset(offset or None).limit(limit)
    frame = to_frame(
        session,
        statement,
        [
            "activity_id", "title", "status", "progress_pct", "counted", "weight", "links",
            "lead", "start_date", "end_date", "source_url", "demo",
        ],
    )  # fmt: skip
    frame["counted"] = frame["counted"].astype(bool)
    return frame


def activities_for_item_count(session: Session, *, filters: Filters, code: str) -> int:
    """How many activities `activities_for_item` lists (for paging)."""
    listed = _behind(filters, code).order_by(None).subquery("behind")
    return int(session.execute(select(func.count()).select_from(listed)).scalar_one())


def _behind(filters: Filters, code: str) -> Select[Any]:
    state = progress_at(filters)
    closure = item_closure()
    linked = FrameworkItem.alias("linked")
    chosen = FrameworkItem.alias("chosen")
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            state.c.counted,
            func.sum(ActivityItem.c.weight),
            func.count(),
            Organisation.c.name,
            Activity.c.start_date,
            Activity.c.end_date,
            Activity.c.source_url,
            Activity.c.demo,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .join(ActivityItem, ActivityItem.c.activity_id == Activity.c.id)
        .join(linked, linked.c.id == ActivityItem.c.item_id)
        .join(closure, closure.c.descendant_id == linked.c.id)
        .join(chosen, chosen.c.id == closure.c.ancestor_id)
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .where(chosen.c.code == code)
        .group_by(
            Activity.c.id,
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            state.c.counted,
            Organisation.c.name,
            Activity.c.start_date,
            Activity.c.end_date,
            Activity.c.source_url,
            Activity.c.demo,
        )
        .order_by(state.c.progress.desc().nulls_last(), Activity.c.activity_id)
    )
    return statement

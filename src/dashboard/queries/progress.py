"""Progress queries: completion, status counts, funding totals, latest updates.

Completion, as every page states it: an activity's progress at a date is its latest progress
update on or before that date (completed counts as 100 %); cancelled activities are listed but
not counted. An item's completion is the link-weighted mean progress of the activities linked to
it or to any item below it; an item with no counted activity has no completion (not 0 %).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import distinct, exists, false, func, literal, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dashboard import models as m
from dashboard.filters import Filters
from dashboard.queries.scope import (
    Activity,
    ActivityCountry,
    ActivityItem,
    ActivityRegion,
    Country,
    Framework,
    FrameworkItem,
    Funding,
    Organisation,
    ProgressUpdate,
    Region,
    counted_activities,
    item_closure,
    progress_at,
    rolled_up,
    to_frame,
    weighted_completion,
)


def status_counts(*, session: Session, filters: Filters) -> pd.DataFrame:
    """Activities by status as of the filters' date, every status listed (zero if none)."""
    state = progress_at(filters)
    statement = select(state.c.status, func.count()).group_by(state.c.status)
    counts = dict(session.execute(statement).all())
    return pd.DataFrame(
        {
            "status": list(m.ACTIVITY_STATUSES),
            "activities": [counts.get(s, 0) for s in m.ACTIVITY_STATUSES],
        }
    )


def completion_by_item(*, session: Session, filters: Filters, framework: str) -> pd.DataFrame:
    """Every item of `framework` with its rolled-up completion and the counts behind it.

    Columns: code, title, level, parent_code, depth, provisional, applies, sort_order,
    activities (distinct, cancelled included), counted (not cancelled), links (counted links),
    completion_pct (None when no counted activity), covered (any activity at all).
    """
    state = progress_at(filters)
    rolled = rolled_up(state, framework)
    parent = aliased(FrameworkItem)
    statement = (
        select(
            FrameworkItem.c.id,
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.level,
            parent.c.code,
            FrameworkItem.c.provisional,
            FrameworkItem.c.applies,
            FrameworkItem.c.sort_order,
            func.coalesce(rolled.c.activities, 0),
            func.coalesce(rolled.c.counted, 0),
            func.coalesce(rolled.c.links, 0),
            rolled.c.completion_pct,
        )
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .outerjoin(parent, parent.c.id == FrameworkItem.c.parent_id)
        .outerjoin(rolled, rolled.c.item_id == FrameworkItem.c.id)
        .where(Framework.c.code == framework)
    )
    frame = to_frame(
        session,
        statement,
        [
            "id",
            "code",
            "title",
            "level",
            "parent_code",
            "provisional",
            "applies",
            "sort_order",
            "activities",
            "counted",
            "links",
            "completion_pct",
        ],
    )
    frame["covered"] = frame["activities"] > 0
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    return _in_tree_order(frame).drop(columns=["id"]).reset_index(drop=True)


def _in_tree_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in depth-first order (parents before children, siblings by sort_order), with depth."""
    children: dict[Any, list[int]] = {}
    for index, row in frame.sort_values(["sort_order", "code"]).iterrows():
        children.setdefault(
            row["parent_code"] if pd.notna(row["parent_code"]) else None, []
        ).append(
            index  # type: ignore[arg-type]
        )
    order: list[int] = []
    depth: dict[int, int] = {}

    def walk(code: Any, level: int) -> None:
        for index in children.get(code, []):
            order.append(index)
            depth[index] = level
            walk(frame.at[index, "code"], level + 1)

    walk(None, 0)
    ordered = frame.loc[order].copy()
    ordered.insert(4, "depth", [depth[i] for i in order])
    ordered["parent_code"] = (
        ordered["parent_code"].astype(object).where(ordered["parent_code"].notna(), None)
    )
    return ordered


def framework_summary(
    *, session: Session, filters: Filters, framework: str | None = None
) -> pd.DataFrame:
    """Per framework (or for `framework` only): items, items covered, activities, and
    completion over all its links."""
    state = progress_at(filters)
    # The frameworks' items: a framework page asks about its own only, half the links.
    items = select(FrameworkItem.c.id)
    if framework is not None:
        items = items.join(Framework, Framework.c.id == FrameworkItem.c.framework_id).where(
            Framework.c.code == framework
        )
    # count(DISTINCT) over two groups: cheaper here than the two steps of `rolled_up`.
    linked = (
        select(
            FrameworkItem.c.framework_id,
            func.count(distinct(ActivityItem.c.activity_id)).label("activities"),
            counted_activities(state).label("counted"),
            weighted_completion(state).label("completion_pct"),
        )
        .join(ActivityItem, ActivityItem.c.item_id == FrameworkItem.c.id)
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .where(FrameworkItem.c.id.in_(items))
        .group_by(FrameworkItem.c.framework_id)
        .subquery("linked")
    )
    # An item is covered when an activity serves it or anything below it: the few items
    # linked by any activity in scope, then everything above them.
    closure = item_closure()
    covered_items = (
        select(closure.c.ancestor_id.label("item_id"))
        .distinct()
        .where(
            closure.c.ancestor_id.in_(items),
            exists().where(
                ActivityItem.c.item_id == closure.c.descendant_id,
                ActivityItem.c.activity_id.in_(select(state.c.activity_id)),
            ),
        )
        .subquery("covered_items")
    )
    item_counts = (
        select(
            FrameworkItem.c.framework_id,
            func.count().label("item_count"),
            func.count(covered_items.c.item_id).label("covered"),
        )
        .outerjoin(covered_items, covered_items.c.item_id == FrameworkItem.c.id)
        .where(FrameworkItem.c.id.in_(items))
        .group_by(FrameworkItem.c.framework_id)
        .subquery("item_counts")
    )
    statement = (
        select(
            Framework.c.code,
            Framework.c.name,
            Framework.c.short_name,
            Framework.c.description,
            Framework.c.source,
            Framework.c.period_start,
            Framework.c.period_end,
            func.coalesce(item_counts.c.item_count, 0),
            func.coalesce(item_counts.c.covered, 0),
            func.coalesce(linked.c.activities, 0),
            func.coalesce(linked.c.counted, 0),
            linked.c.completion_pct,
        )
        .outerjoin(item_counts, item_counts.c.framework_id == Framework.c.id)
        .outerjoin(linked, linked.c.framework_id == Framework.c.id)
        .where(true() if framework is None else Framework.c.code == framework)
        .order_by(Framework.c.period_start)
    )
    frame = to_frame(
        session,
        statement,
        [
            "code",
            "name",
            "short_name",
            "description",
            "source",
            "period_start",
            "period_end",
            "items",
            "covered",
            "activities",
            "counted",
            "completion_pct",
        ],
    )
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    return frame


def headline(*, session: Session, filters: Filters) -> dict[str, int]:
    """Counts for the top of the Overview: activities (and demo ones), countries, PTCRs."""
    # One statement, so the state of every activity is worked out once, not per count.
    state = progress_at(filters)
    row = session.execute(
        select(
            select(func.count()).select_from(state).scalar_subquery(),
            select(func.count()).select_from(state).where(state.c.demo).scalar_subquery(),
            _how_many(
                Country.c.iso3, ActivityCountry.c.country_iso3, ActivityCountry.c.activity_id, state
            ),
            _how_many(
                Region.c.number, ActivityRegion.c.region_number, ActivityRegion.c.activity_id, state
            ),
            select(func.count()).where(Country.c.range_state).scalar_subquery(),
            select(func.count()).select_from(Region).scalar_subquery(),
        )
    ).one()
    activities, demo, countries, regions, range_states, all_regions = (int(v or 0) for v in row)
    return {
        "activities": int(activities),
        "demo_activities": int(demo),
        "countries": int(countries),
        "range_states": int(range_states),
        "regions": int(regions),
        "all_regions": int(all_regions),
    }


def _how_many(key: Any, value: Any, activity_id: Any, state: Any) -> Any:
    """How many of the reference rows `key` (Country.iso3, Region.number) the activities in
    `state` link to through `value`, as a scalar subquery.

    Asked of each of the few reference rows (does any activity in scope link to it?), not
    counted as distinct values: PostgreSQL's count(DISTINCT) sorts every link (200k country
    links at 100k activities). This form is the fastest of those tried on both backends.
    """
    linked = (
        select(literal(1))
        .select_from(activity_id.table)
        .join(state, state.c.activity_id == activity_id)
        .where(value == key)
    )
    return select(func.count()).select_from(key.table).where(exists(linked)).scalar_subquery()


def funding_by_currency(*, session: Session, filters: Filters) -> pd.DataFrame:
    """Funding of the activities in scope, one row per currency (never summed across them)."""
    # Joined, not `IN (SELECT …)`: the state has one row per activity, and PostgreSQL,
    # misjudging the CTE's size, would look up the funding of each activity one by one.
    state = progress_at(filters)
    statement = (
        select(
            Funding.c.currency,
            func.sum(Funding.c.amount),
            func.count(),
            func.count(distinct(Funding.c.activity_id)),
            func.count(distinct(Funding.c.funder_id)),
        )
        .join(state, state.c.activity_id == Funding.c.activity_id)
        .group_by(Funding.c.currency)
        .order_by(func.sum(Funding.c.amount).desc())
    )
    if not filters.include_demo:
        statement = statement.where(Funding.c.demo == false())
    if filters.as_of:
        statement = statement.where(Funding.c.year <= filters.as_of.year)
    frame = to_frame(session, statement, ["currency", "amount", "grants", "activities", "funders"])
    frame["amount"] = frame["amount"].astype(float)
    return frame


def latest_updates(*, session: Session, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """The most recent progress updates of activities in scope, up to the filters' date."""
    state = progress_at(filters)
    statement = (
        select(
            ProgressUpdate.c.date,
            Activity.c.activity_id,
            Activity.c.title,
            ProgressUpdate.c.status,
            ProgressUpdate.c.progress_pct,
            ProgressUpdate.c.note,
            Activity.c.demo,
        )
        .join(Activity, Activity.c.id == ProgressUpdate.c.activity_id)
        .join(state, state.c.activity_id == ProgressUpdate.c.activity_id)
        .where(ProgressUpdate.c.date <= filters.as_of_date())
        .order_by(ProgressUpdate.c.date.desc(), ProgressUpdate.c.id.desc())
        .limit(limit)
    )
    return to_frame(
        session,
        statement,
        ["date", "activity_id", "title", "status", "progress_pct", "note", "demo"],
    )


def filter_options(*, session: Session) -> dict[str, list[tuple[Any, str]]]:
    """(value, label) choices for the shared sidebar: reference data only, never activities."""
    countries = session.execute(
        select(Country.c.iso3, Country.c.name).where(Country.c.range_state).order_by(Country.c.name)
    ).all()
    regions = session.execute(
        select(Region.c.number, Region.c.name, Region.c.pallas_status).order_by(Region.c.number)
    ).all()
    organisations = session.execute(
        select(Organisation.c.slug, Organisation.c.name).order_by(Organisation.c.name)
    ).all()
    items = session.execute(
        select(FrameworkItem.c.code, FrameworkItem.c.title, Framework.c.short_name)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .order_by(Framework.c.period_start, FrameworkItem.c.id)
    ).all()
    return {
        "countries": [(iso3, f"{name} ({iso3})") for iso3, name in countries],
        "regions": [
            (number, f"{number} {name}" + (" (pending)" if status == "pending" else ""))
            for number, name, status in regions
        ],
        "organisations": [(slug, name) for slug, name in organisations],
        "statuses": [(status, status.replace("_", " ")) for status in m.ACTIVITY_STATUSES],
        "items": [(code, f"{code} {title} · {framework}") for code, title, framework in items],
    }


def demo_activity_count(*, session: Session) -> int:
    """How many demo activities the store holds (the app says so when it shows them)."""
    return int(session.execute(select(func.count()).where(Activity.c.demo)).scalar_one())


def data_period(*, session: Session) -> tuple[Any, Any]:
    """The period filter's bounds: the earliest activity start, and the later of the latest
    activity end and the end of the longest-running plan (so the slider reaches its horizon)."""
    first, last = session.execute(
        select(
            func.min(Activity.c.start_date),
            func.max(func.coalesce(Activity.c.end_date, Activity.c.start_date)),
        )
    ).one()
    horizon = session.execute(select(func.max(Framework.c.period_end))).scalar()
    if horizon is not None:
        plan_end = dt.date(int(horizon), 12, 31)
        last = max(last, plan_end) if last else plan_end
    return first, last

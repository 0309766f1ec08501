"""Pure read queries: (session, filters) in, DataFrame out, aggregation done in SQL.

Completion, as every page states it: an activity's progress at a date is its latest progress
update on or before that date (completed counts as 100 %); cancelled activities are listed but
not counted. An item's completion is the link-weighted mean progress of the activities linked to
it or to any item below it; an item with no counted activity has no completion (not 0 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import (
    CTE,
    Select,
    and_,
    case,
    distinct,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dashboard import models as m
from dashboard.filters import Filters

Activity = m.Activity.__table__  # type: ignore[attr-defined]
ActivityItem = m.ActivityItem.__table__  # type: ignore[attr-defined]
ActivityCountry = m.ActivityCountry.__table__  # type: ignore[attr-defined]
ActivityRegion = m.ActivityRegion.__table__  # type: ignore[attr-defined]
ActivityOrganisation = m.ActivityOrganisation.__table__  # type: ignore[attr-defined]
Country = m.Country.__table__  # type: ignore[attr-defined]
Framework = m.Framework.__table__  # type: ignore[attr-defined]
FrameworkItem = m.FrameworkItem.__table__  # type: ignore[attr-defined]
Funding = m.Funding.__table__  # type: ignore[attr-defined]
Organisation = m.Organisation.__table__  # type: ignore[attr-defined]
ProgressUpdate = m.ProgressUpdate.__table__  # type: ignore[attr-defined]
Region = m.Region.__table__  # type: ignore[attr-defined]


def _frame(session: Session, statement: Any, columns: Sequence[str]) -> pd.DataFrame:
    """Run `statement` and return its rows with exactly `columns` (also when empty)."""
    rows = session.execute(statement).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=list(columns))


def item_closure(name: str = "item_closure") -> CTE:
    """(ancestor_id, descendant_id) for every item and everything below it, itself included."""
    closure = select(
        FrameworkItem.c.id.label("ancestor_id"), FrameworkItem.c.id.label("descendant_id")
    ).cte(name, recursive=True)
    child = aliased(FrameworkItem)
    return closure.union_all(
        select(closure.c.ancestor_id, child.c.id).where(
            child.c.parent_id == closure.c.descendant_id
        )
    )


def activity_scope(filters: Filters) -> Select[Any]:
    """The ids of the activities `filters` select, status aside (see `progress_at`)."""
    statement = select(Activity.c.id)
    conditions = []
    if not filters.include_demo:
        conditions.append(Activity.c.demo == false())
    if filters.start:
        conditions.append(or_(Activity.c.end_date.is_(None), Activity.c.end_date >= filters.start))
    if filters.end:
        conditions.append(
            or_(Activity.c.start_date.is_(None), Activity.c.start_date <= filters.end)
        )
    if filters.countries:
        conditions.append(
            exists().where(
                ActivityCountry.c.activity_id == Activity.c.id,
                ActivityCountry.c.country_iso3.in_(filters.countries),
            )
        )
    if filters.regions:
        conditions.append(
            exists().where(
                ActivityRegion.c.activity_id == Activity.c.id,
                ActivityRegion.c.region_number.in_(filters.regions),
            )
        )
    if filters.organisations:
        chosen = select(Organisation.c.id).where(Organisation.c.slug.in_(filters.organisations))
        conditions.append(
            or_(
                Activity.c.lead_organisation_id.in_(chosen),
                exists().where(
                    ActivityOrganisation.c.activity_id == Activity.c.id,
                    ActivityOrganisation.c.organisation_id.in_(chosen),
                ),
                exists().where(
                    Funding.c.activity_id == Activity.c.id, Funding.c.funder_id.in_(chosen)
                ),
            )
        )
    if filters.items:
        closure = item_closure("scope_closure")
        chosen_items = (
            select(closure.c.descendant_id)
            .join(FrameworkItem, FrameworkItem.c.id == closure.c.ancestor_id)
            .where(FrameworkItem.c.code.in_(filters.items))
        )
        conditions.append(
            exists().where(
                ActivityItem.c.activity_id == Activity.c.id,
                ActivityItem.c.item_id.in_(chosen_items),
            )
        )
    return statement.where(and_(*conditions)) if conditions else statement


def progress_at(filters: Filters) -> CTE:
    """Per activity in scope: its status and progress as of `filters.as_of` (latest update).

    Activities with no update on or before that date did not exist yet and are left out;
    the status filter applies to the status on that date. `counted` is 0 for cancelled
    activities; `progress` is 100 for completed ones. Every figure is scoped through this.
    """
    ranked = (
        select(
            ProgressUpdate.c.activity_id,
            ProgressUpdate.c.status,
            ProgressUpdate.c.progress_pct,
            ProgressUpdate.c.date,
            func.row_number()
            .over(
                partition_by=ProgressUpdate.c.activity_id,
                order_by=(ProgressUpdate.c.date.desc(), ProgressUpdate.c.id.desc()),
            )
            .label("rank"),
        )
        .where(
            ProgressUpdate.c.date <= filters.as_of_date(),
            ProgressUpdate.c.activity_id.in_(activity_scope(filters)),
        )
        .subquery("ranked")
    )
    return (
        select(
            ranked.c.activity_id,
            ranked.c.status,
            ranked.c.date.label("updated"),
            case((ranked.c.status == "completed", 100.0), else_=ranked.c.progress_pct).label(
                "progress"
            ),
            case((ranked.c.status == "cancelled", 0), else_=1).label("counted"),
        )
        .where(
            ranked.c.rank == 1,
            ranked.c.status.in_(filters.statuses) if filters.statuses else true(),
        )
        .cte("progress_at")
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
    closure = item_closure()
    rolled = (
        select(
            closure.c.ancestor_id.label("item_id"),
            func.count(distinct(ActivityItem.c.activity_id)).label("activities"),
            func.count(distinct(case((state.c.counted == 1, ActivityItem.c.activity_id)))).label(
                "counted"
            ),
            func.sum(state.c.counted).label("links"),
            (
                func.sum(ActivityItem.c.weight * state.c.progress * state.c.counted)
                / func.nullif(func.sum(ActivityItem.c.weight * state.c.counted), 0)
            ).label("completion_pct"),
        )
        .join(ActivityItem, ActivityItem.c.item_id == closure.c.descendant_id)
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .group_by(closure.c.ancestor_id)
        .subquery("rolled")
    )
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
    frame = _frame(
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


def framework_summary(*, session: Session, filters: Filters) -> pd.DataFrame:
    """Per framework: items, items covered, activities, and completion over all its links."""
    state = progress_at(filters)
    linked = (
        select(
            FrameworkItem.c.framework_id,
            func.count(distinct(ActivityItem.c.activity_id)).label("activities"),
            func.count(distinct(case((state.c.counted == 1, ActivityItem.c.activity_id)))).label(
                "counted"
            ),
            (
                func.sum(ActivityItem.c.weight * state.c.progress * state.c.counted)
                / func.nullif(func.sum(ActivityItem.c.weight * state.c.counted), 0)
            ).label("completion_pct"),
        )
        .join(ActivityItem, ActivityItem.c.item_id == FrameworkItem.c.id)
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .group_by(FrameworkItem.c.framework_id)
        .subquery("linked")
    )
    # An item is covered when an activity serves it or anything below it.
    closure = item_closure()
    covered_items = (
        select(closure.c.ancestor_id.label("item_id"))
        .distinct()
        .join(ActivityItem, ActivityItem.c.item_id == closure.c.descendant_id)
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .subquery("covered_items")
    )
    item_counts = (
        select(
            FrameworkItem.c.framework_id,
            func.count().label("item_count"),
            func.count(covered_items.c.item_id).label("covered"),
        )
        .outerjoin(covered_items, covered_items.c.item_id == FrameworkItem.c.id)
        .group_by(FrameworkItem.c.framework_id)
        .subquery("item_counts")
    )
    statement = (
        select(
            Framework.c.code,
            Framework.c.name,
            Framework.c.short_name,
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
        .order_by(Framework.c.period_start)
    )
    frame = _frame(
        session,
        statement,
        [
            "code",
            "name",
            "short_name",
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
    state = progress_at(filters)
    in_state = select(state.c.activity_id)
    activities, demo = session.execute(
        select(func.count(), func.coalesce(func.sum(case((Activity.c.demo, 1), else_=0)), 0)).where(
            Activity.c.id.in_(in_state)
        )
    ).one()
    countries = session.execute(
        select(func.count(distinct(ActivityCountry.c.country_iso3))).where(
            ActivityCountry.c.activity_id.in_(in_state)
        )
    ).scalar_one()
    regions = session.execute(
        select(func.count(distinct(ActivityRegion.c.region_number))).where(
            ActivityRegion.c.activity_id.in_(in_state)
        )
    ).scalar_one()
    range_states = session.execute(select(func.count()).where(Country.c.range_state)).scalar_one()
    all_regions = session.execute(select(func.count()).select_from(Region)).scalar_one()
    return {
        "activities": int(activities),
        "demo_activities": int(demo),
        "countries": int(countries),
        "range_states": int(range_states),
        "regions": int(regions),
        "all_regions": int(all_regions),
    }


def funding_by_currency(*, session: Session, filters: Filters) -> pd.DataFrame:
    """Funding of the activities in scope, one row per currency (never summed across them)."""
    statement = (
        select(
            Funding.c.currency,
            func.sum(Funding.c.amount),
            func.count(),
            func.count(distinct(Funding.c.activity_id)),
            func.count(distinct(Funding.c.funder_id)),
        )
        .where(Funding.c.activity_id.in_(select(progress_at(filters).c.activity_id)))
        .group_by(Funding.c.currency)
        .order_by(func.sum(Funding.c.amount).desc())
    )
    if not filters.include_demo:
        statement = statement.where(Funding.c.demo == false())
    if filters.as_of:
        statement = statement.where(Funding.c.year <= filters.as_of.year)
    frame = _frame(session, statement, ["currency", "amount", "grants", "activities", "funders"])
    frame["amount"] = frame["amount"].astype(float)
    return frame


def latest_updates(*, session: Session, filters: Filters, limit: int = 10) -> pd.DataFrame:
    """The most recent progress updates of activities in scope, up to the filters' date."""
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
        .where(
            ProgressUpdate.c.activity_id.in_(select(progress_at(filters).c.activity_id)),
            ProgressUpdate.c.date <= filters.as_of_date(),
        )
        .order_by(ProgressUpdate.c.date.desc(), ProgressUpdate.c.id.desc())
        .limit(limit)
    )
    return _frame(
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
    """Earliest start and latest end date of any activity (the period filter's bounds)."""
    first, last = session.execute(
        select(
            func.min(Activity.c.start_date),
            func.max(func.coalesce(Activity.c.end_date, Activity.c.start_date)),
        )
    ).one()
    return first, last

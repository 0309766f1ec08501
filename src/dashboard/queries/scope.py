"""What every query builds on: the tables, the activities in scope, their state on a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import (
    CTE,
    ColumnElement,
    FromClause,
    Select,
    Subquery,
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
ItemAssessment = m.ItemAssessment.__table__  # type: ignore[attr-defined]
Funding = m.Funding.__table__  # type: ignore[attr-defined]
Organisation = m.Organisation.__table__  # type: ignore[attr-defined]
ProgressUpdate = m.ProgressUpdate.__table__  # type: ignore[attr-defined]
Region = m.Region.__table__  # type: ignore[attr-defined]
RegionCountry = m.RegionCountry.__table__  # type: ignore[attr-defined]
RetiredItem = m.RetiredItem.__table__  # type: ignore[attr-defined]
Output = m.Output.__table__  # type: ignore[attr-defined]
Site = m.Site.__table__  # type: ignore[attr-defined]
AuditEntry = m.AuditEntry.__table__  # type: ignore[attr-defined]


def to_frame(session: Session, statement: Any, columns: Sequence[str]) -> pd.DataFrame:
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


def progress_at(
    filters: Filters,
    within: Select[Any] | None = None,
    where: ColumnElement[bool] | None = None,
) -> CTE:
    """Per activity in scope: its status and progress as of `filters.as_of` (latest update).

    Activities with no update on or before that date did not exist yet and are left out;
    the status filter applies to the status on that date. `progress` is 100 for completed
    activities, None where the report gave no percentage ("not reported"); `counted` is 1
    where a mean of progress reads it: 0 for cancelled activities and for those with no
    percentage reported (never read as 0 %); `demo` is the activity's demo flag;
    `started` is 1 when the activity had reported work under way by that date
    (Activity.first_started), else 0.
    Every figure is scoped through this.
    `within` (a select of Activity ids) narrows the scope before anything is computed: a
    page about a few activities (one funder's, one item's) then never touches the rest.
    `where` (a condition on Activity, e.g. `in_period(plan)`) narrows it the same way.
    """
    scope = activity_scope(filters)
    if within is not None:
        scope = scope.where(Activity.c.id.in_(within))
    if where is not None:
        scope = scope.where(where)
    state = _current_state(filters, scope) if filters.as_of is None else _state_on(filters, scope)
    progress = case((state.c.status == "completed", 100.0), else_=state.c.progress_pct)
    return (
        select(
            state.c.activity_id,
            state.c.status,
            progress.label("progress"),
            case((state.c.status == "cancelled", 0), (progress.is_(None), 0), else_=1).label(
                "counted"
            ),
            state.c.demo,
            case((state.c.first_started <= filters.as_of_date(), 1), else_=0).label("started"),
        )
        .where(state.c.status.in_(filters.statuses) if filters.statuses else true())
        .cte("progress_at")
        # Computed once and joined many times: without this SQLite re-runs it per joined row.
        .prefix_with("MATERIALIZED")
    )


def _current_state(filters: Filters, scope: Select[Any]) -> Subquery:
    """Today's state: the latest update, which the store keeps on the activity row itself.

    Every write that adds a progress update also sets Activity.status, progress_pct and
    first_reported, the date of the earliest update (tests/test_store.py checks they agree),
    so the default view reads no update history at all.
    """
    reported = Activity.c.first_reported <= filters.as_of_date()
    return (
        scope.with_only_columns(
            Activity.c.id.label("activity_id"),
            Activity.c.status,
            Activity.c.progress_pct,
            Activity.c.demo,
            Activity.c.first_started,
        )
        .where(reported)
        .subquery("current_state")
    )


def _state_on(filters: Filters, scope: Select[Any]) -> Subquery:
    """The state on a past date: each activity's latest update on or before it."""
    ranked = (
        select(
            ProgressUpdate.c.activity_id,
            ProgressUpdate.c.status,
            ProgressUpdate.c.progress_pct,
            func.row_number()
            .over(
                partition_by=ProgressUpdate.c.activity_id,
                order_by=(ProgressUpdate.c.date.desc(), ProgressUpdate.c.id.desc()),
            )
            .label("rank"),
        )
        .where(
            ProgressUpdate.c.date <= filters.as_of_date(),
            ProgressUpdate.c.activity_id.in_(scope),
        )
        .subquery("ranked")
    )
    return (
        select(
            ranked.c.activity_id,
            ranked.c.status,
            ranked.c.progress_pct,
            Activity.c.demo,
            Activity.c.first_started,
        )
        .join(Activity, Activity.c.id == ranked.c.activity_id)
        .where(ranked.c.rank == 1)
        .subquery("state_on")
    )


def counted_progress(state: FromClause) -> ColumnElement[Any]:
    """An activity's progress where a mean reads it (`counted`), else 0 (never NULL)."""
    return func.coalesce(state.c.progress, 0.0) * state.c.counted


def mean_progress(state: FromClause) -> ColumnElement[Any]:
    """Mean progress of the counted activities in a group (not cancelled, a percentage
    reported); None if none is counted."""
    return func.sum(counted_progress(state)) / func.nullif(func.sum(state.c.counted), 0)


def weighted_completion(state: FromClause) -> ColumnElement[Any]:
    """Activity progress as every page defines it: the link-weighted mean progress of the
    counted activities over the ActivityItem links in a group; None when none is counted."""
    return func.sum(ActivityItem.c.weight * counted_progress(state)) / func.nullif(
        func.sum(ActivityItem.c.weight * state.c.counted), 0
    )


def counted_activities(state: FromClause) -> ColumnElement[Any]:
    """How many distinct linked activities in a group are counted (not cancelled, and a
    percentage reported)."""
    return func.count(distinct(case((state.c.counted == 1, ActivityItem.c.activity_id))))


def _unreported(state: FromClause) -> ColumnElement[bool]:
    """Whether an activity is under way (not cancelled) with no percentage reported."""
    return and_(state.c.status != "cancelled", state.c.progress.is_(None))


def unreported_activities(state: FromClause) -> ColumnElement[Any]:
    """How many distinct linked activities in a group are under way (not cancelled) with no
    percentage reported: listed, but left out of every mean."""
    return func.count(distinct(case((_unreported(state), ActivityItem.c.activity_id))))


def per_activity(
    group: ColumnElement[Any], state: FromClause, source: FromClause | None = None
) -> Select[Any]:
    """The first of two aggregation steps over ActivityItem links (`source`: ActivityItem,
    or ActivityItem joined to what `group` needs) whose activity is in `state`: one row per
    group and activity with what `per_group` needs to count distinct activities by summing.

    Counting distinct activities in one step sorts every link row per group (PostgreSQL's
    count(DISTINCT) always sorts); two hashed steps do not, and give the same figures.
    """
    return (
        select(
            group.label("group_id"),
            ActivityItem.c.activity_id,
            func.max(state.c.counted).label("counted"),
            func.max(case((_unreported(state), 1), else_=0)).label("not_reported"),
            func.max(state.c.started).label("started"),
            func.sum(state.c.counted).label("links"),
            func.sum(ActivityItem.c.weight * counted_progress(state)).label("numerator"),
            func.sum(ActivityItem.c.weight * state.c.counted).label("denominator"),
        )
        .select_from(ActivityItem if source is None else source)
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .group_by(group, ActivityItem.c.activity_id)
    )


def per_group(steps: Select[Any], name: str) -> Subquery:
    """The second step over `per_activity` rows: per group_id, activities (distinct,
    cancelled included), counted (not cancelled, a percentage reported), not_reported (under way
    with no percentage), started (activities that had reported work under way), links (counted
    links) and completion_pct (link-weighted mean progress of the
    counted ones; None when none is counted)."""
    rows = steps.subquery(f"{name}_by_activity")
    return (
        select(
            rows.c.group_id,
            func.count().label("activities"),
            func.sum(rows.c.counted).label("counted"),
            func.sum(rows.c.not_reported).label("not_reported"),
            func.sum(rows.c.started).label("started"),
            func.sum(rows.c.links).label("links"),
            (func.sum(rows.c.numerator) / func.nullif(func.sum(rows.c.denominator), 0)).label(
                "completion_pct"
            ),
        )
        .group_by(rows.c.group_id)
        .subquery(name)
    )


def rolled_up(state: FromClause, framework: str | None = None, name: str = "rolled") -> Subquery:
    """Per framework item (of `framework` only, when given), over the activities in `state`
    linked to it or to anything below it: item_id, activities (distinct, cancelled included),
    counted (not cancelled, a percentage reported), not_reported (under way with no percentage),
    started (reported work under way), links (counted
    links) and completion_pct (link-weighted mean progress; None when none is counted)."""
    closure = item_closure()
    steps = per_activity(
        closure.c.ancestor_id,
        state,
        ActivityItem.join(closure, closure.c.descendant_id == ActivityItem.c.item_id),
    )
    if framework is not None:
        steps = steps.where(
            closure.c.ancestor_id.in_(
                select(FrameworkItem.c.id)
                .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
                .where(Framework.c.code == framework)
            )
        )
    rolled = per_group(steps, name)
    return select(
        rolled.c.group_id.label("item_id"),
        rolled.c.activities,
        rolled.c.counted,
        rolled.c.not_reported,
        rolled.c.started,
        rolled.c.links,
        rolled.c.completion_pct,
    ).subquery(f"{name}_items")


@dataclass(frozen=True)
class Plan:
    """A framework's identity and period: from the first day of its first year to the last
    day of its last year (frameworks.csv gives years)."""

    code: str
    name: str
    short_name: str
    start: dt.date
    end: dt.date
    # Whether the plan defines regions (the PTCRs: Region.framework_id), listed on its page.
    defines_regions: bool = False

    def started_by(self, day: dt.date) -> bool:
        return day >= self.start


def plans(session: Session, framework: str | None = None) -> list[Plan]:
    """Every framework (or `framework` only) as a Plan, the earliest first."""
    statement = select(
        Framework.c.code,
        Framework.c.name,
        Framework.c.short_name,
        Framework.c.period_start,
        Framework.c.period_end,
        exists().where(Region.c.framework_id == Framework.c.id),
    ).order_by(Framework.c.period_start, Framework.c.code)
    if framework is not None:
        statement = statement.where(Framework.c.code == framework)
    return [
        Plan(
            code, name, short, dt.date(int(first), 1, 1), dt.date(int(last), 12, 31), bool(regions)
        )
        for code, name, short, first, last, regions in session.execute(statement).all()
    ]


def work_span(plan: Plan) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Where an activity's documented work begins and ends, as far as `plan` needs to know:
    from its start date (else its first report) to its end date; with no end date recorded,
    to its latest report (a planned activity's work lies ahead: open, to the plan's end)."""
    begins = func.coalesce(Activity.c.start_date, Activity.c.first_reported, plan.start)
    ends = func.coalesce(
        Activity.c.end_date,
        case((Activity.c.status == "planned", plan.end), else_=Activity.c.last_reported),
        plan.end,
    )
    return begins, ends


def in_period(plan: Plan) -> ColumnElement[bool]:
    """Whether an activity's documented work overlaps `plan`'s period (see `work_span`):
    only these activities count toward the plan's figures."""
    # coalesce(), not `end_date IS NULL OR …`: most activities pass, and SQLite would
    # otherwise look each one up through the date indexes (a scan is faster).
    begins, ends = work_span(plan)
    return and_(ends >= plan.start, begins <= plan.end)


def counts_toward(filters: Filters, plan: Plan) -> ColumnElement[bool]:
    """Which activities count toward `plan` on the filters' date: those whose work overlaps
    its period (`in_period`), and none before the plan has begun."""
    return in_period(plan) if plan.started_by(filters.as_of_date()) else false()


def before_period(plan: Plan) -> ColumnElement[bool]:
    """Work documented only before `plan` began: earlier work, shown apart, never counted."""
    return work_span(plan)[1] < plan.start

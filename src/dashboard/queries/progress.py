"""Progress queries: how far each plan has come, status counts, funding, latest updates.

How far a plan has come is three figures, each named for what it is (see `plan_progress`):
items under way (its items' statuses, assessed by partners or derived from its activities),
time elapsed (of its period), and activity progress. Only activities whose work overlaps a
plan's period count toward it; work that ended before it began is earlier work.

Activity progress, as every page states it: an activity's progress at a date is its latest
progress update on or before that date (completed counts as 100 %); cancelled activities are
listed but not counted. An item's activity progress is the link-weighted mean progress of the
activities linked to it or to any item below it; an item with none shows *no activity*.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    case,
    distinct,
    exists,
    false,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dashboard import models as m
from dashboard.filters import Filters
from dashboard.provisional import item_label
from dashboard.queries.funders import UNPUBLISHED
from dashboard.queries.scope import (
    Activity,
    ActivityCountry,
    ActivityItem,
    ActivityRegion,
    Country,
    Framework,
    FrameworkItem,
    Funding,
    ItemAssessment,
    Organisation,
    Plan,
    ProgressUpdate,
    Region,
    before_period,
    counted_activities,
    counts_toward,
    plans,
    progress_at,
    rolled_up,
    to_frame,
    unreported_activities,
    weighted_completion,
    work_span,
)


def status_counts(session: Session, *, filters: Filters) -> pd.DataFrame:
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


def time_elapsed(plan: Plan, as_of: dt.date) -> tuple[float, int, int]:
    """How much of `plan`'s period has passed on `as_of`: (percent of its days, the year of
    the plan it is in (0 before it starts), the plan's number of years)."""
    years = plan.end.year - plan.start.year + 1
    if as_of < plan.start:
        return 0.0, 0, years
    if as_of > plan.end:
        return 100.0, years, years
    days = (plan.end - plan.start).days + 1
    return 100.0 * ((as_of - plan.start).days + 1) / days, as_of.year - plan.start.year + 1, years


ITEM_COLUMNS = [
    "id", "code", "title", "level", "parent_code", "provisional", "applies", "sort_order",
    "tracked", "activities", "counted", "not_reported", "started_activities", "links",
    "activity_progress_pct",
    "assessed_status", "assessed_on", "assessment_note", "assessment_source", "status", "basis",
]  # fmt: skip


def _latest_assessments(filters: Filters, plan: Plan) -> Subquery:
    """Per item of `plan`: its latest assessment on or before the filters' date (demo ones
    only when demo data is shown): item_id, status, date, note, source."""
    conditions = [
        ItemAssessment.c.date <= filters.as_of_date(),
        ItemAssessment.c.item_id.in_(_plan_items(plan)),
    ]
    if not filters.include_demo:
        conditions.append(ItemAssessment.c.demo == false())
    ranked = (
        select(
            ItemAssessment.c.item_id,
            ItemAssessment.c.status,
            ItemAssessment.c.date,
            ItemAssessment.c.note,
            ItemAssessment.c.source,
            func.row_number()
            .over(
                partition_by=ItemAssessment.c.item_id,
                order_by=(ItemAssessment.c.date.desc(), ItemAssessment.c.id.desc()),
            )
            .label("rank"),
        )
        .where(*conditions)
        .subquery("ranked_assessments")
    )
    return (
        select(ranked.c.item_id, ranked.c.status, ranked.c.date, ranked.c.note, ranked.c.source)
        .where(ranked.c.rank == 1)
        .subquery("latest_assessments")
    )


def _plan_items(plan: Plan) -> Select[Any]:
    return (
        select(FrameworkItem.c.id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .where(Framework.c.code == plan.code)
    )


def _item_rows(filters: Filters, plan: Plan) -> Select[Any]:
    """One row per item of `plan` (ITEM_COLUMNS): its activities of the plan's period rolled
    up the tree, and its latest assessment."""
    state = progress_at(filters, where=counts_toward(filters, plan))
    rolled = rolled_up(state, plan.code)
    latest = _latest_assessments(filters, plan)
    parent = aliased(FrameworkItem)
    child = aliased(FrameworkItem)
    begun = plan.started_by(filters.as_of_date())
    # Before the plan begins, nothing is assessed (nor started) yet.
    assessed = latest.c.status if begun else null()
    started = func.coalesce(rolled.c.started, 0)
    columns = (
        FrameworkItem.c.id,
        FrameworkItem.c.code,
        FrameworkItem.c.title,
        FrameworkItem.c.level,
        parent.c.code,
        FrameworkItem.c.provisional,
        FrameworkItem.c.applies,
        FrameworkItem.c.sort_order,
        # The level the plan tracks: items with nothing below them.
        ~exists().where(child.c.parent_id == FrameworkItem.c.id),
        func.coalesce(rolled.c.activities, 0),
        func.coalesce(rolled.c.counted, 0),
        func.coalesce(rolled.c.not_reported, 0),
        started,
        func.coalesce(rolled.c.links, 0),
        rolled.c.completion_pct,
        assessed,
        latest.c.date if begun else null(),
        latest.c.note if begun else null(),
        latest.c.source if begun else null(),
        item_status(assessed, started),
        case((assessed.is_(None), "derived"), else_="assessed"),
    )
    return (
        select(*(column.label(name) for column, name in zip(columns, ITEM_COLUMNS, strict=True)))
        .select_from(FrameworkItem)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .outerjoin(parent, parent.c.id == FrameworkItem.c.parent_id)
        .outerjoin(rolled, rolled.c.item_id == FrameworkItem.c.id)
        .outerjoin(latest, latest.c.item_id == FrameworkItem.c.id)
        .where(Framework.c.code == plan.code)
    )


def item_status(assessed: Any, started_activities: Any) -> ColumnElement[str]:
    """An item's status, as SQL: its latest assessment, else derived from the activities of
    the plan's period (started once one of them has reported work under way, else not
    started; only an assessment can say an item is completed)."""
    derived = case((started_activities > 0, "started"), else_="not_started")
    return func.coalesce(assessed, derived)


def item_progress(session: Session, *, filters: Filters, framework: str) -> pd.DataFrame:
    """Every item of `framework`, in tree order, with its status and activity progress.

    Columns: code, title, level, parent_code, depth, provisional, applies, sort_order, tracked (an
    item with nothing below it: the plan counts these), activities (of the plan's period, linked to
    it or below, cancelled included), counted (not cancelled, a percentage reported),
    started_activities, links (counted links), activity_progress_pct (link-weighted mean progress of
    the counted ones; None when none), covered (any activity), status (one of models.ITEM_STATUSES),
    basis ("assessed" or "derived"), assessed_on, assessment_note, assessment_source.
    """
    found = plans(session, framework)
    frame = (
        to_frame(session, _item_rows(filters, found[0]), ITEM_COLUMNS)
        if found
        else pd.DataFrame(columns=ITEM_COLUMNS)
    )
    frame["tracked"] = frame["tracked"].astype(bool)
    frame["covered"] = frame["activities"] > 0
    frame["activity_progress_pct"] = pd.to_numeric(
        frame["activity_progress_pct"], errors="coerce"
    ).astype(float)
    frame = frame.drop(columns=["assessed_status"])
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


PLAN_COLUMNS = [
    "code", "name", "short_name", "description", "source", "period_start", "period_end",
    "as_of", "provisional", "items_total", "items_not_applicable", "items_started",
    "items_well_advanced", "items_completed", "items_assessed", "time_elapsed_pct",
    "plan_year", "plan_years", "activity_progress_pct", "activities_counted",
    "activities_not_reported", "activities", "earlier_activities",
]  # fmt: skip


def plan_progress(
    session: Session, *, filters: Filters, framework: str | None = None
) -> pd.DataFrame:
    """Per framework (or for `framework` only), the three figures of how far it has come on
    the filters' date, with the counts behind them (PLAN_COLUMNS):

    - items under way: of the items it tracks (items_total, not applicable ones left out),
      how many have started (started, well advanced or completed), are well advanced, are
      completed, and how many of those statuses rest on an assessment;
    - time elapsed: time_elapsed_pct of its period, in plan_year of plan_years;
    - activity progress: the link-weighted mean progress (activity_progress_pct, None when
      nothing counts) of the activities_counted activities of its period (activities:
      cancelled included; activities_not_reported: under way with no percentage reported,
      left out of the mean); earlier_activities ended before it began and are not counted.
    """
    rows = [_plan_row(session, filters, plan) for plan in plans(session, framework)]
    frame = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    frame["activity_progress_pct"] = pd.to_numeric(
        frame["activity_progress_pct"], errors="coerce"
    ).astype(float)
    return frame


def _plan_row(session: Session, filters: Filters, plan: Plan) -> list[Any]:
    as_of = filters.as_of_date()
    # The items the plan tracks have nothing below them, so an item's activities are those
    # linked to it: whether one of them has started is asked per item, without rolling every
    # activity up the tree (what item_progress does for every item, tracked or not).
    state = progress_at(filters, where=counts_toward(filters, plan))
    latest = _latest_assessments(filters, plan)
    child = aliased(FrameworkItem)
    begun = plan.started_by(as_of)
    work_begun = exists().where(
        ActivityItem.c.item_id == FrameworkItem.c.id,
        ActivityItem.c.activity_id == state.c.activity_id,
        state.c.started == 1,
    )
    items = (
        select(
            case((work_begun, 1), else_=0).label("started_activities"),
            (latest.c.status if begun else null()).label("assessed_status"),
        )
        .select_from(FrameworkItem)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .outerjoin(latest, latest.c.item_id == FrameworkItem.c.id)
        .where(
            Framework.c.code == plan.code,
            ~exists().where(child.c.parent_id == FrameworkItem.c.id),
        )
        .subquery("plan_items")
    )
    status = item_status(items.c.assessed_status, items.c.started_activities)

    def how_many(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    counts = select(
        how_many(status != "not_applicable"),
        how_many(status == "not_applicable"),
        how_many(status.in_(("started", "well_advanced", "completed"))),
        how_many(status == "well_advanced"),
        how_many(status == "completed"),
        how_many(items.c.assessed_status.is_not(None) & (status != "not_applicable")),
    )
    # Activity progress over all the plan's links (each link once, not per item above it).
    linked = (
        select(
            func.count(distinct(ActivityItem.c.activity_id)),
            counted_activities(state),
            unreported_activities(state),
            weighted_completion(state),
        )
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .where(ActivityItem.c.item_id.in_(_plan_items(plan)))
    )
    earlier_state = progress_at(filters, where=before_period(plan))
    earlier = select(func.count(distinct(ActivityItem.c.activity_id))).where(
        ActivityItem.c.item_id.in_(_plan_items(plan)),
        ActivityItem.c.activity_id.in_(select(earlier_state.c.activity_id)),
    )
    described = session.execute(
        select(
            Framework.c.description,
            Framework.c.source,
            exists().where(
                FrameworkItem.c.framework_id == Framework.c.id, FrameworkItem.c.provisional
            ),
        ).where(Framework.c.code == plan.code)
    ).one()
    total, not_applicable, started, advanced, completed, assessed = (
        int(value) for value in session.execute(counts).one()
    )
    activities, counted, unreported, progress = session.execute(linked).one()
    earlier_count = int(session.execute(earlier).scalar_one() or 0)
    elapsed, year, years = time_elapsed(plan, as_of)
    return [
        plan.code,
        plan.name,
        plan.short_name,
        described[0],
        described[1],
        plan.start.year,
        plan.end.year,
        as_of,
        bool(described[2]),
        total,
        not_applicable,
        started,
        advanced,
        completed,
        assessed,
        elapsed,
        year,
        years,
        None if progress is None else float(progress),
        int(counted or 0),
        int(unreported or 0),
        int(activities or 0),
        earlier_count,
    ]


def earlier_work(
    session: Session,
    *,
    filters: Filters,
    framework: str,
    offset: int = 0,
    limit: int | None = None,
) -> pd.DataFrame:
    """The activities in scope linked to `framework` whose work ended before it began:
    background to the plan, never counted in its figures. Columns: activity_id, title,
    status, start_date, end_date, lead, source_url, demo; the latest work first. `offset`
    and `limit` give one page of them (plan_progress's earlier_activities counts them all)."""
    found = plans(session, framework)
    columns = [
        "activity_id", "title", "status", "start_date", "end_date", "lead", "source_url", "demo",
    ]  # fmt: skip
    if not found:
        return pd.DataFrame(columns=columns)
    plan = found[0]
    state = progress_at(filters, where=before_period(plan))
    ends = work_span(plan)[1]
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            Activity.c.start_date,
            Activity.c.end_date,
            Organisation.c.name,
            Activity.c.source_url,
            Activity.c.demo,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .where(
            exists().where(
                ActivityItem.c.activity_id == Activity.c.id,
                ActivityItem.c.item_id.in_(_plan_items(plan)),
            )
        )
        .order_by(ends.desc(), Activity.c.activity_id)
        .offset(offset)
        .limit(limit)
    )
    return to_frame(session, statement, columns)


def headline(session: Session, *, filters: Filters) -> dict[str, int]:
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


def funding_by_currency(session: Session, *, filters: Filters) -> pd.DataFrame:
    """Funding of the activities in scope, one row per currency (never summed across them),
    and one row "amount not published" for documented funding with no figure."""
    # Joined, not `IN (SELECT …)`: the state has one row per activity, and PostgreSQL,
    # misjudging the CTE's size, would look up the funding of each activity one by one.
    state = progress_at(filters)
    # Records whose amount is not published have no currency: one row says so, last.
    statement = (
        select(
            func.coalesce(Funding.c.currency, literal(UNPUBLISHED)),
            func.sum(Funding.c.amount),
            func.count(),
            func.count(distinct(Funding.c.activity_id)),
            func.count(distinct(Funding.c.funder_id)),
        )
        .join(state, state.c.activity_id == Funding.c.activity_id)
        .group_by(Funding.c.currency)
        .order_by(Funding.c.currency.is_(None), func.sum(Funding.c.amount).desc())
    )
    if not filters.include_demo:
        statement = statement.where(Funding.c.demo == false())
    if filters.as_of:
        statement = statement.where(Funding.c.year <= filters.as_of.year)
    frame = to_frame(session, statement, ["currency", "amount", "grants", "activities", "funders"])
    frame["amount"] = frame["amount"].astype(float)
    return frame


def latest_updates(session: Session, *, filters: Filters, limit: int = 10) -> pd.DataFrame:
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


def filter_options(session: Session) -> dict[str, list[tuple[Any, str]]]:
    """(value, label) choices for the shared sidebar: reference data only, never activities."""
    countries = session.execute(
        select(Country.c.iso3, Country.c.name).where(Country.c.range_state).order_by(Country.c.name)
    ).all()
    regions = session.execute(
        select(Region.c.number, Region.c.name, Region.c.pallas_status).order_by(Region.c.number)
    ).all()
    organisations = session.execute(
        select(Organisation.c.slug, Organisation.c.name, Organisation.c.demo).order_by(
            Organisation.c.name
        )
    ).all()
    items = session.execute(
        select(
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.provisional,
            Framework.c.short_name,
        )
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .order_by(Framework.c.period_start, FrameworkItem.c.id)
    ).all()
    return {
        "countries": [(iso3, f"{name} ({iso3})") for iso3, name in countries],
        "regions": [
            (number, f"{number} {name}" + (" (pending)" if status == "pending" else ""))
            for number, name, status in regions
        ],
        # The demo data's invented organisations apart: listed only with demo data shown.
        "organisations": [(slug, name) for slug, name, demo in organisations if not demo],
        "demo_organisations": [(slug, name) for slug, name, demo in organisations if demo],
        "statuses": [(status, status.replace("_", " ")) for status in m.ACTIVITY_STATUSES],
        "items": [
            (code, f"{item_label(code, title, provisional, width=None)} · {framework}")
            for code, title, provisional, framework in items
        ],
    }


def demo_activity_count(session: Session) -> int:
    """How many demo activities the store holds (the app says so when it shows them)."""
    return int(session.execute(select(func.count()).where(Activity.c.demo)).scalar_one())


def data_period(session: Session) -> tuple[Any, Any]:
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

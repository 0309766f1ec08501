"""What a funder's support achieved: its funding, the activities, outputs, items and sites.

A funder's activities are those in scope (`progress_at`) with a funding record from it or a
funder link to it (`funder_state`): every query here narrows the scope to them before any
state is computed, so a funder's page costs what its own activities cost, not the store's.
Funding stays in its own currency: nothing here adds across currencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    String,
    case,
    cast,
    distinct,
    extract,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlmodel import Session

from dashboard import models as m
from dashboard.filters import Filters
from dashboard.provisional import item_title
from dashboard.queries.activities import natural_key
from dashboard.queries.scope import (
    Activity,
    ActivityCountry,
    ActivityOrganisation,
    ActivityRegion,
    Country,
    Framework,
    FrameworkItem,
    Funding,
    Organisation,
    Output,
    Site,
    progress_at,
    rolled_up,
    to_frame,
)

# How a funding record without a published amount reads, wherever an amount would stand.
UNPUBLISHED = "amount not published"


def money(amount: float, currency: str) -> str:
    """ "EUR 16,000" (cents only when there are any)."""
    whole = float(amount).is_integer()
    return f"{currency} {amount:,.0f}" if whole else f"{currency} {amount:,.2f}"


@dataclass(frozen=True)
class FunderFigures:
    """The figures behind a funder's plain-language summary."""

    slug: str
    name: str
    activities: int = 0
    demo_activities: int = 0
    # Activities per status (as of the filters' date), in the order of m.ACTIVITY_STATUSES.
    statuses: dict[str, int] = field(default_factory=dict)
    countries: tuple[str, ...] = ()
    regions: int = 0
    # First and last year with funding (or with an activity starting, if none is recorded).
    first_year: int | None = None
    last_year: int | None = None
    # (currency, total) per currency, largest first; never added across currencies.
    funding: tuple[tuple[str, float], ...] = ()
    # Funding records whose amount is not published (documented support, no figure).
    unpublished: int = 0


def funder_options(session: Session, *, include_demo: bool = False) -> list[tuple[str, str]]:
    """(slug, name) of every organisation with a funding record or a funder link, by name;
    the invented organisations of the demo data only with `include_demo`."""
    funders = or_(
        Organisation.c.id.in_(select(Funding.c.funder_id)),
        Organisation.c.id.in_(
            select(ActivityOrganisation.c.organisation_id).where(
                ActivityOrganisation.c.role == "funder"
            )
        ),
    )
    rows = session.execute(
        select(Organisation.c.slug, Organisation.c.name)
        .where(funders, true() if include_demo else Organisation.c.demo == false())
        .order_by(Organisation.c.name)
    ).all()
    return sorted(((slug, name) for slug, name in rows), key=lambda row: row[1].casefold())


def _funder_id(funder: str) -> Any:
    return select(Organisation.c.id).where(Organisation.c.slug == funder).scalar_subquery()


def funder_state(filters: Filters, funder: str) -> CTE:
    """`progress_at` for the activities `funder` supports: a funding record from it (not a
    demo record when demo data is hidden) or a funder link to it; as `funded_by` selects."""
    grants = select(Funding.c.activity_id).where(Funding.c.funder_id == _funder_id(funder))
    if not filters.include_demo:
        grants = grants.where(Funding.c.demo == false())
    links = select(ActivityOrganisation.c.activity_id).where(
        ActivityOrganisation.c.role == "funder",
        ActivityOrganisation.c.organisation_id == _funder_id(funder),
    )
    return progress_at(filters, within=select(union(grants, links).subquery().c[0]))


def _grants(filters: Filters, funder: str, activities: Any) -> list[Any]:
    """Conditions on Funding: this funder's records for `activities` (a select of ids or a
    list of them), by demo flag and year."""
    conditions = [
        Funding.c.funder_id == _funder_id(funder),
        Funding.c.activity_id.in_(activities),
    ]
    if not filters.include_demo:
        conditions.append(Funding.c.demo == false())
    if filters.as_of:
        conditions.append(Funding.c.year <= filters.as_of.year)
    return conditions


def _code_order(session: Session, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column` in code-point order, as Python sorts: PostgreSQL may collate by a locale."""
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column


def funder_funding(session: Session, *, filters: Filters, funder: str) -> pd.DataFrame:
    """The funder's funding per year and currency: amount, grants, activities (records whose
    amount is not published are left out here: `funder_figures.unpublished` counts them)."""
    state = funder_state(filters, funder)
    statement = (
        select(
            Funding.c.year,
            Funding.c.currency,
            func.sum(Funding.c.amount),
            func.count(),
            func.count(distinct(Funding.c.activity_id)),
        )
        .where(
            *_grants(filters, funder, select(state.c.activity_id)), Funding.c.amount.is_not(None)
        )
        .group_by(Funding.c.year, Funding.c.currency)
        .order_by(Funding.c.year, Funding.c.currency)
    )
    frame = to_frame(session, statement, ["year", "currency", "amount", "grants", "activities"])
    frame["amount"] = frame["amount"].astype(float)
    return frame


ACTIVITY_COLUMNS = (
    "activity_id",
    "title",
    "status",
    "progress_pct",
    "countries",
    "start_date",
    "end_date",
    "funding",
    "demo",
)


def funder_activities(
    session: Session,
    *,
    filters: Filters,
    funder: str,
    offset: int = 0,
    limit: int | None = None,
) -> pd.DataFrame:
    """The activities the funder supports, by activity_id: state, progress, places, dates
    and its funding. `offset` and `limit` give one page of them (default: all).

    `countries` lists ISO3 codes; `funding` the funder's own amounts per currency, e.g.
    ["EUR 15,000"]. There are `FunderFigures.activities` rows in all.
    """
    state = funder_state(filters, funder)
    page = (
        select(
            Activity.c.id,
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            Activity.c.start_date,
            Activity.c.end_date,
            Activity.c.demo,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .order_by(_code_order(session, Activity.c.activity_id))
        .offset(offset)
        .limit(limit)
    )
    rows = session.execute(page).all()
    # The page's own ids (all of them when unpaged: then the state stands for them).
    ids: Any = [row[0] for row in rows] if limit is not None else select(state.c.activity_id)
    countries: dict[int, list[str]] = {}
    for key, iso3 in session.execute(
        select(ActivityCountry.c.activity_id, ActivityCountry.c.country_iso3).where(
            ActivityCountry.c.activity_id.in_(ids)
        )
    ).all():
        countries.setdefault(key, []).append(str(iso3))
    funding: dict[int, list[str]] = {}
    for key, currency, amount in session.execute(
        select(Funding.c.activity_id, Funding.c.currency, func.sum(Funding.c.amount))
        .where(*_grants(filters, funder, ids))
        .group_by(Funding.c.activity_id, Funding.c.currency)
        .order_by(Funding.c.activity_id, Funding.c.currency)
    ).all():
        funding.setdefault(key, []).append(
            UNPUBLISHED if amount is None else money(float(amount), str(currency))
        )
    frame = pd.DataFrame(
        [
            (
                activity_id,
                title,
                status,
                progress,
                sorted(set(countries.get(key, [])), key=natural_key),
                start_date,
                end_date,
                funding.get(key, []),
                demo,
            )
            for key, activity_id, title, status, progress, start_date, end_date, demo in rows
        ],
        columns=list(ACTIVITY_COLUMNS),
    )
    frame["progress_pct"] = frame["progress_pct"].astype(float)
    frame["demo"] = frame["demo"].astype(bool)
    return frame


def funder_outputs(session: Session, *, filters: Filters, funder: str) -> pd.DataFrame:
    """Outputs of the funder's activities against their targets, per indicator and unit.

    Per activity and indicator only its latest report on or before the filters' date counts
    (later reports restate the running total). `achieved` adds those up over activities;
    `target` adds the targets that are set, and `pct_of_target` compares it with what the
    activities that have a target achieved. No target set: target and pct_of_target empty.
    """
    state = funder_state(filters, funder)
    conditions = [
        Output.c.activity_id.in_(select(state.c.activity_id)),
        or_(Output.c.date.is_(None), Output.c.date <= filters.as_of_date()),
        Output.c.demo == false() if not filters.include_demo else true(),
    ]
    ranked = (
        select(
            Output.c.activity_id,
            Output.c.indicator,
            Output.c.unit,
            Output.c.value,
            Output.c.target,
            func.row_number()
            .over(
                partition_by=(Output.c.activity_id, Output.c.indicator, Output.c.unit),
                order_by=(Output.c.date.desc().nulls_last(), Output.c.id.desc()),
            )
            .label("rank"),
        )
        .where(*conditions)
        .subquery("ranked_outputs")
    )
    with_target = ranked.c.target.is_not(None)
    statement = (
        select(
            ranked.c.indicator,
            ranked.c.unit,
            func.sum(ranked.c.value),
            func.sum(ranked.c.target),
            func.sum(case((with_target, ranked.c.value))),
            func.count(distinct(ranked.c.activity_id)),
        )
        .where(ranked.c.rank == 1)
        .group_by(ranked.c.indicator, ranked.c.unit)
    )
    frame = to_frame(
        session,
        statement,
        ["indicator", "unit", "achieved", "target", "achieved_with_target", "activities"],
    )
    for column in ("achieved", "target", "achieved_with_target"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["pct_of_target"] = (
        frame["achieved_with_target"] / frame["target"].where(frame["target"] > 0) * 100
    )
    frame = frame.drop(columns=["achieved_with_target"])
    frame = frame[["indicator", "unit", "achieved", "target", "pct_of_target", "activities"]]
    return frame.sort_values(
        ["indicator", "unit"], key=lambda column: column.str.casefold(), kind="stable"
    ).reset_index(drop=True)


def funder_items(session: Session, *, filters: Filters, funder: str) -> pd.DataFrame:
    """The Strategy items and CAMI sections the funder's activities serve (or serve below).

    Columns: framework (short name), code, title (marked "(provisional)" for an item of a
    provisional working structure), level, activities, counted (not cancelled, a percentage
    reported), not_reported (under way with no percentage), completion_pct (link-weighted mean
    progress of the funder's counted activities; empty when none is counted). Only items with at
    least one activity.
    """
    mine = funder_state(filters, funder)
    rolled = rolled_up(mine)
    statement = (
        select(
            Framework.c.short_name,
            Framework.c.period_start,
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.provisional,
            FrameworkItem.c.level,
            rolled.c.activities,
            rolled.c.counted,
            rolled.c.not_reported,
            rolled.c.completion_pct,
        )
        .join(rolled, rolled.c.item_id == FrameworkItem.c.id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
    )
    frame = to_frame(
        session,
        statement,
        [
            "framework",
            "period_start",
            "code",
            "title",
            "provisional",
            "level",
            "activities",
            "counted",
            "not_reported",
            "completion_pct",
        ],
    )
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    frame["title"] = [
        item_title(title, bool(provisional))
        for title, provisional in zip(frame["title"], frame.pop("provisional"), strict=True)
    ]
    keys = list(zip(frame["period_start"].tolist(), frame["code"].tolist(), strict=True))
    order = sorted(range(len(frame)), key=lambda i: (keys[i][0], natural_key(str(keys[i][1]))))
    return frame.loc[order].drop(columns=["period_start"]).reset_index(drop=True)


def funder_sites(session: Session, *, filters: Filters, funder: str) -> pd.DataFrame:
    """Where the funder's activities work: one row per site, with its activity's state."""
    state = funder_state(filters, funder)
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            Site.c.name,
            Site.c.latitude,
            Site.c.longitude,
            state.c.status,
            Activity.c.demo,
        )
        .join(Activity, Activity.c.id == Site.c.activity_id)
        .join(state, state.c.activity_id == Site.c.activity_id)
        .order_by(_code_order(session, Activity.c.activity_id), Site.c.id)
    )
    return to_frame(
        session,
        statement,
        ["activity_id", "title", "site", "latitude", "longitude", "status", "demo"],
    )


# An empty cell in a union's numeric column (PostgreSQL needs its type).
_NO_NUMBER = cast(null(), Integer)


def funder_figures(session: Session, *, filters: Filters, funder: str) -> FunderFigures | None:
    """The funder's headline figures (None if no organisation has that slug)."""
    found = session.execute(
        select(Organisation.c.name).where(Organisation.c.slug == funder)
    ).scalar_one_or_none()
    if found is None:
        return None
    state = funder_state(filters, funder)
    funded = select(state.c.activity_id)
    # One statement, so the funder's state is computed once: rows of (kind, key, a, b, c).
    statuses = select(
        literal("status"),
        state.c.status,
        func.count(),
        func.sum(case((state.c.demo, 1), else_=0)),
        _NO_NUMBER,
    ).group_by(state.c.status)
    countries = select(
        literal("country"), Country.c.name, _NO_NUMBER, _NO_NUMBER, _NO_NUMBER
    ).where(
        Country.c.iso3.in_(
            select(ActivityCountry.c.country_iso3).where(ActivityCountry.c.activity_id.in_(funded))
        )
    )
    regions = select(
        literal("regions"),
        cast(null(), String),
        func.count(distinct(ActivityRegion.c.region_number)),
        _NO_NUMBER,
        _NO_NUMBER,
    ).where(ActivityRegion.c.activity_id.in_(funded))
    totals = (
        select(
            literal("funding"),
            Funding.c.currency,
            func.sum(Funding.c.amount),
            func.min(Funding.c.year),
            func.max(Funding.c.year),
        )
        .where(
            *_grants(filters, funder, select(state.c.activity_id)), Funding.c.amount.is_not(None)
        )
        .group_by(Funding.c.currency)
    )
    unpublished = select(
        literal("unpublished"), cast(null(), String), func.count(), _NO_NUMBER, _NO_NUMBER
    ).where(*_grants(filters, funder, select(state.c.activity_id)), Funding.c.amount.is_(None))
    by_status: dict[str, int] = {}
    names: list[str] = []
    demo = regions_reached = 0
    funding: dict[str, float] = {}
    years: list[int] = []
    not_published = 0
    for kind, key, a, b, c in session.execute(
        union_all(statuses, countries, regions, totals, unpublished)
    ).all():
        if kind == "status":
            by_status[str(key)] = int(a)
            demo += int(b or 0)
        elif kind == "country":
            names.append(str(key))
        elif kind == "regions":
            regions_reached = int(a)
        elif kind == "unpublished":
            not_published = int(a)
        else:
            funding[str(key)] = float(a)
            years += [int(year) for year in (b, c) if year is not None]
    first_year, last_year = (min(years), max(years)) if years else (None, None)
    # Without any funding record, the years of the activities it is linked to; a record
    # whose year is not published leaves the years unsaid rather than guessed.
    if first_year is None and not not_published:
        first_year, last_year = session.execute(
            select(
                func.min(extract("year", Activity.c.start_date)),
                func.max(extract("year", Activity.c.start_date)),
            ).where(Activity.c.id.in_(funded))
        ).one()
    return FunderFigures(
        slug=funder,
        name=str(found),
        activities=sum(by_status.values()),
        demo_activities=demo,
        statuses={s: by_status[s] for s in m.ACTIVITY_STATUSES if by_status.get(s)},
        countries=tuple(sorted(names, key=lambda name: (name.casefold(), name))),
        regions=regions_reached,
        first_year=int(first_year) if first_year is not None else None,
        last_year=int(last_year) if last_year is not None else None,
        funding=tuple(sorted(funding.items(), key=lambda pair: (-pair[1], pair[0]))),
        unpublished=not_published,
    )


OVERVIEW_COLUMNS = [
    "slug", "name", "activities", "range_states", "regions", "first_year", "last_year",
    "unpublished", "demo",
]  # fmt: skip


def funders_overview(session: Session, *, filters: Filters) -> pd.DataFrame:
    """Every funder side by side (`funder_options`), each as its own page counts it: the
    activities in scope it supports (a funding record from it or a funder link to it), the
    range states and CAMI priority regions they reach, the years of its funding, its funding
    records without a published amount, whether it is an invented demo organisation, and
    `funding_<CUR>` per currency (never added across currencies; 0 where it gave none).

    Columns: OVERVIEW_COLUMNS, then funding_<CUR> by currency code. Most activities first,
    then by name. A funder with nothing in scope is listed with 0 activities.
    """
    state = progress_at(filters)
    grants = select(Funding.c.funder_id.label("funder_id"), Funding.c.activity_id)
    if not filters.include_demo:
        grants = grants.where(Funding.c.demo == false())
    links = select(
        ActivityOrganisation.c.organisation_id, ActivityOrganisation.c.activity_id
    ).where(ActivityOrganisation.c.role == "funder")
    supported = union(grants, links).subquery("supported")
    # Each (funder, activity in scope) once.
    pairs = (
        select(supported.c.funder_id, supported.c.activity_id)
        .join(state, state.c.activity_id == supported.c.activity_id)
        .cte("funder_activities")
    )

    def per_funder(value: Any, *joins: tuple[Any, Any]) -> Any:
        statement = select(pairs.c.funder_id, value.label("value"))
        for table, on in joins:
            statement = statement.join(table, on)
        return statement.group_by(pairs.c.funder_id).subquery()

    activities = per_funder(func.count())
    countries = per_funder(
        func.count(distinct(ActivityCountry.c.country_iso3)),
        (ActivityCountry, ActivityCountry.c.activity_id == pairs.c.activity_id),
    )
    regions = per_funder(
        func.count(distinct(ActivityRegion.c.region_number)),
        (ActivityRegion, ActivityRegion.c.activity_id == pairs.c.activity_id),
    )
    records = [Funding.c.activity_id.in_(select(state.c.activity_id))]
    if not filters.include_demo:
        records.append(Funding.c.demo == false())
    if filters.as_of:
        records.append(Funding.c.year <= filters.as_of.year)
    money = (
        select(
            Funding.c.funder_id,
            Funding.c.currency,
            func.sum(Funding.c.amount).label("amount"),
            func.min(Funding.c.year).label("first_year"),
            func.max(Funding.c.year).label("last_year"),
            func.sum(case((Funding.c.amount.is_(None), 1), else_=0)).label("unpublished"),
        )
        .where(*records)
        .group_by(Funding.c.funder_id, Funding.c.currency)
        .subquery("money")
    )
    shown = [slug for slug, _ in funder_options(session=session, include_demo=filters.include_demo)]
    rows = session.execute(
        select(
            Organisation.c.slug,
            Organisation.c.name,
            func.coalesce(activities.c.value, 0),
            func.coalesce(countries.c.value, 0),
            func.coalesce(regions.c.value, 0),
            Organisation.c.demo,
            money.c.currency,
            money.c.amount,
            money.c.first_year,
            money.c.last_year,
            money.c.unpublished,
        )
        .outerjoin(activities, activities.c.funder_id == Organisation.c.id)
        .outerjoin(countries, countries.c.funder_id == Organisation.c.id)
        .outerjoin(regions, regions.c.funder_id == Organisation.c.id)
        .outerjoin(money, money.c.funder_id == Organisation.c.id)
        .where(Organisation.c.slug.in_(shown))
    ).all()
    funders: dict[str, dict[str, Any]] = {}
    currencies: set[str] = set()
    for slug, name, count, states, reached, demo, currency, amount, first, last, hidden in rows:
        funder = funders.setdefault(
            slug,
            {
                "slug": slug,
                "name": name,
                "activities": int(count),
                "range_states": int(states),
                "regions": int(reached),
                "years": [],
                "unpublished": 0,
                "demo": bool(demo),
                "funding": {},
            },
        )
        funder["unpublished"] += int(hidden or 0)
        funder["years"] += [int(year) for year in (first, last) if year is not None]
        if currency is not None and amount is not None:
            funder["funding"][str(currency)] = float(amount)
            currencies.add(str(currency))
    ordered = sorted(currencies)
    frame = pd.DataFrame(
        [
            {
                **{key: funder[key] for key in OVERVIEW_COLUMNS if key in funder},
                "first_year": min(funder["years"]) if funder["years"] else None,
                "last_year": max(funder["years"]) if funder["years"] else None,
                **{f"funding_{code}": funder["funding"].get(code, 0.0) for code in ordered},
            }
            for funder in funders.values()
        ],
        columns=[*OVERVIEW_COLUMNS, *(f"funding_{code}" for code in ordered)],
    )
    frame["first_year"] = frame["first_year"].astype("Int64")
    frame["last_year"] = frame["last_year"].astype("Int64")
    return frame.sort_values(
        ["activities", "name"], ascending=[False, True], key=_by_count_then_name
    ).reset_index(drop=True)


def _by_count_then_name(column: pd.Series) -> pd.Series:
    """Sort key: counts as they are, names case-folded."""
    return column.str.casefold() if column.dtype == object else column

"""What a funder's support achieved: its funding, the activities, outputs, items and sites.

A funder's activities are those in scope (`progress_at`) with a funding record from it or a
funder link to it. Funding stays in its own currency: nothing here adds across currencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import CTE, Select, case, distinct, extract, false, func, or_, select, true
from sqlmodel import Session

from dashboard import models as m
from dashboard.filters import Filters
from dashboard.queries.activities import activity_listing, funded_by, natural_key
from dashboard.queries.scope import (
    Activity,
    ActivityCountry,
    ActivityItem,
    ActivityOrganisation,
    ActivityRegion,
    Country,
    Framework,
    FrameworkItem,
    Funding,
    Organisation,
    counted_activities,
    item_closure,
    progress_at,
    to_frame,
    weighted_completion,
)

Output = m.Output.__table__  # type: ignore[attr-defined]
Site = m.Site.__table__  # type: ignore[attr-defined]


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


def funder_options(*, session: Session) -> list[tuple[str, str]]:
    """(slug, name) of every organisation with a funding record or a funder link, by name."""
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
        .where(funders)
        .order_by(Organisation.c.name)
    ).all()
    return sorted(((slug, name) for slug, name in rows), key=lambda row: row[1].casefold())


def _funded(state: CTE, filters: Filters, funder: str) -> Select[Any]:
    """Ids of the activities in `state` that `funder` funds."""
    return select(state.c.activity_id).where(
        state.c.activity_id.in_(
            select(Activity.c.id).where(funded_by((funder,), include_demo=filters.include_demo))
        )
    )


def _grants(filters: Filters, funder: str, activities: Select[Any]) -> list[Any]:
    """Conditions on Funding: this funder's records for `activities`, by demo flag and year."""
    conditions = [
        Funding.c.funder_id.in_(select(Organisation.c.id).where(Organisation.c.slug == funder)),
        Funding.c.activity_id.in_(activities),
    ]
    if not filters.include_demo:
        conditions.append(Funding.c.demo == false())
    if filters.as_of:
        conditions.append(Funding.c.year <= filters.as_of.year)
    return conditions


def funder_funding(*, session: Session, filters: Filters, funder: str) -> pd.DataFrame:
    """The funder's funding per year and currency: amount, grants, activities."""
    state = progress_at(filters)
    statement = (
        select(
            Funding.c.year,
            Funding.c.currency,
            func.sum(Funding.c.amount),
            func.count(),
            func.count(distinct(Funding.c.activity_id)),
        )
        .where(*_grants(filters, funder, _funded(state, filters, funder)))
        .group_by(Funding.c.year, Funding.c.currency)
        .order_by(Funding.c.year, Funding.c.currency)
    )
    frame = to_frame(session, statement, ["year", "currency", "amount", "grants", "activities"])
    frame["amount"] = frame["amount"].astype(float)
    return frame


def funder_activities(*, session: Session, filters: Filters, funder: str) -> pd.DataFrame:
    """The activities the funder supports: state, progress, places, dates and its funding.

    `funding` lists the funder's own amounts per currency, e.g. ["EUR 15,000"].
    """
    listing = activity_listing(session=session, filters=filters, funders=(funder,))
    state = progress_at(filters)
    statement = (
        select(Activity.c.activity_id, Funding.c.currency, func.sum(Funding.c.amount))
        .join(Activity, Activity.c.id == Funding.c.activity_id)
        .where(*_grants(filters, funder, _funded(state, filters, funder)))
        .group_by(Activity.c.activity_id, Funding.c.currency)
        .order_by(Activity.c.activity_id, Funding.c.currency)
    )
    funding: dict[str, list[str]] = {}
    for activity_id, currency, amount in session.execute(statement).all():
        funding.setdefault(activity_id, []).append(money(float(amount), str(currency)))
    frame = listing[
        [
            "activity_id",
            "title",
            "status",
            "progress_pct",
            "countries",
            "start_date",
            "end_date",
            "demo",
        ]
    ].copy()
    frame.insert(7, "funding", [funding.get(key, []) for key in frame["activity_id"]])
    return frame.reset_index(drop=True)


def funder_outputs(*, session: Session, filters: Filters, funder: str) -> pd.DataFrame:
    """Outputs of the funder's activities against their targets, per indicator and unit.

    Per activity and indicator only its latest report on or before the filters' date counts
    (later reports restate the running total). `achieved` adds those up over activities;
    `target` adds the targets that are set, and `pct_of_target` compares it with what the
    activities that have a target achieved. No target set: target and pct_of_target empty.
    """
    state = progress_at(filters)
    conditions = [
        Output.c.activity_id.in_(_funded(state, filters, funder)),
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


def funder_items(*, session: Session, filters: Filters, funder: str) -> pd.DataFrame:
    """The Strategy items and CAMI sections the funder's activities serve (or serve below).

    Columns: framework (short name), code, title, level, activities, counted (not
    cancelled), completion_pct (link-weighted mean progress of the funder's counted
    activities; empty when none is counted). Only items with at least one activity.
    """
    state = progress_at(filters)
    funded = select(state).where(state.c.activity_id.in_(_funded(state, filters, funder)))
    mine = funded.subquery("funded_state")
    closure = item_closure()
    rolled = (
        select(
            closure.c.ancestor_id.label("item_id"),
            func.count(distinct(ActivityItem.c.activity_id)).label("activities"),
            counted_activities(mine).label("counted"),
            weighted_completion(mine).label("completion_pct"),
        )
        .join(ActivityItem, ActivityItem.c.item_id == closure.c.descendant_id)
        .join(mine, mine.c.activity_id == ActivityItem.c.activity_id)
        .group_by(closure.c.ancestor_id)
        .subquery("rolled")
    )
    statement = (
        select(
            Framework.c.short_name,
            Framework.c.period_start,
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.level,
            rolled.c.activities,
            rolled.c.counted,
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
            "level",
            "activities",
            "counted",
            "completion_pct",
        ],
    )
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    keys = list(zip(frame["period_start"].tolist(), frame["code"].tolist(), strict=True))
    order = sorted(range(len(frame)), key=lambda i: (keys[i][0], natural_key(str(keys[i][1]))))
    return frame.loc[order].drop(columns=["period_start"]).reset_index(drop=True)


def funder_sites(*, session: Session, filters: Filters, funder: str) -> pd.DataFrame:
    """Where the funder's activities work: one row per site, with its activity's state."""
    state = progress_at(filters)
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
        .where(Site.c.activity_id.in_(_funded(state, filters, funder)))
        .order_by(Activity.c.activity_id, Site.c.id)
    )
    return to_frame(
        session,
        statement,
        ["activity_id", "title", "site", "latitude", "longitude", "status", "demo"],
    )


def funder_figures(*, session: Session, filters: Filters, funder: str) -> FunderFigures | None:
    """The funder's headline figures (None if no organisation has that slug)."""
    found = session.execute(
        select(Organisation.c.name).where(Organisation.c.slug == funder)
    ).scalar_one_or_none()
    if found is None:
        return None
    state = progress_at(filters)
    funded = _funded(state, filters, funder)
    by_status = dict(
        session.execute(
            select(state.c.status, func.count())
            .where(state.c.activity_id.in_(funded))
            .group_by(state.c.status)
        ).all()
    )
    demo = session.execute(
        select(func.count()).where(Activity.c.id.in_(funded), Activity.c.demo)
    ).scalar_one()
    countries = session.execute(
        select(Country.c.name)
        .where(
            Country.c.iso3.in_(
                select(ActivityCountry.c.country_iso3).where(
                    ActivityCountry.c.activity_id.in_(funded)
                )
            )
        )
        .order_by(Country.c.name)
    ).scalars()
    regions = session.execute(
        select(func.count(distinct(ActivityRegion.c.region_number))).where(
            ActivityRegion.c.activity_id.in_(funded)
        )
    ).scalar_one()
    grants = _grants(filters, funder, funded)
    first_year, last_year = session.execute(
        select(func.min(Funding.c.year), func.max(Funding.c.year)).where(*grants)
    ).one()
    if first_year is None:
        first_year, last_year = session.execute(
            select(
                func.min(extract("year", Activity.c.start_date)),
                func.max(extract("year", Activity.c.start_date)),
            ).where(Activity.c.id.in_(funded))
        ).one()
    totals = session.execute(
        select(Funding.c.currency, func.sum(Funding.c.amount))
        .where(*grants)
        .group_by(Funding.c.currency)
    ).all()
    return FunderFigures(
        slug=funder,
        name=str(found),
        activities=sum(by_status.values()),
        demo_activities=int(demo),
        statuses={s: int(by_status[s]) for s in m.ACTIVITY_STATUSES if by_status.get(s)},
        countries=tuple(sorted(countries, key=str.casefold)),
        regions=int(regions),
        first_year=int(first_year) if first_year is not None else None,
        last_year=int(last_year) if last_year is not None else None,
        funding=tuple(
            sorted(
                ((str(currency), float(amount)) for currency, amount in totals),
                key=lambda pair: (-pair[1], pair[0]),
            )
        ),
    )

"""Where in the range the work happens: activities, completion and funding per range state and
per PTCR, the places with no activity at all, and the activity sites for the map.

An activity in several range states (or PTCRs) counts in each of them, with all its funding:
rows do not add up to a total. Completion is the plain mean progress of the counted activities
(as of the filters' date; cancelled not counted, completed 100 %). Funding stays per currency.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Column, String, Table, cast, false, func, select
from sqlmodel import Session

from dashboard import models as m
from dashboard.filters import Filters
from dashboard.queries.scope import (
    Activity,
    ActivityCountry,
    ActivityRegion,
    Country,
    Funding,
    Organisation,
    Region,
    mean_progress,
    progress_at,
    to_frame,
)

RegionCountry = m.RegionCountry.__table__  # type: ignore[attr-defined]
Site = m.Site.__table__  # type: ignore[attr-defined]

FUNDING_PREFIX = "funding_"


def _work_by(place: Column[Any], links: Table, filters: Filters) -> Any:
    """Per place: activities in scope (cancelled included), counted ones, mean completion."""
    state = progress_at(filters)
    return (
        select(
            place.label("place"),
            func.count().label("activities"),
            func.sum(state.c.counted).label("counted"),
            mean_progress(state).label("completion_pct"),
        )
        .join(state, state.c.activity_id == links.c.activity_id)
        .group_by(place)
        .subquery("work")
    )


def _funding_by(
    session: Session, place: Column[Any], links: Table, filters: Filters
) -> pd.DataFrame:
    """Funding of the activities in scope per place, one column per currency (`funding_EUR`)."""
    state = progress_at(filters)
    statement = (
        select(place, Funding.c.currency, func.sum(Funding.c.amount))
        .join(Funding, Funding.c.activity_id == links.c.activity_id)
        .where(links.c.activity_id.in_(select(state.c.activity_id)))
        .group_by(place, Funding.c.currency)
    )
    if not filters.include_demo:
        statement = statement.where(Funding.c.demo == false())
    if filters.as_of:
        statement = statement.where(Funding.c.year <= filters.as_of.year)
    frame = to_frame(session, statement, ["place", "currency", "amount"])
    frame["amount"] = frame["amount"].astype(float)
    wide = frame.pivot_table(
        index="place", columns="currency", values="amount", aggfunc="sum", fill_value=0.0
    )
    wide.columns = [f"{FUNDING_PREFIX}{currency}" for currency in wide.columns]
    return wide


def _with_funding(frame: pd.DataFrame, key: str, funding: pd.DataFrame) -> pd.DataFrame:
    joined = frame.merge(funding, how="left", left_on=key, right_index=True)
    for column in funding.columns:
        joined[column] = joined[column].fillna(0.0).astype(float)
    return joined


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame["activities"] = frame["activities"].astype(int)
    frame["counted"] = frame["counted"].astype(int)
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    return frame


def coverage_by_country(*, session: Session, filters: Filters) -> pd.DataFrame:
    """Every range state with the work there, including those with none.

    Columns: iso3, name, cms_party, cami_range_state, activities (cancelled included),
    counted, completion_pct (None without a counted activity), then `funding_<CUR>` per
    currency. Ordered by activities, most first, then name.
    """
    work = _work_by(ActivityCountry.c.country_iso3, ActivityCountry, filters)
    statement = (
        select(
            Country.c.iso3,
            Country.c.name,
            Country.c.cms_party,
            Country.c.cami_range_state,
            func.coalesce(work.c.activities, 0),
            func.coalesce(work.c.counted, 0),
            work.c.completion_pct,
        )
        .outerjoin(work, work.c.place == Country.c.iso3)
        .where(Country.c.range_state)
        .order_by(func.coalesce(work.c.activities, 0).desc(), Country.c.name)
    )
    frame = _tidy(
        to_frame(
            session,
            statement,
            [
                "iso3",
                "name",
                "cms_party",
                "cami_range_state",
                "activities",
                "counted",
                "completion_pct",
            ],
        )
    )
    funding = _funding_by(session, ActivityCountry.c.country_iso3, ActivityCountry, filters)
    return _with_funding(frame, "iso3", funding)


def coverage_by_region(*, session: Session, filters: Filters) -> pd.DataFrame:
    """Every PTCR that lists the Pallas's cat with the work there, including those with none.

    Columns: number, name, pallas_status, countries (`;`-joined ISO3), latitude, longitude,
    position_derived, activities, counted, completion_pct, then `funding_<CUR>` per currency.
    In PTCR number order.
    """
    work = _work_by(ActivityRegion.c.region_number, ActivityRegion, filters)
    members = (
        select(
            RegionCountry.c.region_number,
            func.aggregate_strings(RegionCountry.c.country_iso3, ";").label("countries"),
        )
        .group_by(RegionCountry.c.region_number)
        .subquery("members")
    )
    statement = (
        select(
            Region.c.number,
            Region.c.name,
            Region.c.pallas_status,
            members.c.countries,
            Region.c.latitude,
            Region.c.longitude,
            Region.c.position_derived,
            func.coalesce(work.c.activities, 0),
            func.coalesce(work.c.counted, 0),
            work.c.completion_pct,
        )
        .outerjoin(work, work.c.place == Region.c.number)
        .outerjoin(members, members.c.region_number == Region.c.number)
        .order_by(Region.c.number)
    )
    frame = _tidy(
        to_frame(
            session,
            statement,
            [
                "number",
                "name",
                "pallas_status",
                "countries",
                "latitude",
                "longitude",
                "position_derived",
                "activities",
                "counted",
                "completion_pct",
            ],
        )
    )
    frame["countries"] = [
        ";".join(sorted(str(value).split(";"))) if pd.notna(value) and value else ""
        for value in frame["countries"]
    ]
    funding = _funding_by(session, ActivityRegion.c.region_number, ActivityRegion, filters)
    return _with_funding(frame, "number", funding)


def coverage_gaps(*, session: Session, filters: Filters) -> dict[str, list[str]]:
    """Range states and PTCRs with no activity at all in scope, by name.

    Keys: countries ("Nepal", ...), regions ("10 Daurian Steppe (pending)", ...).
    """
    in_scope = select(progress_at(filters).c.activity_id)
    countries = session.execute(
        select(Country.c.name)
        .where(
            Country.c.range_state,
            Country.c.iso3.not_in(
                select(ActivityCountry.c.country_iso3).where(
                    ActivityCountry.c.activity_id.in_(in_scope)
                )
            ),
        )
        .order_by(Country.c.name)
    ).scalars()
    regions = session.execute(
        select(Region.c.number, Region.c.name, Region.c.pallas_status)
        .where(
            Region.c.number.not_in(
                select(ActivityRegion.c.region_number).where(
                    ActivityRegion.c.activity_id.in_(in_scope)
                )
            )
        )
        .order_by(Region.c.number)
    ).all()
    return {
        "countries": [str(name) for name in countries],
        "regions": [
            f"{number} {name}" + (" (pending)" if status == "pending" else "")
            for number, name, status in regions
        ],
    }


def activity_sites(*, session: Session, filters: Filters) -> pd.DataFrame:
    """The sites of the activities in scope, for the map.

    Columns: activity_id, title, status, progress_pct, lead, demo, site, latitude, longitude.
    """
    state = progress_at(filters)
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            Organisation.c.name,
            Activity.c.demo,
            Site.c.name,
            Site.c.latitude,
            Site.c.longitude,
        )
        .join(state, state.c.activity_id == Site.c.activity_id)
        .join(Activity, Activity.c.id == Site.c.activity_id)
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .order_by(Activity.c.activity_id, Site.c.id)
    )
    frame = to_frame(
        session,
        statement,
        [
            "activity_id",
            "title",
            "status",
            "progress_pct",
            "lead",
            "demo",
            "site",
            "latitude",
            "longitude",
        ],
    )
    frame["lead"] = frame["lead"].astype(object).where(frame["lead"].notna(), "")
    return frame


def activities_in_place(*, session: Session, filters: Filters, place: str | None) -> pd.DataFrame:
    """The activities in scope in `place` ("country:KAZ", "ptcr:9"; all when None).

    Columns: activity_id, title, status, progress_pct, counted, lead, countries and ptcrs
    (`;`-joined), start_date, end_date, demo; highest progress first.
    """
    country, region = parse_place(place)
    state = progress_at(filters)
    countries = (
        select(
            ActivityCountry.c.activity_id,
            func.aggregate_strings(ActivityCountry.c.country_iso3, ";").label("codes"),
        )
        .group_by(ActivityCountry.c.activity_id)
        .subquery("activity_countries")
    )
    regions = (
        select(
            ActivityRegion.c.activity_id,
            func.aggregate_strings(cast(ActivityRegion.c.region_number, String), ";").label(
                "codes"
            ),
        )
        .group_by(ActivityRegion.c.activity_id)
        .subquery("activity_regions")
    )
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            state.c.counted,
            Organisation.c.name,
            countries.c.codes,
            regions.c.codes,
            Activity.c.start_date,
            Activity.c.end_date,
            Activity.c.demo,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .outerjoin(countries, countries.c.activity_id == Activity.c.id)
        .outerjoin(regions, regions.c.activity_id == Activity.c.id)
        .order_by(state.c.progress.desc(), Activity.c.activity_id)
    )
    if country is not None:
        statement = statement.where(
            Activity.c.id.in_(
                select(ActivityCountry.c.activity_id).where(
                    ActivityCountry.c.country_iso3 == country
                )
            )
        )
    if region is not None:
        statement = statement.where(
            Activity.c.id.in_(
                select(ActivityRegion.c.activity_id).where(ActivityRegion.c.region_number == region)
            )
        )
    frame = to_frame(
        session,
        statement,
        [
            "activity_id",
            "title",
            "status",
            "progress_pct",
            "counted",
            "lead",
            "countries",
            "ptcrs",
            "start_date",
            "end_date",
            "demo",
        ],
    )
    frame["counted"] = frame["counted"].astype(bool)
    for column, key in (("countries", str), ("ptcrs", int)):
        frame[column] = [
            ";".join(sorted(str(value).split(";"), key=key)) if pd.notna(value) and value else ""
            for value in frame[column]
        ]
    return frame


def place_options(*, session: Session) -> list[tuple[str, str]]:
    """(value, label) for the map's place selector: "country:KAZ", "ptcr:9", ...

    Range states by name, then the PTCRs by number (pending ones marked).
    """
    countries = session.execute(
        select(Country.c.iso3, Country.c.name).where(Country.c.range_state).order_by(Country.c.name)
    ).all()
    regions = session.execute(
        select(Region.c.number, Region.c.name, Region.c.pallas_status).order_by(Region.c.number)
    ).all()
    return [(f"country:{iso3}", f"{name} ({iso3})") for iso3, name in countries] + [
        (
            f"ptcr:{number}",
            f"PTCR {number} {name}" + (" (pending)" if status == "pending" else ""),
        )
        for number, name, status in regions
    ]


def parse_place(value: str | None) -> tuple[str | None, int | None]:
    """("KAZ", None) for "country:KAZ", (None, 9) for "ptcr:9", (None, None) otherwise."""
    kind, _, key = (value or "").partition(":")
    if kind == "country" and key:
        return key, None
    if kind == "ptcr" and key.isdigit():
        return None, int(key)
    return None, None

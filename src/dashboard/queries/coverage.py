"""Where in the range the work happens: activities, completion and funding per range state and
per PTCR, the places with no activity at all, the activity sites for the map and the
activities in one place.

An activity in several range states (or PTCRs) counts in each of them: the activity counts
do not add up to a total. Its funding is split evenly between them (a grant to an activity in
five range states counts one fifth in each), so each funding column adds up to the funding of
the activities recorded in any range state (or PTCR), and no country shows another's money as
its own. Completion is the plain mean progress of the counted activities
(as of the filters' date; cancelled not counted, completed 100 %). Funding stays per currency.
Each query computes the activities in scope once (`progress_at`) and aggregates in SQL.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Select,
    String,
    Table,
    case,
    cast,
    distinct,
    false,
    func,
    or_,
    select,
    true,
)
from sqlmodel import Session

from dashboard.filters import Filters
from dashboard.queries.scope import (
    Activity,
    ActivityCountry,
    ActivityRegion,
    Country,
    Funding,
    Organisation,
    Region,
    RegionCountry,
    Site,
    mean_progress,
    progress_at,
    to_frame,
)

FUNDING_PREFIX = "funding_"
# The map draws at most this many site points (about 0.5 MB of map data). More sites than
# that are grouped in square cells of the finest of these grids (degrees) that keeps within
# it; the coarsest keeps any spread of sites, the whole globe's, within it.
MAP_POINTS = 2000
SITE_GRIDS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def _coverage_rows(place: Column[Any], links: Table, filters: Filters) -> tuple[Any, Any]:
    """Per place, from one computation of the activities in scope: the work there
    (activities, cancelled included; counted; mean completion) and its funding per currency,
    each grant split evenly between the places of its activity (all of them, whatever the
    filters: a filter chooses activities, not how their grants divide)."""
    state = progress_at(filters)
    places = (
        select(links.c.activity_id, func.count().label("places"))
        .group_by(links.c.activity_id)
        .subquery("places")
    )
    work = (
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
    money = (
        select(
            place.label("place"),
            Funding.c.currency,
            # As a float on both backends: SQLite divides integers as integers.
            func.sum(cast(Funding.c.amount, Float) / places.c.places).label("amount"),
        )
        .join(state, state.c.activity_id == links.c.activity_id)
        .join(places, places.c.activity_id == links.c.activity_id)
        .join(Funding, Funding.c.activity_id == links.c.activity_id)
        .group_by(place, Funding.c.currency)
    )
    if not filters.include_demo:
        money = money.where(Funding.c.demo == false())
    if filters.as_of:
        money = money.where(Funding.c.year <= filters.as_of.year)
    return work, money.subquery("money")


def _with_funding(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """One row per place (in the rows' order) with `funding_<CUR>` columns, from rows with
    one line per place and currency (currency None where a place has no funding)."""
    money = rows.dropna(subset=["currency"])
    frame = (
        rows.drop(columns=["currency", "amount"])
        .drop_duplicates(key)
        .reset_index(drop=True)
        .astype({"activities": int, "counted": int})
    )
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    wide = money.assign(amount=money["amount"].astype(float)).pivot_table(
        index=key, columns="currency", values="amount", aggfunc="sum", fill_value=0.0
    )
    wide.columns = [f"{FUNDING_PREFIX}{currency}" for currency in wide.columns]
    joined = frame.merge(wide, how="left", left_on=key, right_index=True)
    for column in wide.columns:
        # A split grant leaves fractions of a cent: kept to the cent, as amounts are recorded.
        joined[column] = joined[column].fillna(0.0).astype(float).round(2)
    return joined


def coverage_by_country(session: Session, *, filters: Filters) -> pd.DataFrame:
    """Every range state with the work there, including those with none.

    Columns: iso3, name, cms_party, cami_range_state, activities (cancelled included),
    counted, completion_pct (None without a counted activity), then `funding_<CUR>` per
    currency (each grant split evenly between its activity's range states). Ordered by
    activities, most first, then name.
    """
    work, money = _coverage_rows(ActivityCountry.c.country_iso3, ActivityCountry, filters)
    activities = func.coalesce(work.c.activities, 0)
    statement = (
        select(
            Country.c.iso3,
            Country.c.name,
            Country.c.cms_party,
            Country.c.cami_range_state,
            activities,
            func.coalesce(work.c.counted, 0),
            work.c.completion_pct,
            money.c.currency,
            money.c.amount,
        )
        .outerjoin(work, work.c.place == Country.c.iso3)
        .outerjoin(money, money.c.place == Country.c.iso3)
        .where(Country.c.range_state)
        .order_by(activities.desc(), Country.c.name, money.c.currency)
    )
    rows = to_frame(
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
            "currency",
            "amount",
        ],
    )
    return _with_funding(rows, "iso3")


def coverage_by_region(session: Session, *, filters: Filters) -> pd.DataFrame:
    """Every PTCR that lists the Pallas's cat with the work there, including those with none.

    Columns: number, name, pallas_status, countries (`;`-joined ISO3), latitude, longitude,
    position_derived, activities, counted, completion_pct, then `funding_<CUR>` per currency
    (each grant split evenly between its activity's PTCRs). In PTCR number order.
    """
    work, money = _coverage_rows(ActivityRegion.c.region_number, ActivityRegion, filters)
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
            money.c.currency,
            money.c.amount,
        )
        .outerjoin(work, work.c.place == Region.c.number)
        .outerjoin(members, members.c.region_number == Region.c.number)
        .outerjoin(money, money.c.place == Region.c.number)
        .order_by(Region.c.number, money.c.currency)
    )
    rows = to_frame(
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
            "currency",
            "amount",
        ],
    )
    frame = _with_funding(rows, "number")
    frame["countries"] = [
        ";".join(sorted(str(value).split(";"))) if pd.notna(value) and value else ""
        for value in frame["countries"]
    ]
    return frame


def coverage_gaps(*, countries: pd.DataFrame, regions: pd.DataFrame) -> dict[str, list[str]]:
    """The range states and PTCRs with no activity at all in scope, by name, from
    `coverage_by_country` and `coverage_by_region` (no second pass over the store).

    Keys: countries ("Nepal", ...), regions ("10 Daurian Steppe (pending)", ...).
    """
    # Both frames are in the order wanted: countries with none come last, by name (as the
    # database sorts names); PTCRs by number.
    idle_countries = countries[countries["activities"] == 0]
    idle_regions = regions[regions["activities"] == 0]
    return {
        "countries": [str(name) for name in idle_countries["name"]],
        "regions": [
            f"{number} {name}" + (" (pending)" if status == "pending" else "")
            for number, name, status in zip(
                idle_regions["number"],
                idle_regions["name"],
                idle_regions["pallas_status"],
                strict=True,
            )
        ],
    }


def _cell(latitude: Any, longitude: Any, grid: float) -> Any:
    """One integer per square cell of `grid` degrees. In whole micro-degrees, so that both
    databases put a site on a cell's edge in the same cell (their round() breaks ties
    differently; integer division is the same)."""
    size = round(grid * 1_000_000)
    row = cast(func.round((latitude + 90) * 1_000_000), BigInteger) // size
    column = cast(func.round((longitude + 180) * 1_000_000), BigInteger) // size
    return row * 1_000_000 + column


def _cells_at_most(located: Any, grid: float) -> Any:
    """An upper bound of the cells of `grid` degrees the located sites fall in: the cells
    their bounding box spans (cheap: no distinct count)."""
    rows = (func.max(located.c.latitude) - func.min(located.c.latitude)) / grid + 2
    columns = (func.max(located.c.longitude) - func.min(located.c.longitude)) / grid + 2
    return rows * columns


def site_points(session: Session, *, filters: Filters, limit: int = MAP_POINTS) -> pd.DataFrame:
    """The sites of the activities in scope as the map's points: one per site when there are
    at most `limit` sites, else one per cell of the finest grid in `SITE_GRIDS` whose cells
    over the sites' bounding box are at most `limit` (else the coarsest). Every site in scope
    is in exactly one point.

    One row per point and example activity: the first and the last recorded of its
    activities (one row when they are the same), points in the order of their first
    activity. Columns: point (a key), latitude, longitude (the mean of its sites), grid (the
    cell size in degrees, 0 when each site is its own point), sites, activities (distinct),
    then of the example: activity_id, title, status and progress_pct (None when the point
    has several activities), lead ("" if none), demo, and site (the site's name when the
    point is one site, else "").
    """
    state = progress_at(filters)
    located = (
        select(
            Site.c.id.label("site_id"),
            Site.c.activity_id,
            Site.c.name,
            Site.c.latitude,
            Site.c.longitude,
            state.c.status,
            state.c.progress,
        )
        .join(state, state.c.activity_id == Site.c.activity_id)
        .cte("located")
    )
    # Level 0: every site its own point; level n: cells of SITE_GRIDS[n - 1] degrees. Bounds
    # rather than distinct counts: one cheap pass, no sorting.
    choice = select(
        case(
            (func.count() <= limit, 0),
            *(
                (_cells_at_most(located, grid) <= limit, level)
                for level, grid in enumerate(SITE_GRIDS, 1)
            ),
            else_=len(SITE_GRIDS),
        ).label("level")
    ).subquery("choice")
    point = case(
        (choice.c.level == 0, located.c.site_id),
        *(
            (choice.c.level == level, _cell(located.c.latitude, located.c.longitude, grid))
            for level, grid in enumerate(SITE_GRIDS, 1)
        ),
    ).label("point")
    keyed = select(located, choice.c.level, point).join(choice, true()).subquery("keyed")
    activities = func.count(distinct(keyed.c.activity_id))
    sites = func.count()
    # What only a point of one activity (or one site) shows comes along in the aggregate: no
    # second look-up of the activities' state or of the sites.
    points = (
        select(
            keyed.c.point,
            keyed.c.level,
            func.avg(keyed.c.latitude).label("latitude"),
            func.avg(keyed.c.longitude).label("longitude"),
            sites.label("sites"),
            activities.label("activities"),
            func.min(keyed.c.activity_id).label("first"),
            func.max(keyed.c.activity_id).label("last"),
            case((activities == 1, func.min(keyed.c.status))).label("status"),
            case((activities == 1, func.min(keyed.c.progress))).label("progress"),
            case((sites == 1, func.min(keyed.c.name)), else_="").label("site"),
        )
        .group_by(keyed.c.point, keyed.c.level)
        .subquery("points")
    )
    statement = (
        select(
            points.c.point,
            points.c.latitude,
            points.c.longitude,
            points.c.level,
            points.c.sites,
            points.c.activities,
            Activity.c.activity_id,
            Activity.c.title,
            points.c.status,
            points.c.progress,
            Organisation.c.name,
            Activity.c.demo,
            points.c.site,
        )
        .select_from(points)
        .join(Activity, or_(Activity.c.id == points.c.first, Activity.c.id == points.c.last))
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .order_by(points.c.first, points.c.point, Activity.c.id)
    )
    frame = to_frame(
        session,
        statement,
        [
            "point",
            "latitude",
            "longitude",
            "grid",
            "sites",
            "activities",
            "activity_id",
            "title",
            "status",
            "progress_pct",
            "lead",
            "demo",
            "site",
        ],
    )
    frame["grid"] = [0.0 if not level else SITE_GRIDS[int(level) - 1] for level in frame["grid"]]
    frame["lead"] = frame["lead"].astype(object).where(frame["lead"].notna(), "")
    return frame


def _in_place(statement: Select[Any], activity: Any, place: str | None) -> Select[Any]:
    """`statement` narrowed to the activities (ids in `activity`) in `place`."""
    country, region = parse_place(place)
    if country is not None:
        statement = statement.where(
            activity.in_(
                select(ActivityCountry.c.activity_id).where(
                    ActivityCountry.c.country_iso3 == country
                )
            )
        )
    if region is not None:
        statement = statement.where(
            activity.in_(
                select(ActivityRegion.c.activity_id).where(ActivityRegion.c.region_number == region)
            )
        )
    return statement


def activities_in_place_count(session: Session, *, filters: Filters, place: str | None) -> int:
    """How many activities `activities_in_place` lists (without its offset and limit)."""
    state = progress_at(filters)
    statement = _in_place(select(func.count()).select_from(state), state.c.activity_id, place)
    return int(session.execute(statement).scalar_one())


def activities_in_place(
    session: Session,
    *,
    filters: Filters,
    place: str | None,
    offset: int = 0,
    limit: int | None = None,
) -> pd.DataFrame:
    """The activities in scope in `place` ("country:KAZ", "ptcr:9"; all when None), highest
    progress first; with `offset` and `limit`, only those rows of that order (one page).

    Columns: activity_id, title, status, progress_pct, counted, lead, countries and ptcrs
    (`;`-joined), start_date, end_date, demo.
    """
    state = progress_at(filters)
    # The order is decided on narrow rows; the rest is read for the chosen rows only.
    chosen = _in_place(
        select(
            Activity.c.id,
            Activity.c.activity_id,
            state.c.status,
            state.c.progress,
            state.c.counted,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .order_by(state.c.progress.desc().nulls_last(), Activity.c.activity_id)
        .offset(offset or None)
        .limit(limit),
        Activity.c.id,
        place,
    ).cte("chosen")
    details = Activity.alias("details")
    # The lists are gathered for the chosen rows only: a page costs what a page does.
    countries = (
        select(
            ActivityCountry.c.activity_id,
            func.aggregate_strings(ActivityCountry.c.country_iso3, ";").label("codes"),
        )
        .where(ActivityCountry.c.activity_id.in_(select(chosen.c.id)))
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
        .where(ActivityRegion.c.activity_id.in_(select(chosen.c.id)))
        .group_by(ActivityRegion.c.activity_id)
        .subquery("activity_regions")
    )
    statement = (
        select(
            chosen.c.activity_id,
            details.c.title,
            chosen.c.status,
            chosen.c.progress,
            chosen.c.counted,
            Organisation.c.name,
            countries.c.codes,
            regions.c.codes,
            details.c.start_date,
            details.c.end_date,
            details.c.demo,
        )
        .select_from(chosen)
        .join(details, details.c.id == chosen.c.id)
        .outerjoin(Organisation, Organisation.c.id == details.c.lead_organisation_id)
        .outerjoin(countries, countries.c.activity_id == chosen.c.id)
        .outerjoin(regions, regions.c.activity_id == chosen.c.id)
        .order_by(chosen.c.progress.desc().nulls_last(), chosen.c.activity_id)
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


def place_options(session: Session) -> list[tuple[str, str]]:
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

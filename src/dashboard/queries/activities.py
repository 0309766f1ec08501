"""The activities explorer: one row per activity in scope, its links as lists.

The listing is what the explorer shows and exactly what its CSV download and
`dashboard export` write: the same function, the same rows in the same order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, String, cast, exists, false, func, or_, select, union
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dashboard import models as m
from dashboard.filters import Filters
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
    Region,
    progress_at,
    to_frame,
)

# Joins a list inside SQL; no code, ISO3, PTCR number or organisation name contains it.
_SEPARATOR = "\x1f"

LIST_COLUMNS = ("countries", "ptcrs", "partners", "funders")
# The listing's columns, in order; the two framework columns are named after the frameworks'
# codes (strategy, cami) and inserted after the title.
BASE_COLUMNS = (
    "activity_id",
    "title",
    "countries",
    "ptcrs",
    "lead",
    "partners",
    "funders",
    "status",
    "progress_pct",
    "start_date",
    "end_date",
    "source_url",
    "demo",
)
DEFAULT_SORT = "activity_id"
# The columns the explorer offers to sort by (any listing column works).
SORT_COLUMNS = (
    "activity_id",
    "title",
    "status",
    "progress_pct",
    "start_date",
    "end_date",
    "countries",
    "ptcrs",
    "lead",
    "funders",
    "demo",
)


def aggregate_list(column: ColumnElement[Any]) -> ColumnElement[str]:
    """The values of `column` in a group as one string (group_concat / string_agg).

    SQLAlchemy renders `aggregate_strings` for the dialect: group_concat on SQLite,
    string_agg on PostgreSQL. Order is not guaranteed, so callers sort after splitting.
    """
    return func.aggregate_strings(cast(column, String), _SEPARATOR)


def natural_key(text: str) -> list[Any]:
    """Sort "CAMI-4" before "CAMI-10" and "S1.2" before "S1.10"."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text)]


def _split(value: object) -> list[str]:
    if not isinstance(value, str) or not value:
        return []
    return sorted(set(value.split(_SEPARATOR)), key=natural_key)


def funded_by(funders: Sequence[str], *, include_demo: bool = True) -> ColumnElement[bool]:
    """Activities funded by any of `funders` (slugs): a funding record or a funder link."""
    chosen = select(Organisation.c.id).where(Organisation.c.slug.in_(tuple(funders)))
    grant = exists().where(Funding.c.activity_id == Activity.c.id, Funding.c.funder_id.in_(chosen))
    if not include_demo:
        grant = exists().where(
            Funding.c.activity_id == Activity.c.id,
            Funding.c.funder_id.in_(chosen),
            Funding.c.demo == false(),
        )
    link = exists().where(
        ActivityOrganisation.c.activity_id == Activity.c.id,
        ActivityOrganisation.c.role == "funder",
        ActivityOrganisation.c.organisation_id.in_(chosen),
    )
    return or_(grant, link)


def _matches(search: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on id, title and description (LIKE wildcards escaped).

    PostgreSQL folds case for every alphabet; SQLite's lower() folds ASCII letters only.
    """
    term = search.strip()
    return or_(
        Activity.c.activity_id.icontains(term, autoescape=True),
        Activity.c.title.icontains(term, autoescape=True),
        Activity.c.description.icontains(term, autoescape=True),
    )


def _lists(filters: Filters) -> dict[str, Select[Any]]:
    """Per list column: (activity_id, aggregated string), one row per activity with any."""
    partner = aliased(Organisation)
    funder_links = select(
        ActivityOrganisation.c.activity_id.label("activity_id"), partner.c.name.label("name")
    ).where(
        ActivityOrganisation.c.role == "funder",
        partner.c.id == ActivityOrganisation.c.organisation_id,
    )
    grants = select(
        Funding.c.activity_id.label("activity_id"), Organisation.c.name.label("name")
    ).where(Organisation.c.id == Funding.c.funder_id)
    if not filters.include_demo:
        grants = grants.where(Funding.c.demo == false())
    funders = union(funder_links, grants).subquery("funder_names")
    return {
        "countries": select(
            ActivityCountry.c.activity_id, aggregate_list(ActivityCountry.c.country_iso3)
        ).group_by(ActivityCountry.c.activity_id),
        "ptcrs": select(
            ActivityRegion.c.activity_id, aggregate_list(ActivityRegion.c.region_number)
        ).group_by(ActivityRegion.c.activity_id),
        "partners": select(ActivityOrganisation.c.activity_id, aggregate_list(partner.c.name))
        .join(partner, partner.c.id == ActivityOrganisation.c.organisation_id)
        .where(ActivityOrganisation.c.role == "partner")
        .group_by(ActivityOrganisation.c.activity_id),
        "funders": select(funders.c.activity_id, aggregate_list(funders.c.name)).group_by(
            funders.c.activity_id
        ),
    }


def framework_codes(*, session: Session) -> list[str]:
    """The frameworks' codes in period order: the listing has one column of item codes each."""
    return list(
        session.execute(select(Framework.c.code).order_by(Framework.c.period_start)).scalars()
    )


def activity_listing(
    *,
    session: Session,
    filters: Filters,
    funders: tuple[str, ...] = (),
    search: str = "",
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> pd.DataFrame:
    """Every activity in scope with its framework codes, places, organisations and state.

    Columns: activity_id, title, one column per framework (its item codes, e.g. strategy,
    cami), countries (ISO3), ptcrs (numbers), lead (name), partners and funders (names;
    funders from funding records and funder links), status and progress_pct as of the filters' date,
    start_date, end_date, source_url, demo. List columns hold sorted Python lists.
    `funders` (slugs) keeps activities funded by any of them; `search` matches id, title
    and description. Rows are sorted by `sort` (ties and empty cells: by activity_id, empty
    last).
    """
    state = progress_at(filters)
    lead = aliased(Organisation)
    frameworks = framework_codes(session=session)
    item_lists = {
        code: select(ActivityItem.c.activity_id, aggregate_list(FrameworkItem.c.code))
        .join(FrameworkItem, FrameworkItem.c.id == ActivityItem.c.item_id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .where(Framework.c.code == code)
        .group_by(ActivityItem.c.activity_id)
        .subquery(f"items_{index}")
        for index, code in enumerate(frameworks)
    }
    joined = {name: query.subquery(f"list_{name}") for name, query in _lists(filters).items()}
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            *(subquery.c[1] for subquery in item_lists.values()),
            *(joined[name].c[1] for name in ("countries", "ptcrs")),
            lead.c.name,
            *(joined[name].c[1] for name in ("partners", "funders")),
            state.c.status,
            state.c.progress,
            Activity.c.start_date,
            Activity.c.end_date,
            Activity.c.source_url,
            Activity.c.demo,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .outerjoin(lead, lead.c.id == Activity.c.lead_organisation_id)
    )
    for subquery in item_lists.values():
        statement = statement.outerjoin(subquery, subquery.c.activity_id == Activity.c.id)
    for subquery in joined.values():
        statement = statement.outerjoin(subquery, subquery.c.activity_id == Activity.c.id)
    if funders:
        statement = statement.where(funded_by(funders, include_demo=filters.include_demo))
    if search.strip():
        statement = statement.where(_matches(search))
    columns = listing_columns(frameworks)
    frame = to_frame(session, statement, columns)
    for name in (*frameworks, *LIST_COLUMNS):
        frame[name] = frame[name].map(_split).astype(object)
    frame["progress_pct"] = frame["progress_pct"].astype(float)
    frame["demo"] = frame["demo"].astype(bool)
    return sort_listing(frame, sort, descending=descending)


def listing_columns(frameworks: Sequence[str]) -> list[str]:
    """The listing's column names, given the frameworks' codes."""
    return [*BASE_COLUMNS[:2], *frameworks, *BASE_COLUMNS[2:]]


def _sort_key(series: pd.Series) -> pd.Series:
    if series.dtype == object:
        key: Callable[[Any], Any] = lambda value: (  # noqa: E731
            ";".join(map(str, value)).casefold()
            if isinstance(value, list)
            else (value.casefold() if isinstance(value, str) else value)
        )
        mapped = series.map(key)
        # Empty lists sort with the empty cells: last.
        return mapped.where(mapped != "", None)
    return series


def sort_listing(frame: pd.DataFrame, sort: str, *, descending: bool = False) -> pd.DataFrame:
    """Rows by `sort` (case-insensitive, empty last), ties by activity_id; index 0..n-1.

    Sorted here, not in SQL, so SQLite and PostgreSQL (whose text collations differ) give
    the same order, and so list columns sort by their sorted contents.
    """
    column = sort if sort in frame.columns else DEFAULT_SORT
    ordered = frame.sort_values("activity_id", kind="stable")
    if column != "activity_id" or descending:
        ordered = ordered.sort_values(
            column,
            ascending=not descending,
            kind="stable",
            na_position="last",
            key=_sort_key,
        )
    return ordered.reset_index(drop=True)


def listing_filters(
    *,
    session: Session,
    countries: Sequence[str] = (),
    regions: Sequence[int] = (),
    organisations: Sequence[str] = (),
    funders: Sequence[str] = (),
    statuses: Sequence[str] = (),
    items: Mapping[str, Sequence[str]] | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    as_of: dt.date | None = None,
    include_demo: bool = True,
) -> tuple[Filters, tuple[str, ...]]:
    """Filters (and funder slugs) for the listing from command-line values, as the page sets them.

    Countries are ISO3 codes, organisations and funders slugs or names (any case), items are
    codes per framework code ({"strategy": ["S1"], "cami": ["CAMI-10"]}). A year at or beyond
    the data's period and an as-of date of today mean "no restriction", as on the page, so
    the export's filename matches the page's. Unknown values raise ValueError naming the
    valid ones.
    """

    def pick(kind: str, given: Sequence[Any], known: Mapping[Any, Any]) -> tuple[Any, ...]:
        chosen = []
        for value in given:
            if value not in known:
                listed = ", ".join(sorted(set(map(str, known.values())))) or "none"
                raise ValueError(f"unknown {kind} {value!r}; known: {listed}")
            chosen.append(known[value])
        return tuple(dict.fromkeys(chosen))

    def by_slug_or_name(rows: Sequence[tuple[str, str]]) -> dict[str, str]:
        known = {name.casefold(): slug for slug, name in rows}
        known.update({slug.casefold(): slug for slug, _ in rows})
        return known

    country_codes = session.execute(select(Country.c.iso3).where(Country.c.range_state)).scalars()
    region_numbers = session.execute(select(Region.c.number)).scalars()
    every_organisation = session.execute(select(Organisation.c.slug, Organisation.c.name)).all()
    funder_rows = session.execute(
        select(Organisation.c.slug, Organisation.c.name).where(
            or_(
                Organisation.c.id.in_(select(Funding.c.funder_id)),
                Organisation.c.id.in_(
                    select(ActivityOrganisation.c.organisation_id).where(
                        ActivityOrganisation.c.role == "funder"
                    )
                ),
            )
        )
    ).all()
    chosen_items: list[str] = []
    for framework, codes in (items or {}).items():
        known_codes = session.execute(
            select(FrameworkItem.c.code)
            .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
            .where(Framework.c.code == framework)
        ).scalars()
        chosen_items += pick(f"{framework} item", codes, {code: code for code in known_codes})
    first, last = session.execute(
        select(
            func.min(Activity.c.start_date),
            func.max(func.coalesce(Activity.c.end_date, Activity.c.start_date)),
        )
    ).one()
    horizon = session.execute(select(func.max(Framework.c.period_end))).scalar_one_or_none()
    first_year = first.year if first else None
    last_year = max(last.year if last else 0, horizon or 0)
    filters = Filters(
        countries=pick("country", [c.upper() for c in countries], {c: c for c in country_codes}),
        regions=pick("PTCR", regions, {n: n for n in region_numbers}),
        organisations=pick(
            "organisation",
            [o.casefold() for o in organisations],
            by_slug_or_name([(slug, name) for slug, name in every_organisation]),
        ),
        statuses=pick("status", statuses, {s: s for s in m.ACTIVITY_STATUSES}),
        items=tuple(dict.fromkeys(chosen_items)),
        start=dt.date(start_year, 1, 1)
        if start_year and (first_year is None or start_year > first_year)
        else None,
        end=dt.date(end_year, 12, 31) if end_year and end_year < last_year else None,
        include_demo=include_demo,
        as_of=as_of if as_of and as_of != dt.date.today() else None,
    )
    funder_slugs = pick(
        "funder",
        [f.casefold() for f in funders],
        by_slug_or_name([(slug, name) for slug, name in funder_rows]),
    )
    return filters, funder_slugs

"""The activities explorer: one row per activity in scope, its links as lists.

The listing is what the explorer shows and exactly what its CSV download and
`dashboard export` write: the same function, the same rows in the same order.
"""

from __future__ import annotations

import datetime as dt
import heapq
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    case,
    cast,
    exists,
    false,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from dashboard import filters as shared
from dashboard import models as m
from dashboard.filters import Filters
from dashboard.provisional import codes_header
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
# The listing's columns, in order: an activity's own fields listed before its links
# (models.ActivityFields), its places and organisations, then its other listed own fields; the
# framework columns are named after the frameworks' codes (strategy, cami; a provisional
# structure's marked so, see `_headed`) and inserted after the title.
BASE_COLUMNS = (
    *(use.name for use in m.activity_fields() if use.listed == "before links"),
    "countries",
    "ptcrs",
    "lead",
    "partners",
    "funders",
    *(use.name for use in m.activity_fields() if use.listed == "after links"),
)
DEFAULT_SORT = "activity_id"
# Sorted in SQL, one page at a time: codes, fixed words, numbers, dates and flags, whose order
# is the same in Python, SQLite and PostgreSQL, and free text (title, lead) by its stored
# case-folded key (models.sort_key: PostgreSQL's lower() depends on the database's locale,
# SQLite's folds ASCII only). Lists sort by their sorted contents, in Python, so both
# backends agree.
SQL_SORTS = (
    "activity_id",
    "title",
    "lead",
    "status",
    "progress_pct",
    "start_date",
    "end_date",
    "demo",
)
# Free text sorted in SQL by its stored key (models.sort_key).
_FOLDED = ("title", "lead")
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


class by_code_point(FunctionElement[str]):  # noqa: N801 (an SQL function's name)
    """A text compared character by character (code point order), as Python compares str:
    SQLite's default; PostgreSQL's COLLATE "C", whatever the database's own collation."""

    type = String()
    inherit_cache = True


@compiles(by_code_point)
def _by_code_point(element: by_code_point, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(by_code_point, "postgresql")
def _by_code_point_postgresql(element: by_code_point, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)}) COLLATE "C"'


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


def funded_by(funders: Sequence[str], *, include_demo: bool = False) -> ColumnElement[bool]:
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


def _lists(filters: Filters, ids: Sequence[int] | None = None) -> dict[str, Select[Any]]:
    """Per list column: (activity_id, aggregated string), one row per activity with any
    (of the activities `ids` only, when given)."""
    partner = aliased(Organisation)
    funder = aliased(Organisation)
    # Funders from links and from funding records, told apart by id (cheaper to deduplicate
    # than names; `_split` drops a name listed twice).
    funder_links = select(
        ActivityOrganisation.c.activity_id.label("activity_id"),
        ActivityOrganisation.c.organisation_id.label("organisation_id"),
    ).where(ActivityOrganisation.c.role == "funder")
    grants = select(
        Funding.c.activity_id.label("activity_id"), Funding.c.funder_id.label("organisation_id")
    )
    if not filters.include_demo:
        grants = grants.where(Funding.c.demo == false())
    if ids is not None:
        funder_links = funder_links.where(ActivityOrganisation.c.activity_id.in_(ids))
        grants = grants.where(Funding.c.activity_id.in_(ids))
    funders = union(funder_links, grants).subquery("funder_ids")
    lists = {
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
        "funders": select(funders.c.activity_id, aggregate_list(funder.c.name))
        .join(funder, funder.c.id == funders.c.organisation_id)
        .group_by(funders.c.activity_id),
    }
    if ids is not None:
        for name, links in (
            ("countries", ActivityCountry),
            ("ptcrs", ActivityRegion),
            ("partners", ActivityOrganisation),
        ):
            lists[name] = lists[name].where(links.c.activity_id.in_(ids))
    return lists


def framework_codes(session: Session) -> list[str]:
    """The frameworks' codes in period order: the listing has one column of item codes each."""
    return list(
        session.execute(select(Framework.c.code).order_by(Framework.c.period_start)).scalars()
    )


def provisional_frameworks(session: Session) -> frozenset[str]:
    """The codes of the frameworks with any item of a provisional working structure."""
    return frozenset(
        session.execute(
            select(Framework.c.code)
            .join(FrameworkItem, FrameworkItem.c.framework_id == Framework.c.id)
            .where(FrameworkItem.c.provisional)
            .distinct()
        ).scalars()
    )


def _headed(frame: pd.DataFrame, *, session: Session, frameworks: Sequence[str]) -> pd.DataFrame:
    """The listing as shown and downloaded: the column of a provisional structure's codes
    headed so ("strategy (provisional structure)"), so that a spreadsheet says it too."""
    marked = provisional_frameworks(session=session)
    return frame.rename(columns={code: codes_header(code, code in marked) for code in frameworks})


def _listing_select(
    *,
    filters: Filters,
    frameworks: Sequence[str],
    columns: Sequence[str],
    funders: tuple[str, ...] = (),
    search: str = "",
    ids: Sequence[int] | None = None,
    order: tuple[str, bool] | None = None,
) -> Select[Any]:
    """Activity.id and the listing's `columns` (lists as aggregated strings) of every activity
    in scope, or of the activities `ids` (Activity primary keys) only; with `order` (one of
    SQL_SORTS, descending), in the listing's order.

    Only what `columns` needs is joined, so the query that orders the listing reads no
    column but the sort key, and the query for one page's ids aggregates the lists of those
    ids only.
    """
    within = None if ids is None else select(Activity.c.id).where(Activity.c.id.in_(ids))
    state = progress_at(filters, within=within)
    lead = aliased(Organisation)
    plain: dict[str, ColumnElement[Any]] = {
        **{use.name: Activity.c[use.name] for use in m.activity_fields() if use.listed},
        "lead": lead.c.name,
        # As of the filters' date, not the activity's latest.
        "status": state.c.status,
        "progress_pct": state.c.progress,
    }
    item_lists = {
        code: (
            f"items_{index}",
            select(ActivityItem.c.activity_id, aggregate_list(FrameworkItem.c.code))
            .join(FrameworkItem, FrameworkItem.c.id == ActivityItem.c.item_id)
            .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
            .where(
                Framework.c.code == code,
                *(() if ids is None else (ActivityItem.c.activity_id.in_(ids),)),
            )
            .group_by(ActivityItem.c.activity_id),
        )
        for index, code in enumerate(frameworks)
    }
    other_lists = {name: (f"list_{name}", query) for name, query in _lists(filters, ids).items()}
    statement = select(Activity.c.id).join(state, state.c.activity_id == Activity.c.id)
    if "lead" in columns or (order is not None and order[0] == "lead"):
        statement = statement.outerjoin(lead, lead.c.id == Activity.c.lead_organisation_id)
    joined: dict[str, ColumnElement[Any]] = {}
    for name, (alias, query) in {**item_lists, **other_lists}.items():
        if name in columns:
            subquery = query.subquery(alias)
            statement = statement.outerjoin(subquery, subquery.c.activity_id == Activity.c.id)
            joined[name] = subquery.c[1]
    statement = statement.add_columns(
        *(joined[name] if name in joined else plain[name] for name in columns)
    )
    if funders:
        statement = statement.where(funded_by(funders, include_demo=filters.include_demo))
    if search.strip():
        statement = statement.where(_matches(search))
    if order is not None:
        column, descending = order
        # Free text by its stored case-folded key; an empty one sorts with the empty cells.
        folded = {"title": Activity.c.title_key, "lead": lead.c.name_key}
        value = func.nullif(folded[column], "") if column in folded else plain[column]
        statement = statement.order_by(*_sql_order(value, column, descending=descending))
    return statement


def _sql_order(value: ColumnElement[Any], column: str, *, descending: bool) -> list[Any]:
    """ORDER BY terms for a column of SQL_SORTS, as `sort_listing` orders it: empty cells
    last either way, ties by activity_id (ascending), text by code point."""
    identifier = by_code_point(Activity.c.activity_id)
    if column == "activity_id":
        return [identifier.desc() if descending else identifier.asc()]
    key = by_code_point(value) if column in ("status", *_FOLDED) else value
    return [(key.desc() if descending else key.asc()).nulls_last(), identifier.asc()]


def _split_each(texts: pd.Series) -> pd.Series:
    """`_split` of every cell: few distinct lists among many rows, so each text is split once."""
    parsed = {text: _split(text) for text in set(texts.dropna())}
    return texts.map(lambda text: parsed.get(text, [])).astype(object)


def _typed(frame: pd.DataFrame, frameworks: Sequence[str]) -> pd.DataFrame:
    """The listing's values from the query's: lists as sorted Python lists, a percentage (the
    progress) as a float, a flag (demo) as a bool (for whichever of those columns `frame` has)."""
    for name in (*frameworks, *LIST_COLUMNS):
        if name in frame.columns:
            frame[name] = _split_each(frame[name])
    for use in m.activity_fields():
        if use.name in frame.columns and use.kind in ("percentage", "flag"):
            frame[use.name] = frame[use.name].astype(float if use.kind == "percentage" else bool)
    return frame


def activity_listing(
    session: Session,
    *,
    filters: Filters,
    funders: tuple[str, ...] = (),
    search: str = "",
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> pd.DataFrame:
    """Every activity in scope with its framework codes, places, organisations and state.

    Columns: activity_id, title, one column per framework (its item codes, headed by the
    framework's code, e.g. cami, and "<code> (provisional structure)" for a framework with
    items of a provisional working structure), countries (ISO3), ptcrs (numbers), lead
    (name), partners and funders (names; funders from funding records and funder links),
    status and progress_pct as of the filters' date, start_date, end_date, source_url, demo.
    List columns hold sorted Python lists.
    `funders` (slugs) keeps activities funded by any of them; `search` matches id, title
    and description. Rows are sorted by `sort` (ties and empty cells: by activity_id, empty
    last). With `offset` or `limit`, only those rows of that order: one page, read as
    `listing_order` and `listing_rows` read it.
    """
    if offset or limit is not None:
        page = listing_order(
            session=session,
            filters=filters,
            funders=funders,
            search=search,
            sort=sort,
            descending=descending,
            offset=offset,
            limit=limit,
        )
        return listing_rows(session=session, filters=filters, ids=page)
    frameworks = framework_codes(session=session)
    columns = listing_columns(frameworks)
    column = sort if sort in columns else DEFAULT_SORT
    in_sql = column in SQL_SORTS
    statement = _listing_select(
        filters=filters,
        frameworks=frameworks,
        columns=columns,
        funders=funders,
        search=search,
        order=(column, descending) if in_sql else None,
    )
    frame = _typed(to_frame(session, statement, ["id", *columns]), frameworks).drop(columns="id")
    ordered = frame if in_sql else sort_listing(frame, column, descending=descending)
    return _headed(ordered, session=session, frameworks=frameworks)


def listing_order(
    session: Session,
    *,
    filters: Filters,
    funders: tuple[str, ...] = (),
    search: str = "",
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[int]:
    """The Activity primary keys of `activity_listing`'s rows, in its order: all of them, or
    `limit` of them from `offset` (one page). `listing_rows` then reads that page's rows.

    By a column of SQL_SORTS the database sorts and returns the page's keys alone. By a
    list (or the source link), every row's key is read and sorted here as `sort_listing`
    sorts.
    """
    frameworks = framework_codes(session=session)
    column = sort if sort in listing_columns(frameworks) else DEFAULT_SORT
    end = None if limit is None else offset + limit
    if column in SQL_SORTS:
        statement = _listing_select(
            filters=filters,
            frameworks=frameworks,
            columns=(),
            funders=funders,
            search=search,
            order=(column, descending),
        )
        if offset:
            statement = statement.offset(offset)
        if limit is not None:
            statement = statement.limit(limit)
        return [int(key) for key in session.execute(statement).scalars()]
    # Every row's key, in activity_id order (the ties' order), from the database.
    statement = _listing_select(
        filters=filters,
        frameworks=frameworks,
        columns=(column,),
        funders=funders,
        search=search,
        order=("activity_id", False),
    )
    rows = session.execute(statement).all()
    if column in (*frameworks, *LIST_COLUMNS):
        # A list's key straight from its aggregated text, once per distinct text: the key
        # `_sort_key` gives the list `_split` makes of it.
        keys = {text: _list_sort_key(text) for text in {row[1] for row in rows}}
        keyed = [(row[0], keys[row[1]]) for row in rows]
    else:
        keyed = [(row[0], _text_sort_key(row[1])) for row in rows]
    return [int(key) for key in _python_order(keyed, descending=descending, end=end)[offset:]]


def _text_sort_key(value: object) -> str | None:
    """What `_sort_key` gives a free-text cell: case-folded, None (last) when empty."""
    return value.casefold() or None if isinstance(value, str) else None


def _python_order(
    keyed: list[tuple[int, str | None]], *, descending: bool, end: int | None = None
) -> list[int]:
    """The ids of (id, key) rows given in activity_id order, in `sort_listing`'s order: by
    key (either way), ties by activity_id ascending, empty keys last; the first `end` only,
    when given (plain sorts: pandas' would build a frame of every row first)."""
    filled = [row for row in keyed if row[1] is not None]
    empty = [row for row in keyed if row[1] is None]
    # Python's sorts are stable also in reverse (ties keep their activity_id order), and
    # heapq's n smallest or largest are the first n of that sort, found without sorting all
    # (faster only for the first pages).
    by_key: Callable[[tuple[int, str | None]], Any] = operator.itemgetter(1)
    if end is None or end * 16 > len(filled):
        ordered = sorted(filled, key=by_key, reverse=descending)
    elif descending:
        ordered = heapq.nlargest(end, filled, key=by_key)
    else:
        ordered = heapq.nsmallest(end, filled, key=by_key)
    return [row[0] for row in (*ordered, *empty)][:end]


def listing_rows(session: Session, *, filters: Filters, ids: Sequence[int]) -> pd.DataFrame:
    """`activity_listing`'s rows for the activities `ids` (Activity primary keys, e.g. one
    page of `listing_order`), in the order of `ids`; ids out of the filters' scope are left out.
    """
    frameworks = framework_codes(session=session)
    columns = listing_columns(frameworks)
    statement = _listing_select(filters=filters, frameworks=frameworks, columns=columns, ids=ids)
    frame = _typed(to_frame(session, statement, ["id", *columns]), frameworks)
    position = {key: index for index, key in enumerate(ids)}
    frame = frame.iloc[frame["id"].map(position).argsort(kind="stable")]
    rows = frame.drop(columns="id").reset_index(drop=True)
    return _headed(rows, session=session, frameworks=frameworks)


class ListingSize(NamedTuple):
    """How many activities a listing holds, and how many of them are demo data."""

    activities: int
    demo: int


def listing_size(
    session: Session,
    *,
    filters: Filters,
    funders: tuple[str, ...] = (),
    search: str = "",
) -> ListingSize:
    """How many rows `activity_listing` holds for these arguments, and how many are demo
    data: counted in SQL, no row read."""
    statement = _listing_select(
        filters=filters, frameworks=(), columns=(), funders=funders, search=search
    ).with_only_columns(
        func.count(), func.coalesce(func.sum(case((Activity.c.demo, 1), else_=0)), 0)
    )
    activities, demo = session.execute(statement).one()
    return ListingSize(int(activities), int(demo))


def listing_columns(frameworks: Sequence[str]) -> list[str]:
    """The listing's column names, given the frameworks' codes."""
    return [*BASE_COLUMNS[:2], *frameworks, *BASE_COLUMNS[2:]]


def _sort_key(series: pd.Series) -> pd.Series:
    # Text columns hold str (pandas' string dtype) or, with lists or dates, objects.
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        key: Callable[[Any], Any] = lambda value: (  # noqa: E731
            ";".join(map(str, value)).casefold()
            if isinstance(value, list)
            else (value.casefold() if isinstance(value, str) else value)
        )
        mapped = series.map(key)
        # Empty lists sort with the empty cells: last.
        return mapped.where(mapped != "", None)
    return series


def _list_sort_key(text: object) -> str | None:
    """What `_sort_key` gives the list `_split(text)`: its sorted items joined, case-folded,
    None (last) when empty."""
    return ";".join(_split(text)).casefold() or None


def sort_listing(frame: pd.DataFrame, sort: str, *, descending: bool = False) -> pd.DataFrame:
    """Rows by `sort` (case-insensitive, empty last), ties by activity_id; index 0..n-1.

    The order `activity_listing` gives; for free text and lists it is made here, not in SQL,
    so SQLite and PostgreSQL (whose text collations differ) give the same order, and list
    columns sort by their sorted contents.
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
    session: Session,
    *,
    countries: Sequence[str] = (),
    regions: Sequence[int] = (),
    organisations: Sequence[str] = (),
    funders: Sequence[str] = (),
    statuses: Sequence[str] = (),
    items: Mapping[str, Sequence[str]] | None = None,
    any_plan_items: Sequence[str] = (),
    start_year: int | None = None,
    end_year: int | None = None,
    as_of: dt.date | None = None,
    include_demo: bool = False,
) -> tuple[Filters, tuple[str, ...]]:
    """Filters (and funder slugs) for the listing from command-line values, as the page sets them.

    Countries are ISO3 codes, organisations and funders slugs or names (any case), items are
    codes per framework code ({"strategy": ["S1"], "cami": ["CAMI-10"]}) or, in
    `any_plan_items`, codes of any framework. A year at or beyond the data's period and an
    as-of date of today mean "no restriction", as on the page (`filters.make`), so the
    export's filename matches the page's. Unknown values raise ValueError naming the valid
    ones.
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
    for framework, codes in [*(items or {}).items(), ("", any_plan_items)]:
        known_codes = session.execute(
            select(FrameworkItem.c.code)
            .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
            .where(Framework.c.code == framework if framework else true())
        ).scalars()
        kind = f"{framework} item" if framework else "framework item"
        chosen_items += pick(kind, codes, {code: code for code in known_codes})
    first, last = session.execute(
        select(
            func.min(Activity.c.start_date),
            func.max(func.coalesce(Activity.c.end_date, Activity.c.start_date)),
        )
    ).one()
    horizon = session.execute(select(func.max(Framework.c.period_end))).scalar_one_or_none()
    filters = shared.make(
        period=(first.year if first else None, max(last.year if last else 0, horizon or 0)),
        countries=pick("country", [c.upper() for c in countries], {c: c for c in country_codes}),
        regions=pick("PTCR", regions, {n: n for n in region_numbers}),
        organisations=pick(
            "organisation",
            [o.casefold() for o in organisations],
            by_slug_or_name([(slug, name) for slug, name in every_organisation]),
        ),
        statuses=pick("status", statuses, {s: s for s in m.ACTIVITY_STATUSES}),
        items=tuple(dict.fromkeys(chosen_items)),
        years=(start_year, end_year),
        as_of=as_of,
        include_demo=include_demo,
    )
    funder_slugs = pick(
        "funder",
        [f.casefold() for f in funders],
        by_slug_or_name([(slug, name) for slug, name in funder_rows]),
    )
    return filters, funder_slugs

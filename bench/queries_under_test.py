"""The queries each page runs, as (name, call) pairs the benchmark can time on any store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import distinct, func, select
from sqlmodel import Session

from dashboard import models as m
from dashboard import queries
from dashboard.filters import Filters

Call = Callable[[Session, Filters], Any]


# Per store (its URL): looked up once, so that it is not timed as part of the funder's queries.
_BUSIEST: dict[str, str] = {}


def busiest_funder(session: Session) -> str:
    """The slug of the funder with the most funded activities (the funder page's worst case),
    looked up once per store."""
    url = session.get_bind().url.render_as_string(hide_password=False)
    if url not in _BUSIEST:
        _BUSIEST[url] = _find_busiest_funder(session)
    return _BUSIEST[url]


def _find_busiest_funder(session: Session) -> str:
    funding = m.Funding.__table__  # type: ignore[attr-defined]
    organisation = m.Organisation.__table__  # type: ignore[attr-defined]
    statement = (
        select(organisation.c.slug)
        .join(funding, funding.c.funder_id == organisation.c.id)
        .group_by(organisation.c.slug)
        .order_by(func.count(distinct(funding.c.activity_id)).desc(), organisation.c.slug)
        .limit(1)
    )
    return str(session.execute(statement).scalar_one())


# The default view, the one most people look at: every filter open and demo data off, as the
# app shows it by default (bench/run.py passes Filters(include_demo=False) explicitly).
QUERIES: dict[str, Call] = {
    "headline": lambda s, f: queries.headline(session=s, filters=f),
    "status_counts": lambda s, f: queries.status_counts(session=s, filters=f),
    # Overview: every plan's figures, then each plan's items.
    "plan_progress": lambda s, f: queries.plan_progress(session=s, filters=f),
    "funding_by_currency": lambda s, f: queries.funding_by_currency(session=s, filters=f),
    "latest_updates": lambda s, f: queries.latest_updates(session=s, filters=f),
    # A framework page: its plan's figures and items, items over time and activity progress
    # over time (the framework's line and each top item's), and its earlier work (opened).
    "plan_progress[strategy]": lambda s, f: queries.plan_progress(
        session=s, filters=f, framework="strategy"
    ),
    "plan_progress[cami]": lambda s, f: queries.plan_progress(
        session=s, filters=f, framework="cami"
    ),
    "item_progress[strategy]": lambda s, f: queries.item_progress(
        session=s, filters=f, framework="strategy"
    ),
    "item_progress[cami]": lambda s, f: queries.item_progress(
        session=s, filters=f, framework="cami"
    ),
    "items_history[strategy]": lambda s, f: queries.items_history(
        session=s, filters=f, framework="strategy"
    ),
    "items_history[cami]": lambda s, f: queries.items_history(
        session=s, filters=f, framework="cami"
    ),
    # The History page runs by="framework" per plan, a framework page by="both".
    "activity_progress_history[strategy]": lambda s, f: queries.activity_progress_history(
        session=s, filters=f, framework="strategy"
    ),
    "activity_progress_history[cami]": lambda s, f: queries.activity_progress_history(
        session=s, filters=f, framework="cami"
    ),
    "activity_progress_history[strategy,both]": lambda s, f: queries.activity_progress_history(
        session=s, filters=f, framework="strategy", by="both"
    ),
    "activity_progress_history[cami,both]": lambda s, f: queries.activity_progress_history(
        session=s, filters=f, framework="cami", by="both"
    ),
    "earlier_work[strategy]": lambda s, f: queries.earlier_work(
        session=s, filters=f, framework="strategy"
    ),
    "earlier_work[cami]": lambda s, f: queries.earlier_work(session=s, filters=f, framework="cami"),
    # What the framework pages run when an item is chosen: how many, then the first page.
    "activities_for_item_count[S1]": lambda s, f: queries.activities_for_item_count(
        session=s, filters=f, code="S1"
    ),
    "activities_for_item[S1,page 1]": lambda s, f: queries.activities_for_item(
        session=s, filters=f, code="S1", limit=50
    ),
    "ptcr_listing": lambda s, f: queries.ptcr_listing(session=s, filters=f),
    # Regional coverage.
    "coverage_by_country": lambda s, f: queries.coverage_by_country(session=s, filters=f),
    "coverage_by_region": lambda s, f: queries.coverage_by_region(session=s, filters=f),
    "site_points": lambda s, f: queries.site_points(session=s, filters=f),
    "activities_in_place[page 1]": lambda s, f: queries.activities_in_place(
        session=s, filters=f, place=None, limit=50
    ),
    # Activities explorer: how many rows, the first page's keys in order (sorted in SQL by
    # default; by a free-text column every key is sorted in Python), then that page's rows.
    "listing_size": lambda s, f: queries.listing_size(session=s, filters=f),
    "listing_order[page 1]": lambda s, f: queries.listing_order(session=s, filters=f, limit=50),
    "listing_order[title,page 1]": lambda s, f: queries.listing_order(
        session=s, filters=f, sort="title", limit=50
    ),
    # Lists sort by their contents in Python (see queries.activities.SQL_SORTS).
    "listing_order[countries,page 1]": lambda s, f: queries.listing_order(
        session=s, filters=f, sort="countries", limit=50
    ),
    "listing_rows[page 1]": lambda s, f: queries.listing_rows(
        session=s, filters=f, ids=queries.listing_order(session=s, filters=f, limit=50)
    ),
    # Funder page, for the funder of the most activities.
    "funder_figures": lambda s, f: queries.funder_figures(
        session=s, filters=f, funder=busiest_funder(s)
    ),
    "funder_activities[page 1]": lambda s, f: queries.funder_activities(
        session=s, filters=f, funder=busiest_funder(s), limit=50
    ),
}

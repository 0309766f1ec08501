"""Cached wrappers around the pure queries, keyed on the store, its version and the Filters.

Call them with the query's own arguments, minus the session (each wrapper has the query's
typed signature without it): `data.headline(filters=filters)`. Every run reads the store's
version once (`read_store_version`, called by app.py): a change committed by any process
advances it, so the next page view in every process asks the store again (issue 16).
`clear()` after an edit.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import streamlit as st
from sqlmodel import Session
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from dashboard import charts, queries, store_version
from dashboard.settings import get_settings
from dashboard.ui.store import engine as store_engine
from dashboard.ui.store import session

P = ParamSpec("P")
T = TypeVar("T")

# Freshness comes from the store's version in the key; the time limit only bounds memory.
TTL = "1h"
# Where a run keeps the version it read: (store URL, version).
VERSION_KEY = "_store_version"


class _Clearable(Protocol):
    def clear(self) -> None: ...


# Every cached query and chart builder, to drop on a new store version or an edit.
_cached_queries: list[_Clearable] = []
_cached_charts: list[_Clearable] = []
# The newest version this process has seen, per store: older entries are dropped on a change.
_seen: dict[str, int] = {}
_seen_lock = threading.Lock()


def read_store_version() -> int:
    """Read the store's version for this run (one single-row query), and drop the figures this
    process cached for an older one. app.py calls it at the start of every run."""
    url = get_settings().effective_database_url
    with session() as current:
        version = store_version.current(session=current)
    with _seen_lock:
        if _seen.setdefault(url, version) != version:
            _seen[url] = version
            for cached in _cached_queries:
                cached.clear()
    if get_script_run_ctx() is not None:
        st.session_state[VERSION_KEY] = (url, version)
    return version


def _version_of_this_run(url: str) -> int:
    known = st.session_state.get(VERSION_KEY) if get_script_run_ctx() is not None else None
    if known is not None and known[0] == url:
        return int(known[1])
    return read_store_version()


def _cached(query: Callable[Concatenate[Session, P], T]) -> Callable[P, T]:
    """`query` without its session, cached per store, store version and arguments."""

    def run(url: str, version: int, *args: P.args, **kwargs: P.kwargs) -> T:
        with session() as current:
            return query(current, *args, **kwargs)

    # st.cache_data keys on the function's qualified name and source: make each one distinct.
    run.__name__ = run.__qualname__ = f"cached_{query.__name__}"
    cached = st.cache_data(ttl=TTL, show_spinner=False)(run)
    _cached_queries.append(cached)

    @functools.wraps(query)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        # The store's URL is part of the key, so two stores in one process never share
        # figures, and its version, so a change committed by any process is seen.
        url = get_settings().effective_database_url
        return cached(url, _version_of_this_run(url), *args, **kwargs)

    return call


def _cached_chart(build: Callable[P, T]) -> Callable[P, T]:
    """`build` (a chart builder), run once per distinct input (frames are hashed by content,
    so new figures after an edit make a new chart): building a plotly figure or a map of
    thousands of sites costs tens of milliseconds on every run. The chart is shared between
    runs and sessions: never change it."""

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return build(*args, **kwargs)

    # st.cache_resource keys on the function's qualified name and source, as above.
    run.__name__ = run.__qualname__ = f"cached_{build.__name__}"
    cached = st.cache_resource(ttl=TTL, max_entries=200, show_spinner=False)(run)
    _cached_charts.append(cached)
    return functools.wraps(build)(cached)


plan_list = _cached(queries.plans)
retired_items = _cached(queries.retired_items)
filter_options = _cached(queries.filter_options)
data_period = _cached(queries.data_period)
demo_activity_count = _cached(queries.demo_activity_count)
headline = _cached(queries.headline)
status_counts = _cached(queries.status_counts)
plan_progress = _cached(queries.plan_progress)
item_progress = _cached(queries.item_progress)
earlier_work = _cached(queries.earlier_work)
funding_by_currency = _cached(queries.funding_by_currency)
latest_updates = _cached(queries.latest_updates)
listing_order = _cached(queries.listing_order)
listing_rows = _cached(queries.listing_rows)
listing_size = _cached(queries.listing_size)
funder_options = _cached(queries.funder_options)
funder_figures = _cached(queries.funder_figures)
funder_funding = _cached(queries.funder_funding)
funder_activities = _cached(queries.funder_activities)
funder_outputs = _cached(queries.funder_outputs)
funder_items = _cached(queries.funder_items)
funder_sites = _cached(queries.funder_sites)
funders_overview = _cached(queries.funders_overview)
activity_progress_history = _cached(queries.activity_progress_history)
items_history = _cached(queries.items_history)
activities_for_item = _cached(queries.activities_for_item)
activities_for_item_count = _cached(queries.activities_for_item_count)
ptcr_listing = _cached(queries.ptcr_listing)

plan_names = _cached(queries.plan_names)
default_pair = _cached(queries.default_pair)
synergy_matrix = _cached(queries.synergy_matrix)
activities_serving = _cached(queries.activities_serving)
activity_plans = _cached(queries.activity_plans)
plan_overlap = _cached(queries.plan_overlap)
shared_years = _cached(queries.shared_years)
synergy_flows = _cached(queries.synergy_flows)
funding_currencies = _cached(queries.funding_currencies)
coverage_by_country = _cached(queries.coverage_by_country)
coverage_by_region = _cached(queries.coverage_by_region)
site_points = _cached(queries.site_points)
activities_in_place = _cached(queries.activities_in_place)
activities_in_place_count = _cached(queries.activities_in_place_count)
place_options = _cached(queries.place_options)
activity_record = _cached(queries.activity_record)
activity_updates = _cached(queries.activity_updates)
activity_organisations = _cached(queries.activity_organisations)
activity_items = _cached(queries.activity_items)
activity_places = _cached(queries.activity_places)
activity_sites = _cached(queries.activity_sites)
activity_outputs = _cached(queries.activity_outputs)
activity_funding = _cached(queries.activity_funding)
activity_funding_totals = _cached(queries.activity_funding_totals)
activity_last_changed = _cached(queries.activity_last_changed)
data_last_changed = _cached(queries.data_last_changed)


@st.cache_data(show_spinner=False)
def _shapes(path: str) -> dict[str, Any]:
    return charts.load_shapes(Path(path))


def range_state_shapes() -> dict[str, Any]:
    """The range-state outlines shipped in data/geo, read once per file."""
    return _shapes(str(get_settings().geojson_path))


activity_map = _cached_chart(charts.activity_map)
activity_progress_bars = _cached_chart(charts.activity_progress_bars)
activity_progress_lines = _cached_chart(charts.activity_progress_lines)
plan_pace = _cached_chart(charts.plan_pace)
funding_by_year = _cached_chart(charts.funding_by_year)
outputs_against_targets = _cached_chart(charts.outputs_against_targets)
items_advanced = _cached_chart(charts.items_advanced)
funder_sites_deck = _cached_chart(charts.funder_sites_deck)
synergy_sankey = _cached_chart(charts.synergy_sankey)


def gather(**calls: Callable[[], Any]) -> dict[str, Any]:
    """Run a page's independent cached queries at the same time; their results by name.

    Each runs in its own thread with its own connection from the engine's pool, so the
    database works on several at once (PostgreSQL backends, SQLite readers release the GIL).
    A query that fails raises here, in the page, inside its error guard.
    """
    context = get_script_run_ctx()

    def run(call: Callable[[], Any]) -> Any:
        # The thread acts for the page's script run (st.cache_data needs to know which).
        add_script_run_ctx(threading.current_thread(), context)
        return call()

    with ThreadPoolExecutor(max_workers=min(4, len(calls)) or 1) as pool:
        futures = {name: pool.submit(run, call) for name, call in calls.items()}
        return {name: future.result() for name, future in futures.items()}


def prefetch(*calls: Callable[[], Any]) -> None:
    """Fill the cache with a page's independent queries at once; the page's own calls with
    the same arguments then read their results from it."""
    gather(**{str(number): call for number, call in enumerate(calls)})


def later(
    query: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> Callable[[], T]:
    """`query(*args, **kwargs)` to run later, outside this script run (e.g. when a deferred
    download is clicked): with its own session on this store's engine, not cached."""
    engine = store_engine()

    def call() -> T:
        with Session(engine) as current:
            return query(current, *args, **kwargs)

    return call


def clear() -> None:
    """After an edit or import in this run: drop every figure this process cached and read
    the store's version again, so the rest of the run shows the new figures. Other sessions
    and processes see them on their next run through the version alone."""
    st.cache_data.clear()
    for chart in _cached_charts:
        chart.clear()
    if get_script_run_ctx() is not None:
        st.session_state.pop(VERSION_KEY, None)

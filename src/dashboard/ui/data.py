"""Cached wrappers around the pure queries, keyed on the store and the hashable Filters.

Call them with the query's own keyword arguments, minus the session:
`data.headline(filters=filters)`. `clear()` drops every cached figure after an edit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from dashboard import queries
from dashboard.settings import get_settings
from dashboard.ui.store import session

T = TypeVar("T")

# Figures change only through edits and imports, and those clear the cache at once.
TTL = "1h"


def _cached(query: Callable[..., T]) -> Callable[..., T]:
    def run(url: str, **kwargs: Any) -> T:
        with session() as current:
            return query(session=current, **kwargs)

    # st.cache_data keys on the function's qualified name and source: make each one distinct.
    run.__name__ = run.__qualname__ = f"cached_{query.__name__}"
    cached = st.cache_data(ttl=TTL, show_spinner=False)(run)

    @functools.wraps(query)
    def call(**kwargs: Any) -> T:
        # The store's URL is part of the key, so two stores in one process never share figures.
        return cached(get_settings().effective_database_url, **kwargs)

    return call


filter_options = _cached(queries.filter_options)
data_period = _cached(queries.data_period)
demo_activity_count = _cached(queries.demo_activity_count)
headline = _cached(queries.headline)
status_counts = _cached(queries.status_counts)
framework_summary = _cached(queries.framework_summary)
completion_by_item = _cached(queries.completion_by_item)
funding_by_currency = _cached(queries.funding_by_currency)
latest_updates = _cached(queries.latest_updates)


def clear() -> None:
    """Drop every cached figure (after an edit or import), on every page."""
    st.cache_data.clear()

"""The queries each page runs, as (name, call) pairs the benchmark can time on any store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from dashboard import queries
from dashboard.filters import Filters

Call = Callable[[Session, Filters], Any]

# The default view (every filter open), the one most people look at.
QUERIES: dict[str, Call] = {
    "headline": lambda s, f: queries.headline(session=s, filters=f),
    "status_counts": lambda s, f: queries.status_counts(session=s, filters=f),
    "framework_summary": lambda s, f: queries.framework_summary(session=s, filters=f),
    "completion_by_item[strategy]": lambda s, f: queries.completion_by_item(
        session=s, filters=f, framework="strategy"
    ),
    "completion_by_item[cami]": lambda s, f: queries.completion_by_item(
        session=s, filters=f, framework="cami"
    ),
    "funding_by_currency": lambda s, f: queries.funding_by_currency(session=s, filters=f),
    "latest_updates": lambda s, f: queries.latest_updates(session=s, filters=f),
    "completion_history[strategy]": lambda s, f: queries.completion_history(
        session=s, filters=f, framework="strategy"
    ),
    "completion_history[strategy,top]": lambda s, f: queries.completion_history(
        session=s, filters=f, framework="strategy", by="top"
    ),
    "activities_for_item[S1]": lambda s, f: queries.activities_for_item(
        session=s, filters=f, code="S1"
    ),
    "ptcr_listing": lambda s, f: queries.ptcr_listing(session=s, filters=f),
}

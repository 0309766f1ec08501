"""Pure read queries, one module per concept: (session, filters) in, DataFrame out."""

from dashboard.queries.progress import (
    completion_by_item,
    data_period,
    demo_activity_count,
    filter_options,
    framework_summary,
    funding_by_currency,
    headline,
    latest_updates,
    status_counts,
)
from dashboard.queries.scope import activity_scope, item_closure, progress_at

__all__ = [
    "activity_scope",
    "completion_by_item",
    "data_period",
    "demo_activity_count",
    "filter_options",
    "framework_summary",
    "funding_by_currency",
    "headline",
    "item_closure",
    "latest_updates",
    "progress_at",
    "status_counts",
]

"""Pure read queries, one module per concept: (session, filters) in, DataFrame out."""

from dashboard.queries.activities import (
    ListingSize,
    activity_listing,
    listing_order,
    listing_rows,
    listing_size,
)
from dashboard.queries.coverage import (
    activities_in_place,
    activities_in_place_count,
    coverage_by_country,
    coverage_by_region,
    coverage_gaps,
    place_options,
    site_points,
)
from dashboard.queries.funders import (
    FunderFigures,
    funder_activities,
    funder_figures,
    funder_funding,
    funder_items,
    funder_options,
    funder_outputs,
    funder_sites,
)
from dashboard.queries.history import completion_history
from dashboard.queries.items import activities_for_item
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
from dashboard.queries.regions import ptcr_listing
from dashboard.queries.scope import activity_scope, item_closure, progress_at
from dashboard.queries.synergies import (
    activities_serving,
    activity_plans,
    funding_currencies,
    plan_overlap,
    synergy_flows,
    synergy_matrix,
    synergy_share,
    unshared_items,
)

__all__ = [
    "FunderFigures",
    "ListingSize",
    "activities_for_item",
    "activities_in_place",
    "activities_in_place_count",
    "activities_serving",
    "activity_listing",
    "activity_plans",
    "activity_scope",
    "completion_by_item",
    "completion_history",
    "coverage_by_country",
    "coverage_by_region",
    "coverage_gaps",
    "data_period",
    "demo_activity_count",
    "filter_options",
    "framework_summary",
    "funder_activities",
    "funder_figures",
    "funder_funding",
    "funder_items",
    "funder_options",
    "funder_outputs",
    "funder_sites",
    "funding_by_currency",
    "funding_currencies",
    "headline",
    "item_closure",
    "latest_updates",
    "listing_order",
    "listing_rows",
    "listing_size",
    "place_options",
    "plan_overlap",
    "progress_at",
    "ptcr_listing",
    "site_points",
    "status_counts",
    "synergy_flows",
    "synergy_matrix",
    "synergy_share",
    "unshared_items",
]

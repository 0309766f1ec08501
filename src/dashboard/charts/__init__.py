"""Pure chart builders, one module per concept: DataFrame in, plotly figure / pydeck deck out."""

from dashboard.charts.funders import (
    funder_sites_deck,
    funders_compared,
    funders_table,
    funding_by_year,
    items_advanced,
    outputs_against_targets,
    overview_currencies,
    plain_summary,
    status_legend_html,
)
from dashboard.charts.history import activity_progress_lines, plan_pace
from dashboard.charts.maps import (
    SHADINGS,
    activity_map,
    coverage_map,
    legend,
    legend_html,
    load_shapes,
    selected_activity,
    selected_place,
    sites_note,
)
from dashboard.charts.palette import OKABE_ITO, STATUS_COLOURS
from dashboard.charts.progress import (
    ITEM_STATUS_LABELS,
    NO_ACTIVITY,
    NOT_REPORTED,
    activity_progress_bars,
    item_tree_table,
    plan_sentence,
    progress_text,
    status_bar,
    status_label,
)
from dashboard.charts.synergies import (
    cell_activities,
    cell_label,
    matrix_cells,
    matrix_table,
    row_labels,
    synergy_heatmap,
    synergy_sankey,
    synergy_sentence,
)

# How every chart names a plan's items (dashboard.provisional, shared with the queries).
from dashboard.provisional import PROVISIONAL, item_label

__all__ = [
    "ITEM_STATUS_LABELS",
    "NOT_REPORTED",
    "NO_ACTIVITY",
    "OKABE_ITO",
    "PROVISIONAL",
    "SHADINGS",
    "STATUS_COLOURS",
    "activity_map",
    "activity_progress_bars",
    "activity_progress_lines",
    "cell_activities",
    "cell_label",
    "coverage_map",
    "funder_sites_deck",
    "funders_compared",
    "funders_table",
    "funding_by_year",
    "item_label",
    "item_tree_table",
    "items_advanced",
    "legend",
    "legend_html",
    "load_shapes",
    "matrix_cells",
    "matrix_table",
    "outputs_against_targets",
    "overview_currencies",
    "plain_summary",
    "plan_pace",
    "plan_sentence",
    "progress_text",
    "row_labels",
    "selected_activity",
    "selected_place",
    "sites_note",
    "status_bar",
    "status_label",
    "status_legend_html",
    "synergy_heatmap",
    "synergy_sankey",
    "synergy_sentence",
]

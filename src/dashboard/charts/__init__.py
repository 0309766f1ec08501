"""Pure chart builders, one module per concept: DataFrame in, plotly figure / pydeck deck out."""

from dashboard.charts.funders import (
    funder_sites_deck,
    funding_by_year,
    items_advanced,
    outputs_against_targets,
    plain_summary,
    status_legend_html,
)
from dashboard.charts.history import completion_history_lines
from dashboard.charts.maps import (
    SHADINGS,
    coverage_map,
    legend,
    legend_html,
    load_shapes,
    selected_place,
    sites_note,
)
from dashboard.charts.palette import OKABE_ITO, STATUS_COLOURS
from dashboard.charts.progress import NO_ACTIVITY, completion_bars, item_tree_table, status_bar
from dashboard.charts.synergies import (
    cell_activities,
    matrix_cells,
    matrix_table,
    row_labels,
    synergy_heatmap,
    synergy_sankey,
)

__all__ = [
    "NO_ACTIVITY",
    "OKABE_ITO",
    "SHADINGS",
    "STATUS_COLOURS",
    "cell_activities",
    "completion_bars",
    "completion_history_lines",
    "coverage_map",
    "funder_sites_deck",
    "funding_by_year",
    "item_tree_table",
    "items_advanced",
    "legend",
    "legend_html",
    "load_shapes",
    "matrix_cells",
    "matrix_table",
    "outputs_against_targets",
    "plain_summary",
    "row_labels",
    "selected_place",
    "sites_note",
    "status_bar",
    "status_legend_html",
    "synergy_heatmap",
    "synergy_sankey",
]

"""Pure chart builders, one module per concept: DataFrame in, plotly figure / pydeck deck out."""

from dashboard.charts.palette import OKABE_ITO, STATUS_COLOURS
from dashboard.charts.progress import NO_ACTIVITY, completion_bars, status_bar

__all__ = ["NO_ACTIVITY", "OKABE_ITO", "STATUS_COLOURS", "completion_bars", "status_bar"]

"""Colours and the shared figure layout: colour-blind-safe, readable, offline."""

from __future__ import annotations

import plotly.graph_objects as go

# Okabe & Ito's colour-blind-safe palette.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}
STATUS_COLOURS = {
    "planned": OKABE_ITO["sky"],
    "in_progress": OKABE_ITO["blue"],
    "completed": OKABE_ITO["green"],
    "on_hold": OKABE_ITO["orange"],
    "cancelled": OKABE_ITO["grey"],
}


def apply_layout(figure: go.Figure, *, title: str, x_title: str, height: int) -> go.Figure:
    """Title, axis title, height, margins and the plain template every chart uses."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis_title=x_title,
        height=height,
        margin={"l": 10, "r": 30, "t": 60, "b": 50},
        showlegend=False,
        template="plotly_white",
    )
    return figure

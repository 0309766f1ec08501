"""Colours, labels and the shared figure layout and configuration: colour-blind-safe,
readable at 390 px and at 1440 px, offline."""

from __future__ import annotations

import textwrap
from typing import Any

import plotly.graph_objects as go

# Okabe & Ito's colour-blind-safe hues, as every chart and map mark draws them. The light ones
# (orange, sky blue, grey) are darkened to keep at least 3:1 against white (WCAG 2.1,
# non-text contrast) and the yellow, 1.3:1 on white, is left out: a line or bar in it could
# not be seen. `tests/test_palette.py` checks every colour here and in the built charts.
OKABE_ITO = {
    "orange": "#B07A00",
    "sky": "#2F86C0",
    "green": "#009E73",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#767676",
    "black": "#000000",
}
STATUS_COLOURS = {
    "planned": OKABE_ITO["purple"],
    "in_progress": OKABE_ITO["blue"],
    "completed": OKABE_ITO["green"],
    "on_hold": OKABE_ITO["orange"],
    "cancelled": OKABE_ITO["grey"],
}
# Lines drawn side by side, in this order (then again from the first).
SERIES_COLOURS = [
    OKABE_ITO[name] for name in ("blue", "vermillion", "green", "orange", "purple", "sky")
]
# A label on a phone-wide chart: about this many characters a line, at most two lines.
LABEL_WIDTH = 28
LABEL_LINES = 2


def relative_luminance(colour: str) -> float:
    """The WCAG relative luminance of a "#RRGGBB" colour."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str = "#FFFFFF") -> float:
    """The WCAG contrast ratio of two "#RRGGBB" colours (1 to 21)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def wrap_label(text: str, width: int = LABEL_WIDTH, *, lines: int = LABEL_LINES) -> list[str]:
    """`text` broken at spaces into at most `lines` lines of about `width` characters, the
    last ending in "…" when the text is longer (the full text goes in the hover)."""
    return textwrap.wrap(
        text, width, max_lines=lines, placeholder=" …", break_on_hyphens=False
    ) or [text]


def chart_label(text: str, width: int = LABEL_WIDTH, *, lines: int = LABEL_LINES) -> str:
    """`wrap_label` for a plotly axis or annotation (lines joined with <br>)."""
    return "<br>".join(wrap_label(text, width, lines=lines))


# Horizontal bars with their label above them: px per bar (label and bar), and the share of
# it the bar takes.
LABELLED_ROW = 86
LABELLED_BAR = 0.3


def labels_above_bars(
    figure: go.Figure, labels: list[str], *, notes: list[str] | None = None, width: int = 48
) -> go.Figure:
    """Put each horizontal bar's label (its y category, in `labels`) above the bar, wrapped to
    two lines of about `width` characters, with its note (figures in words) on a grey line
    under it, instead of beside the bar: on a phone the labels would otherwise take most of
    the width and the figures run off the edge (issue 17). The full label is in the hover."""
    figure.update_yaxes(showticklabels=False)
    figure.update_layout(bargap=1 - LABELLED_BAR)
    shift = LABELLED_ROW * LABELLED_BAR / 2 + 1
    for label, note in zip(labels, notes or [""] * len(labels), strict=True):
        text = chart_label(label, width) + (
            f'<br><span style="color:#555555">{note}</span>' if note else ""
        )
        figure.add_annotation(
            x=0,
            xref="x",
            y=label,
            yref="y",
            yshift=shift,
            text=text,
            hovertext=label,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            align="left",
            font={"size": 12, "color": "#222222"},
        )
    return figure


def chart_config(name: str) -> dict[str, Any]:
    """The configuration every `st.plotly_chart` gets: plotly's own toolbar with its
    "Download plot" button saving a PNG at twice the screen's resolution, named after the
    chart (`name`), and no plotly logo.

    PNG only: plotly.js's configuration gives its one "Download plot" button one format
    (`toImageButtonOptions.format`: png, svg, jpeg or webp). A second button for SVG would
    be a custom modebar button, whose click handler is a JavaScript function, which
    Streamlit's JSON configuration cannot carry (issue 17). PNG is what most people can open
    and paste; each chart's table and CSV carry the exact figures."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": f"manul-{name}", "scale": 2},
    }


def apply_layout(figure: go.Figure, *, title: str, x_title: str, height: int) -> go.Figure:
    """Title, axis title, height, margins and the plain template every chart uses."""
    figure.update_layout(
        # Wrapped: a phone shows about 45 characters of a title, and of an axis title.
        title={"text": chart_label(title, 45, lines=3), "x": 0, "xanchor": "left"},
        xaxis_title=chart_label(x_title, 50, lines=3),
        height=height,
        margin={"l": 10, "r": 30, "t": 60, "b": 50},
        showlegend=False,
        template="plotly_white",
    )
    return figure

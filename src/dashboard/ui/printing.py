"""Report pages that print: a column as wide as an A4 page, plain tables, no controls on paper.

A browser prints the page as it is laid out: a chart drawn 1,100 px wide on screen is cut at
the paper's edge. A report page therefore keeps its content in a column no wider than A4's
printable width (charts `REPORT_WIDTH` px wide, tables as HTML that reflows), and its print
style leaves out the sidebar, header, buttons and widgets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
import streamlit as st

# A4 portrait minus 12 mm margins is 186 mm, 703 CSS px; charts and maps stay within it.
REPORT_WIDTH = 700

# Streamlit's own test ids (stable since 1.3x).
REPORT_CSS = """
<style>
@page { size: A4 portrait; margin: 12mm; }
@media screen {
  [data-testid="stMainBlockContainer"] { max-width: 1000px; }
}
@media print {
  [data-testid="stSidebar"],
  [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"],
  [data-testid="stToolbar"],
  [data-testid="stDecoration"],
  [data-testid="stStatusWidget"],
  [data-testid="stBottom"],
  [data-testid="stDownloadButton"],
  [data-testid="stButton"],
  [data-testid="stSelectbox"],
  [data-testid="stMultiSelect"],
  [data-testid="stTextInput"],
  [data-testid="stToggle"],
  [data-testid="stExpander"],
  [data-testid="stElementToolbar"],
  [data-testid="stDialog"] { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    position: static !important; overflow: visible !important; height: auto !important;
  }
  [data-testid="stMainBlockContainer"] {
    max-width: none !important; padding: 0 !important; margin: 0 !important;
  }
  [data-testid="stPlotlyChart"], [data-testid="stDeckGlJsonChart"], [data-testid="stTable"],
  [data-testid="stMetric"], [data-testid="stAlert"], [data-testid="stVerticalBlockBorderWrapper"] {
    break-inside: avoid; page-break-inside: avoid;
  }
  [data-testid="stTable"] { max-width: 100% !important; overflow: visible !important; }
  [data-testid="stTable"] table { width: 100% !important; font-size: 0.78rem; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  * { -webkit-print-color-adjust: exact !important; print-color-adjust: exact !important; }
}
</style>
"""


def report_layout() -> None:
    """Lay the current page out as a printable report (see the module's docstring)."""
    st.html(REPORT_CSS)


# st.table reads cells as Markdown: data must show as written.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~])")


def _plain(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(_plain(part) for part in value)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def report_table(
    frame: pd.DataFrame,
    *,
    percent: Iterable[str] = (),
    whole: Iterable[str] = (),
) -> None:
    """`frame` as a static table that prints in full: lists joined with ";", `percent`
    columns as "67 %", `whole` columns as "1,200", empty cells blank, text escaped."""
    shown = pd.DataFrame(index=frame.index)
    percent, whole = set(percent), set(whole)
    for column in frame.columns:
        values = frame[column]
        if column in percent:
            cells = [f"{v:.0f} %" if pd.notna(v) else "" for v in values]
        elif column in whole:
            cells = [f"{v:,.0f}" if pd.notna(v) else "" for v in values]
        else:
            cells = [_MARKDOWN.sub(r"\\\1", _plain(v)) for v in values]
        shown[column] = cells
    st.table(shown, hide_index=True)

"""Report pages that print: a column as wide as an A4 page, plain tables, no controls on paper.

A browser prints the page as it is laid out: a chart drawn 1,100 px wide on screen is cut at
the paper's edge. A report page therefore keeps its content in a column no wider than A4's
printable width (charts `REPORT_WIDTH` px wide, tables as HTML that reflows), and its print
style leaves out the sidebar, header, buttons and widgets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.export import tables_to_zip
from dashboard.ui import layout, links

# A long listing on a report page shows this many rows a page: all of them visible at once
# (no scrolling inside the table), on screen and on paper.
LISTING_PAGE_SIZE = 20

# A4 portrait minus 12 mm margins is 186 mm, 703 CSS px; charts and maps stay within it.
REPORT_WIDTH = 700

# Streamlit's own test ids (stable since 1.3x).
REPORT_CSS = """
<style>
@page { size: A4 portrait; margin: 12mm; }
@media screen {
  [data-testid="stMainBlockContainer"] { max-width: 1000px; }
  [class*="st-key-print-only-"] { display: none !important; }
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
  [data-testid="stNumberInput"],
  [data-testid="stToggle"],
  [data-testid="stExpander"],
  [data-testid="stElementToolbar"],
  [data-testid="stDialog"] { display: none !important; }
  /* A scrolling table cannot reflow to the paper: its printable copy prints instead. */
  [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]) {
    display: none !important;
  }
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
    return str(value)


def report_table(
    frame: pd.DataFrame,
    *,
    percent: Iterable[str] = (),
    whole: Iterable[str] = (),
) -> None:
    """`frame` as a static table that prints in full, for people as `layout.listing`: its
    columns by their labels, coded values in words, lists joined with ";", `percent` columns
    as "67 %", `whole` columns as "1,200", empty cells blank, text escaped; an activity's
    title (beside its activity_id) a link to its page."""
    shown = pd.DataFrame(index=frame.index)
    percent, whole = set(percent), set(whole)
    titled = {"activity_id", "title"} <= set(frame.columns)
    for column in frame.columns:
        values = frame[column]
        if column == "title" and titled:
            # An activity's title links to its page.
            cells = [
                links.link(_plain(title), links.activity_url(str(key)))
                for key, title in zip(frame["activity_id"], values, strict=True)
            ]
        elif column in percent:
            cells = [labels.percent(v) for v in values]
        elif column in whole:
            cells = [labels.whole(v) for v in values]
        else:
            cells = [_MARKDOWN.sub(r"\\\1", _plain(labels.value_label(column, v))) for v in values]
        shown[labels.column_label(column)] = cells
    st.table(shown, hide_index=True)


def report_listing(
    total: int,
    fetch: Callable[[int, int], pd.DataFrame],
    *,
    key: str,
    noun: tuple[str, str],
    percent: Iterable[str] = (),
    whole: Iterable[str] = (),
    printed: bool = True,
) -> None:
    """A listing of `total` rows on a report page; `fetch(offset, limit)` gives its rows.

    A listing that fits one page prints in full (`report_table`). A longer one shows one
    page at a time (`layout.paged_table`); on paper that page is a plain table (a
    scrolling table cannot reflow to A4), and the report says, on screen and on paper,
    that it holds only that page and the downloads hold every row. `printed=False`: the
    listing is not on paper anyway (e.g. in an expander), so nothing is said about print.
    """
    if total <= LISTING_PAGE_SIZE:
        # The same first page as a longer listing's, so a cached first page serves both.
        report_table(fetch(0, LISTING_PAGE_SIZE), percent=percent, whole=whole)
        return
    formats = {
        **{column: st.column_config.NumberColumn(format="%.0f %%") for column in percent},
        **{column: st.column_config.NumberColumn(format="localized") for column in whole},
    }
    shown = layout.paged_table(
        total,
        fetch,
        key=key,
        noun=noun,
        page_size=LISTING_PAGE_SIZE,
        column_config=formats,
    )
    if not printed:
        return
    with st.container(key=f"print-only-{key}"):
        report_table(shown, percent=percent, whole=whole)
    st.caption(
        f"A printed copy of this report lists only the {len(shown):,} {noun[1]} on the page "
        f"shown here, of {total:,}; the CSV download and the ZIP of all tables hold all "
        f"{total:,}."
    )


def report_zip(
    tables: Mapping[str, pd.DataFrame | Callable[[], pd.DataFrame]],
    *,
    file_name: str,
    key: str,
    label: str = "Download all these tables (ZIP of CSV files)",
) -> None:
    """A download of every table of the report as a ZIP of CSV files, made on click.

    A table is a frame, or a function returning the complete one (e.g. `data.later(...)`,
    run only when the button is clicked, outside the script run).
    """

    def make() -> bytes:
        return tables_to_zip(
            {name: table() if callable(table) else table for name, table in tables.items()}
        )

    st.download_button(
        label, make, file_name=file_name, mime="application/zip", key=key, on_click="ignore"
    )

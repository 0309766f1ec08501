"""Shared page furniture: header, demo notice, error guard, charts with their data and CSV."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import importlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import labels
from dashboard.charts import chart_config
from dashboard.export import export_filename, frame_to_csv
from dashboard.filters import Filters, describe
from dashboard.markup import literal
from dashboard.provisional import PROVISIONAL_NOTE, codes_header, unmarked
from dashboard.settings import get_settings
from dashboard.ui import data, links

log = logging.getLogger(__name__)

PROGRESS_NOTE = """
**How is this computed?**

How far a plan has come is shown as three figures, each named for what it is. None of them
is "the plan's completion".

- **Only a plan's own period counts.** An activity counts toward a plan when its documented
  work overlaps the plan's period (its first year's 1 January to its last year's 31
  December): from its start date (else its first report) to its end date. Where no end date
  is recorded, the work is known to reach only as far as its latest progress report (a
  planned activity's lies ahead). Work documented only before a plan began is *earlier
  work*: listed apart, never in its figures; a new progress report brings it in. Before a
  plan starts nothing counts toward it, and no chart draws it.
- **Items started and completed.** A plan is counted by the items it tracks: those with
  nothing below them (objectives, or a goal or section without sub-items). Each has a status:
  *not started, started, well advanced, completed* or *not applicable*. A dated
  **assessment** with its note and source sets it (recorded by a partner, or an editorial one
  shipped with the data, which its note says): the latest one on or before the date counts.
  Without one, the status is **derived**: *started* once an activity of the plan's period
  linked to the item has reported work under way (in progress or completed, or any
  progress above 0), else *not started*. Activities alone never make an item *completed*:
  only an assessment does. Items *not applicable* are left out of the count.
- **Time elapsed** is how much of the plan's period has passed on the date ("year 1 of 7").
  Read the items started against it to see the pace.
- **Activity progress** is the mean progress of the plan period's activities linked to an
  item or to any item below it, each link weighted by its weight (default 1); a plan's is the
  same mean over all its links. An activity's progress on a date is its latest progress update
  on or before that date; a completed activity counts as 100 %; cancelled activities are
  listed but not counted; activities with no update yet are left out. An activity whose
  sources say it is under way but give no percentage is recorded at 0 % until a partner
  reports one. It says how far the activities have come, not how much of the plan is done.
- Counts stand beside every figure. An item with no counted activity shows *no activity*,
  never 0 %.
- Assessments are about an item as a whole, whatever the place or organisation filters;
  derived statuses and activity progress follow every filter.
- Items marked *(provisional)* belong to a provisional working structure, not the plan's
  own wording (see the plan's page).
"""


# What the pages import, loaded before `settle_imports` freezes it.
PAGE_MODULES = (
    "plotly.graph_objects",
    "pydeck",
    "dashboard.charts",
    "dashboard.queries",
    "dashboard.ui.printing",
    "dashboard.ui.editor",
    "dashboard.ui.framework_view",
    "dashboard.ui.funder_choice",
    "dashboard.ui.history",
)


@functools.cache
def settle_imports() -> None:
    """Load what the pages use and take it out of the garbage collector's sight, once per
    process (app.py calls this on every run; only the first call does anything).

    A full garbage collection walks the ~190k objects of pandas, plotly, pydeck, SQLAlchemy
    and Streamlit itself, holding the GIL: Streamlit ran one after every script run, 0.18 s
    on every page view of every user. Those objects live as long as the process, so they are
    frozen (gc.freeze) after one collection. Streamlit's own collection after each run is
    off as well (.streamlit/config.toml, runner.postScriptGC); Python's generational
    collection still collects what page runs create.
    """
    for module in PAGE_MODULES:
        importlib.import_module(module)
    gc.collect()
    gc.freeze()


@contextmanager
def timed_run(page: str) -> Iterator[None]:
    """Log how long this run of `page` takes on the server, if MANUL_LOG_PAGE_RUNS is set.

    One line per run, "page run: <page> <seconds> s", on the "dashboard.runs" logger (to
    stderr): the server's share of a page's time, without the browser's.
    """
    if not get_settings().manul_log_page_runs:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        _run_log().info("page run: %s %.4f s", page or "overview", time.perf_counter() - started)


@functools.cache
def _run_log() -> logging.Logger:
    runs = logging.getLogger("dashboard.runs")
    runs.setLevel(logging.INFO)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    runs.addHandler(handler)
    return runs


@contextmanager
def guard(what: str) -> Iterator[None]:
    """Show a failure of `what` as a short message with a reference; the details (an error's
    text can hold SQL, the values bound to it, a database's host and port) go to the server's
    log only, under the same reference."""
    try:
        yield
    except Exception:
        reference = uuid.uuid4().hex[:10]
        log.exception("%s failed (reference %s)", what, reference)
        st.error(
            f"**{what} could not be shown.** Nothing was changed. Try other filters or reload "
            "the page; if it persists, tell the data maintainers, quoting the reference "
            f"{reference}."
        )


APP_NAME = "Manul Progress"


def header(title: str, caption: str, *, cite: bool = True) -> None:
    """The page's title and what it shows; with `cite`, when its data last changed and how
    to cite it (`data_as_of`)."""
    st.title(title)
    st.caption(caption)
    if cite:
        data_as_of(title)


def data_as_of(title: str) -> None:
    """One line: when the store's data last changed, and how to cite this view (the app's
    name, the page's title, the URL of this view with its filters, today's date)."""
    try:
        changed = data.data_last_changed()
    except Exception:
        # The page's own guard reports a store that cannot be read; this line is no reason
        # to fail before it.
        log.exception("The date of the data could not be read")
        return
    when = changed.date().isoformat() if changed is not None else "no data yet"
    st.caption(
        f"Data as of {when}. Cite as: {APP_NAME}, “{literal(title)}”, "
        f"{links.link(url, url) if (url := view_url()).startswith('http') else literal(url)} "
        f"(accessed {dt.date.today().isoformat()})."
    )


def view_url() -> str:
    """The URL of this view as the browser shows it: the page and its query parameters
    (so a citation opens the same filters); the page's path alone where the server's own
    address is not known (a test without a browser)."""
    base = (st.context.url or "").rstrip("/")
    context = get_script_run_ctx()
    path = ""
    if context is not None:
        page: Mapping[str, Any] = (
            context.pages_manager.get_pages().get(context.page_script_hash) or {}
        )
        path = str(page.get("url_pathname") or "")
    query = urlencode(
        [(key, value) for key in st.query_params for value in st.query_params.get_all(key)]
    )
    if path and not base.endswith(f"/{path}"):
        base = f"{base}/{path}"
    return base + (f"?{query}" if query else "")


def demo_notice(filters: Filters) -> None:
    """Say plainly whether invented demo activities are part of what is shown."""
    count = data.demo_activity_count()
    if not count:
        return
    if filters.include_demo:
        st.warning(
            f"**Demo data included:** {count:,} of the activities in the store are invented for "
            "illustration (titles start with [Demo]). Switch off *Include demo data* in the "
            "sidebar to see documented records only.",
        )
    else:
        st.caption(
            f"Demo data hidden ({count:,} demo activities not shown): every figure here rests "
            "on documented records. Switch on *Include demo data* in the sidebar to add the "
            "invented examples."
        )


def provisional_note(shown: bool) -> None:
    """Say what "(provisional)" means, where items of a provisional working structure are
    `shown` (a caption: it prints with the page)."""
    if shown:
        st.caption(PROVISIONAL_NOTE)


def as_of_notice(filters: Filters) -> None:
    if filters.as_of:
        st.info(f"Showing progress **as of {filters.as_of.isoformat()}**.")


def how_computed() -> None:
    with st.expander("How is this computed?"):
        st.markdown(PROGRESS_NOTE)


def chart_with_data(
    figure: go.Figure,
    table: pd.DataFrame,
    *,
    name: str,
    key: str,
    empty: str | None = None,
    filters: Filters | None = None,
) -> None:
    """A chart, the table behind it and that table as CSV; or the reason it is empty."""
    if table.empty:
        st.info(empty or "No activity matches the current filters.")
        return
    st.plotly_chart(figure, width="stretch", key=f"{key}-chart", config=chart_config(key))
    with st.expander(f"Data behind “{name}”"):
        listing(table)
        csv_download(table, key=key, filters=filters)


# deck.gl claims every touch on a map (touch-action: none on the element that holds its
# canvas): on a phone, a finger that lands on a map moves the map and never scrolls the page
# past it. A map here leaves an up-or-down swipe to the page; a sideways swipe still moves the
# map, and a pinch or a double tap zooms it. (`!important` wins over deck.gl's inline style.)
_MAP_TOUCH = (
    "<style>.st-key-{key} [data-testid='stDeckGlJsonChart'] div:has(> canvas) "
    "{{ touch-action: {action} !important; }}</style>"
)


def deck_map(
    deck: Any, *, key: str, height: int, touch_moves_map: bool = False, **chart: Any
) -> None:
    """`st.pydeck_chart(deck, key=key, height=height, **chart)`, on a phone scrolled past by
    an up-or-down swipe, unless `touch_moves_map` (then one finger moves it any way)."""
    action = "none" if touch_moves_map else "pan-y"
    # In a container of its own key: a map that is not a widget (no `on_select`) carries no
    # `st-key-` class of its own to scope the style to.
    with st.container(key=f"{key}-box"):
        st.html(_MAP_TOUCH.format(key=f"{key}-box", action=action))
        st.pydeck_chart(deck, key=key, height=height, **chart)


def csv_download(
    table: pd.DataFrame | Callable[[], pd.DataFrame],
    *,
    key: str,
    filters: Filters | None = None,
    file_name: str | None = None,
    label: str = "Download CSV",
) -> None:
    """A download button for exactly `table`, as formula-safe CSV (UTF-8 with a BOM, for Excel).

    `table` is a frame, or a function that returns one (run only when the button is clicked,
    outside the script run: give it what it needs, e.g. `data.later(...)`, never a cached
    wrapper). The CSV is written on click either way, not on every run, and lives only as
    long as the download. The file is named after `key`, today's date and the filters (by
    default the shared filters of this run): `manul-<key>_<date>_country-KAZ.csv`, unless
    `file_name` is given.
    """
    # Imported here: the sidebar may use this module's furniture.
    from dashboard.ui.sidebar import shared_filters

    active = filters if filters is not None else shared_filters()
    make: Callable[[], pd.DataFrame] = table if callable(table) else (lambda: table)
    name = file_name or export_filename(key, active, today=dt.date.today())
    with st.container(horizontal=True):
        st.download_button(
            label,
            lambda: frame_to_csv(make()),
            file_name=name,
            mime="text/csv",
            key=f"{key}-csv",
            on_click="ignore",
            help=f"{describe(active)} Columns by their stable codes (docs/csv-columns.md), "
            "for scripts.",
        )
        st.download_button(
            "… with readable headers",
            lambda: frame_to_csv(make(), readable=True),
            file_name=name.removesuffix(".csv") + "_readable.csv",
            mime="text/csv",
            key=f"{key}-csv-readable",
            on_click="ignore",
            type="tertiary",
            help=f"{describe(active)} The same rows with the headers and coded values in words.",
        )


PAGE_SIZE = 50
# Session-state key of the page-number keys of the listings drawn in this session.
_PAGE_KEYS = "_manul_listing_page_keys"


def first_pages() -> None:
    """Every listing on the page back to its first page.

    The `on_change` of whatever changes what the listings hold: the shared filters, a
    page's own search or sort, another item or place. Only a change by the user calls it,
    so a link's page (`?activities_page=3`) still opens, and the browser's back and forward
    restore the page the URL names.
    """
    for page_key in st.session_state.get(_PAGE_KEYS, ()):
        if page_key in st.session_state:
            st.session_state[page_key] = 1


def code_to_url(key: str, then: Callable[[], None] = first_pages) -> None:
    """The `choose_by_code` selectbox `key`'s choice into the URL by its code (none: the
    parameter goes), then `then` (by default: every listing back to its first page)."""
    chosen = st.session_state.get(key)
    if chosen is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = chosen
    then()


def choose_by_code(
    label: str,
    options: Mapping[str, str],
    *,
    key: str,
    noun: str,
    placeholder: str,
    then: Callable[[], None] = first_pages,
) -> str | None:
    """A selectbox of `options` (code: label) kept in the URL by code: `?<key>=<code>`.

    Not bound to the URL (`bind="query-params"`): streamlit 1.67 writes a bound selectbox's
    *label* there and drops any other value, so a link by code would open nothing, and
    every link would break when a name is edited. The URL is kept here instead: the code on
    choosing (`code_to_url`, then `then`), and on every run the choice follows the URL (a
    link, or the browser's back and forward). A label from an older link still opens its
    choice and the URL is rewritten to the code; an unknown value opens none and says so,
    naming what was asked for (`noun`).
    """
    linked = str(st.query_params.get(key, ""))
    by_label = {text: code for code, text in options.items()}
    wanted = linked if linked in options else by_label.get(linked)
    if linked and linked != wanted:
        # The URL says the code, or nothing when it names no choice.
        if wanted is None:
            del st.query_params[key]
        else:
            st.query_params[key] = wanted
    if st.session_state.get(key) != wanted:
        st.session_state[key] = wanted
    chosen = st.selectbox(
        label,
        list(options),
        format_func=options.__getitem__,
        index=None,
        placeholder=placeholder,
        key=key,
        on_change=code_to_url,
        args=(key, then),
    )
    if linked and wanted is None:
        st.warning(f"The link names no {noun} “{literal(linked)}” here. Choose one above.")
    return chosen


def relabel_link(
    key: str, labels: Mapping[str, str], *, former: Mapping[str, str] | None = None
) -> None:
    """Before a selectbox bound to the URL (`bind="query-params"`) is drawn: a link that names
    its choice by code, or by the label it had before items were marked provisional, or by a
    former label (`former`: code -> label), is rewritten to the label shown now (`labels`:
    code -> label). Streamlit 1.67 keeps a bound selectbox's label in the URL and drops any
    other value, so such a link would open nothing.
    """
    linked = st.query_params.get(key)
    if not linked or linked in labels.values():
        return
    for code, label in labels.items():
        earlier = (former or {}).get(code, label)
        if linked in (code, unmarked(label), earlier, unmarked(earlier)):
            # The choice itself (the widget reads the URL before this run could rewrite it),
            # and the URL as the widget writes it.
            st.session_state[key] = code
            st.query_params[key] = label
            return


def page_bounds(total: int, page: int, page_size: int = PAGE_SIZE) -> tuple[int, int]:
    """(offset, limit) of page `page` (1-based, clamped to the pages there are)."""
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    return (page - 1) * page_size, page_size


def paged_table(
    total: int,
    fetch: Callable[[int, int], pd.DataFrame],
    *,
    key: str,
    noun: tuple[str, str] = ("row", "rows"),
    page_size: int = PAGE_SIZE,
    **dataframe_options: Any,
) -> pd.DataFrame:
    """A long table one page at a time: `fetch(offset, limit)` gives the page's rows.

    Only the page's rows are read, sent and drawn, so a table of 100,000 activities costs
    what one of 50 does. The page number is in the URL (`<key>_page`), so a link opens the
    same page; a link's page beyond the end shows the last one. A change to what is listed
    goes back to the first page: the shared filters do that by themselves, a page's own
    controls by `on_change=first_pages`. Returns the rows shown.
    """
    pages = max(1, -(-total // page_size))
    page_key = f"{key}_page"
    known = st.session_state.get(_PAGE_KEYS)
    if not isinstance(known, set):
        known = st.session_state[_PAGE_KEYS] = set()
    known.add(page_key)
    page = 1
    if pages > 1:
        chosen = st.session_state.get(page_key)
        if chosen is None and str(st.query_params.get(page_key, "")).isdigit():
            # A link's page beyond the end: Streamlit would drop it and show page 1.
            chosen = int(st.query_params[page_key])
        if isinstance(chosen, int | float) and chosen > pages:
            st.session_state[page_key] = pages
        page = int(
            st.number_input(
                f"Page (of {pages:,})",
                min_value=1,
                max_value=pages,
                step=1,
                key=page_key,
                bind="query-params",
                help=f"{page_size} {noun[1]} per page; the download holds all {total:,}.",
            )
        )
    offset, limit = page_bounds(total, page, page_size)
    rows = fetch(offset, limit)
    first, last = offset + 1, offset + len(rows)
    if total > len(rows):
        st.caption(f"{noun[1].capitalize()} {first:,}–{last:,} of {total:,}.")
    height = min(35 * (len(rows) + 1) + 3, 743)
    listing(rows, height=height, **dataframe_options)
    return rows


def plan_headers() -> dict[str, str]:
    """The header of each plan's column of item codes, by the plan's short name: `cami` →
    "CAMI WP 2026–2032 items", `strategy (provisional structure)` → "Strategy 2018–2028
    items (provisional structure)" (the queries name such columns by the plan's code)."""
    headers: dict[str, str] = {}
    for plan in data.plan_list():
        headers[plan.code] = f"{plan.short_name} items"
        headers[codes_header(plan.code, True)] = codes_header(f"{plan.short_name} items", True)
    return headers


def listing(
    rows: pd.DataFrame,
    *,
    first: tuple[str, ...] = (),
    headers: Mapping[str, str] | None = None,
    **dataframe_options: Any,
) -> None:
    """A table of `rows` for people (st.dataframe, full width, no index): columns by their
    labels, coded values in words, Yes/No for true/false, numbers with thousands separators,
    percentages as "67 %", empty cells blank (`dashboard.labels`); a plan's column of item
    codes by the plan's name (`plan_headers`), and any column of `headers` (code → header)
    as it says. A source is a link. When they are activities (an `activity_id` column), each
    title (else id) links to the activity's page. The columns `first` (codes) come first, the
    others after them in their order. Only what is shown changes: a CSV made of `rows` keeps
    its columns and values."""
    named = {**plan_headers(), **(headers or {})}
    named = {code: header for code, header in named.items() if code in rows.columns}
    rows = rows.rename(columns=named)
    first = tuple(named.get(code, code) for code in first)
    shown, linked = links.linked_titles(rows)
    options: dict[str, Any] = {
        "hide_index": True,
        "width": "stretch",
        "placeholder": "",
        **dataframe_options,
    }
    sources = {"source_url": st.column_config.LinkColumn()} if "source_url" in rows else {}
    config = {
        **number_formats(rows),
        **sources,
        **linked,
        **(options.get("column_config") or {}),
    }
    options["column_config"] = {
        labels.column_label(code): _labelled(code, column) for code, column in config.items()
    }
    if first:
        leading = [code for code in first if code in rows.columns]
        order = [*leading, *(code for code in rows.columns if code not in leading)]
        options["column_order"] = [labels.column_label(code) for code in order]
    st.dataframe(labels.for_people(shown), **options)


def number_formats(rows: pd.DataFrame) -> dict[str, Any]:
    """How each numeric column of `rows` reads: an activity's progress as a bar with its
    percentage, other percentages "67 %", years as written, other numbers with thousands
    separators ("525,500")."""
    formats: dict[str, Any] = {}
    for code in rows.columns:
        dtype = rows[code].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            continue
        if code == "progress_pct":
            formats[code] = st.column_config.ProgressColumn(
                format="%.0f %%", min_value=0, max_value=100
            )
        elif labels.is_percent(code):
            formats[code] = st.column_config.NumberColumn(format="%.0f %%")
        elif labels.is_year(code):
            formats[code] = st.column_config.NumberColumn(format="%d")
        else:
            formats[code] = st.column_config.NumberColumn(format="localized")
    return formats


def _labelled(code: object, column: Any) -> Any:
    """A column's configuration with its header the column's label (unless it names one of
    its own)."""
    if isinstance(column, dict) and column.get("label") in (None, code):
        return {**column, "label": labels.column_label(code)}
    return column

"""The filters every page shares, kept in the URL so a copied link opens the same view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import dates
from dashboard import filters as shared
from dashboard.filters import Filters
from dashboard.markup import literal
from dashboard.provisional import unmarked
from dashboard.ui import data
from dashboard.ui.layout import first_pages

# Where the filters drawn by app.py wait for the page that runs after it.
_CURRENT = "_manul_current_filters"
# The page the filters were last drawn for (to tell a move to another page).
_PAGE = "_manul_filters_page"
# How the sidebar draws each filter kept by code (`shared.BY_CODE`), by its URL parameter:
# (label, the filter_options entry, placeholder).
_BY_CODE = {
    "country": ("Range state", "countries", "All range states"),
    "ptcr": ("PTCR (CAMI priority region)", "regions", "All PTCRs"),
    "org": ("Organisation (lead, partner or funder)", "organisations", "All organisations"),
    "status": ("Status", "statuses", "All statuses"),
    "item": ("Framework item", "items", "All items of every plan"),
}
_NOUNS = {spec.key: spec.noun for spec in shared.BY_CODE}


def _years() -> tuple[int, int]:
    """The period filter's whole range: the data's first year to its (or the plans') last,
    within the years a record may carry (a stray stored date does not stretch it)."""
    first, last = data.data_period()
    earliest, latest = dates.EARLIEST.year, dates.latest().year
    first_year = min(max(first.year, earliest), latest) if first else dt.date.today().year
    last_year = min(max(last.year, first_year), latest) if last else first_year
    return first_year, last_year


def _defaults() -> dict[str, object]:
    """Each filter's value when nothing is chosen, by widget key (the keys double as the
    URL's query-parameter names)."""
    return {
        shared.DEMO: False,
        **{spec.key: [] for spec in shared.BY_CODE},
        shared.YEARS: _years(),
        shared.AS_OF: dt.date.today(),
    }


def _reset() -> None:
    # Each filter set to its default, not dropped: a dropped bound widget reads its value back
    # from the URL, which still names the old filters, and nothing would reset in a browser.
    # The filters kept in the URL by code leave it here (the bound ones leave it by themselves).
    for key, value in _defaults().items():
        st.session_state[key] = value
    for key in _BY_CODE:
        st.query_params.pop(key, None)
    first_pages()


def _codes_to_url(key: str, values: Sequence[Any]) -> None:
    """`values` into the URL by code, one parameter each (`?country=KAZ&country=MNG`);
    none: the parameter goes."""
    if values:
        st.query_params[key] = [str(value) for value in values]
    else:
        st.query_params.pop(key, None)


def _chosen_to_url(key: str) -> None:
    """The user's choice into the URL; every listing starts again at its first page."""
    _codes_to_url(key, st.session_state.get(key) or [])
    first_pages()


def _moved_to_another_page() -> bool:
    """Whether this run is a move to another page through the navigation (not the
    browser's back or forward). Call once per run.

    On such a move the browser keeps in the URL only the parameters of widgets bound to it
    (`bind="query-params"`) and drops the filters kept here by hand.
    """
    context = get_script_run_ctx()
    if context is None:
        return False
    page, before = context.page_script_hash, st.session_state.get(_PAGE)
    st.session_state[_PAGE] = page
    return before is not None and before != page and not context.is_history_navigation


def _follow_the_link(key: str, choices: Sequence[tuple[Any, str]], *, moved: bool) -> list[str]:
    """Set the filter `key` to the choices its URL parameter names; the values it names
    that are no choice are returned (and leave the URL).

    A link names a choice by its code (`KAZ`, `9`) or, as links copied while these filters
    were bound to the URL do, by its label (`Kazakhstan (KAZ)`); the URL is rewritten to the
    codes. After a move to another page, whose URL has lost them, the choice stays and goes
    back into the URL.
    """
    linked = st.query_params.get_all(key)
    if moved and not linked:
        _codes_to_url(key, st.session_state.get(key) or [])
        return []
    by_code = {str(value): value for value, _ in choices}
    # A label as the link gives it, or as it read before items were marked provisional.
    by_label = {unmarked(label): value for value, label in choices}
    by_label.update({label: value for value, label in choices})
    wanted: list[Any] = []
    unknown: list[str] = []
    for named in linked:
        value = by_code[named] if named in by_code else by_label.get(named)
        if value is None:
            unknown.append(named)
        elif value not in wanted:
            wanted.append(value)
    if linked != [str(value) for value in wanted]:
        _codes_to_url(key, wanted)
    if st.session_state.get(key) != wanted:
        st.session_state[key] = wanted
    return unknown


def _multiselect_by_code(key: str, choices: Sequence[tuple[Any, str]], *, moved: bool) -> list[Any]:
    """One of the shared multiselects, in the URL by its choices' codes.

    Not bound to the URL (`bind="query-params"`): streamlit 1.67 writes a bound widget's
    *labels* there (`?country=Kazakhstan+(KAZ)`) and ignores a code, so a link by code would
    select nothing, and every link would break when a name is edited. The URL is kept here
    instead: the codes on choosing, and on every run the choice follows the URL (a link, the
    browser's back and forward). A value that names no choice is dropped and said so.
    """
    label, _, placeholder = _BY_CODE[key]
    noun = _NOUNS[key]
    unknown = _follow_the_link(key, choices, moved=moved)
    labels = dict(choices)
    chosen = st.multiselect(
        label,
        list(labels),
        format_func=labels.__getitem__,
        key=key,
        on_change=_chosen_to_url,
        args=(key,),
        placeholder=placeholder,
    )
    for named in unknown:
        st.warning(f"The link names no {noun} “{literal(named)}”: it is left out of the filters.")
    return chosen


def shared_filters() -> Filters:
    """The filters the shared sidebar (drawn by app.py for every page) sets in this run."""
    current = st.session_state.get(_CURRENT)
    return current if isinstance(current, Filters) else Filters()


def draw_shared_filters() -> Filters:
    """Draw the shared filter sidebar; app.py calls this once per run, before the page.

    The widgets live in the entrypoint, not in a page: a widget made by a page belongs to that
    page and would reset on every page switch, so the filters would not follow the user. A
    filter changed (or reset) by the user sends every listing back to its first page.
    """
    options = data.filter_options()
    first_year, last_year = _years()
    moved = _moved_to_another_page()

    with st.sidebar:
        st.header("Filters")
        include_demo = st.toggle(
            "Include demo data",
            value=False,
            key=shared.DEMO,
            bind="query-params",
            on_change=first_pages,
            help="Demo activities are invented for illustration and marked [Demo].",
        )
        choices = {key: options[_BY_CODE[key][1]] for key in _BY_CODE}
        if include_demo:
            choices["org"] = sorted(
                [*choices["org"], *options.get("demo_organisations", [])],
                key=lambda choice: choice[1].casefold(),
            )
        chosen = {key: _multiselect_by_code(key, choices[key], moved=moved) for key in _BY_CODE}
        years = st.slider(
            "Period (activities active in these years)",
            min_value=first_year,
            max_value=last_year,
            value=(first_year, last_year),
            key=shared.YEARS,
            bind="query-params",
            on_change=first_pages,
        )
        as_of = st.date_input(
            "Progress as of",
            value="today",
            min_value=dt.date(first_year, 1, 1),
            max_value="today",
            key=shared.AS_OF,
            bind="query-params",
            on_change=first_pages,
            format="YYYY-MM-DD",
            help="Show every figure as it stood on this date (e.g. 2026-03-23, CMS COP15).",
        )
        st.button("Reset filters", on_click=_reset, width="stretch")

    filters = shared.make(
        period=(first_year, last_year),
        countries=chosen["country"],
        regions=chosen["ptcr"],
        organisations=chosen["org"],
        statuses=chosen["status"],
        items=chosen["item"],
        years=years,
        as_of=as_of,
        include_demo=include_demo,
    )
    st.session_state[_CURRENT] = filters
    return filters

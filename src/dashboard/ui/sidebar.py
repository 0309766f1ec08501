"""The filters every page shares, bound to the URL so a copied link opens the same view."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.filters import Filters
from dashboard.ui import data
from dashboard.ui.layout import first_pages

# Where the filters drawn by app.py wait for the page that runs after it.
_CURRENT = "_manul_current_filters"


def _years() -> tuple[int, int]:
    """The period filter's whole range: the data's first year to its (or the plans') last."""
    first, last = data.data_period()
    first_year = first.year if first else dt.date.today().year
    return first_year, last.year if last else first_year


def _defaults() -> dict[str, object]:
    """Each filter's value when nothing is chosen, by widget key (the keys double as the
    URL's query-parameter names)."""
    return {
        "demo": True,
        **{key: [] for key in ("country", "ptcr", "org", "status", "item")},
        "years": _years(),
        "as_of": dt.date.today(),
    }


def _reset() -> None:
    # Each filter set to its default, not dropped: a dropped bound widget reads its value back
    # from the URL, which still names the old filters, and nothing would reset in a browser.
    for key, value in _defaults().items():
        st.session_state[key] = value
    first_pages()


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
    labels = {name: dict(pairs) for name, pairs in options.items()}

    with st.sidebar:
        st.header("Filters")
        include_demo = st.toggle(
            "Include demo data",
            value=True,
            key="demo",
            bind="query-params",
            on_change=first_pages,
            help="Demo activities are invented for illustration and marked [Demo].",
        )
        countries = st.multiselect(
            "Range state",
            [value for value, _ in options["countries"]],
            format_func=labels["countries"].__getitem__,
            key="country",
            bind="query-params",
            on_change=first_pages,
            placeholder="All range states",
        )
        regions = st.multiselect(
            "PTCR (CAMI priority region)",
            [value for value, _ in options["regions"]],
            format_func=labels["regions"].__getitem__,
            key="ptcr",
            bind="query-params",
            on_change=first_pages,
            placeholder="All PTCRs",
        )
        organisations = st.multiselect(
            "Organisation (lead, partner or funder)",
            [value for value, _ in options["organisations"]],
            format_func=labels["organisations"].__getitem__,
            key="org",
            bind="query-params",
            on_change=first_pages,
            placeholder="All organisations",
        )
        statuses = st.multiselect(
            "Status",
            [value for value, _ in options["statuses"]],
            format_func=labels["statuses"].__getitem__,
            key="status",
            bind="query-params",
            on_change=first_pages,
            placeholder="All statuses",
        )
        items = st.multiselect(
            "Framework item",
            [value for value, _ in options["items"]],
            format_func=labels["items"].__getitem__,
            key="item",
            bind="query-params",
            on_change=first_pages,
            placeholder="All Strategy items and CAMI sections",
        )
        years = st.slider(
            "Period (activities active in these years)",
            min_value=first_year,
            max_value=last_year,
            value=(first_year, last_year),
            key="years",
            bind="query-params",
            on_change=first_pages,
        )
        as_of = st.date_input(
            "Progress as of",
            value="today",
            min_value=dt.date(first_year, 1, 1),
            max_value="today",
            key="as_of",
            bind="query-params",
            on_change=first_pages,
            format="YYYY-MM-DD",
            help="Show every figure as it stood on this date (e.g. 2026-03-23, CMS COP15).",
        )
        st.button("Reset filters", on_click=_reset, width="stretch")

    start_year, end_year = years
    filters = Filters(
        countries=tuple(countries),
        regions=tuple(regions),
        organisations=tuple(organisations),
        statuses=tuple(statuses),
        items=tuple(items),
        start=dt.date(start_year, 1, 1) if start_year > first_year else None,
        end=dt.date(end_year, 12, 31) if end_year < last_year else None,
        include_demo=include_demo,
        as_of=as_of if as_of and as_of != dt.date.today() else None,
    )
    st.session_state[_CURRENT] = filters
    return filters

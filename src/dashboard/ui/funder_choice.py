"""Which funder the funder page is about: a selectbox bound to the URL (`?funder=<slug>`)."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data
from dashboard.ui.layout import first_pages
from dashboard.ui.sidebar import shared_filters

KEY = "funder"


def choose_funder() -> str | None:
    """The chosen funder's slug (None until one is chosen), in the URL as `?funder=<slug>`.

    A bound selectbox writes its option's *label* into the URL (streamlit 1.67 serialises the
    format_func text, and drops a URL value that is no label). Names as labels would give
    `?funder=Fondation+Segr%C3%A9`; the labels are therefore the slugs, so links read
    `?funder=hellabrunn-zoo`, and the page names the funder in full just below.
    """
    options = dict(data.funder_options(include_demo=shared_filters().include_demo))
    chosen = st.selectbox(
        "Funder (as in the page's link)",
        list(options),
        index=None,
        key=KEY,
        bind="query-params",
        # Another funder's activities start at their first page.
        on_change=first_pages,
        placeholder="Choose a funder",
        help="Funders are listed by the short name their link uses; the full name follows.",
    )
    return chosen if chosen in options else None


def funder_links() -> list[tuple[str, str]]:
    """(name, relative link by slug) for every funder, for the page's "choose one" list."""
    shown = data.funder_options(include_demo=shared_filters().include_demo)
    return [(name, f"?{KEY}={slug}") for slug, name in shown]

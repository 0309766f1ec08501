"""Which funder the funder page is about: chosen by name, kept in the URL by its slug
(`?funder=<slug>`)."""

from __future__ import annotations

from dashboard.ui import data, layout
from dashboard.ui.sidebar import shared_filters

KEY = "funder"


def choose_funder() -> str | None:
    """The chosen funder's slug (None until one is chosen), in the URL as `?funder=<slug>`.

    The choice lists the funders by name and keeps the slug in the link
    (`layout.choose_by_code`), so links read `?funder=hellabrunn-zoo` and survive a renamed
    organisation; a link naming no funder says so.
    """
    options = dict(data.funder_options(include_demo=shared_filters().include_demo))
    return layout.choose_by_code(
        "Funder", options, key=KEY, noun="funder", placeholder="Choose a funder"
    )

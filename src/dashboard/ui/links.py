"""Links between pages (an activity's, a funder's, a plan item's) and stored text shown as
written: the one place where values from the store become links or Markdown on a page.

Links are relative (`activity?id=A1`), so they work under any base path the server has.
Only http and https addresses from the store become links; anything else is shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st

from dashboard import charts

# The activity page's url_path in app.py, its file, and its parameter.
ACTIVITY_PAGE = "activity"
ACTIVITY_PAGE_FILE = "views/activity_page.py"
ACTIVITY_PARAMETER = "id"
# The funder page's url_path in app.py and its parameter (ui.funder_choice.KEY).
FUNDER_PAGE = "funder"
FUNDER_PARAMETER = "funder"

# A listing's title cell links to the activity: the link carries the title after "#", and
# the LinkColumn shows that part (Streamlit decodes it), so the title is the link text.
TITLE_IN_LINK = r"#(.*)$"
# Where a listing has no title, the id is the link text.
ID_IN_LINK = rf"[?&]{ACTIVITY_PARAMETER}=([^&#]*)"

# Markdown's special characters: stored text must show as written, never as markup.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~:])")


def plain(text: object) -> str:
    """Stored text for st.markdown, shown exactly as written (every Markdown character
    escaped, line breaks kept)."""
    return _MARKDOWN.sub(r"\\\1", "" if text is None else str(text)).replace("\n", "  \n")


def activity_url(activity_id: str) -> str:
    """The activity page of `activity_id`: `activity?id=A1`."""
    return f"{ACTIVITY_PAGE}?{ACTIVITY_PARAMETER}={quote(str(activity_id), safe='')}"


def funder_url(slug: str) -> str:
    """The funder page of the organisation `slug`: `funder?funder=hellabrunn-zoo`."""
    return f"{FUNDER_PAGE}?{FUNDER_PARAMETER}={quote(str(slug), safe='')}"


def item_url(framework: str, code: str) -> str:
    """A plan's page with item `code` chosen, as that page keeps it in its URL
    (ui.framework_view.item_key): `strategy?strategy_item=S1.2`. A plan's page is served at
    its framework's code (app.py), so the link is derived from the Framework row."""
    return f"{quote(framework, safe='')}?{item_key(framework)}={quote(str(code), safe='')}"


def item_key(framework: str) -> str:
    """The widget key and URL parameter of the item chosen on a plan's page."""
    return f"{framework}_item"


def web_address(value: object) -> str | None:
    """`value` if it is an http(s) address that can be a link, else None."""
    text = str(value or "").strip()
    if not text or any(character.isspace() for character in text):
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Parentheses would end a Markdown link early.
    return text.replace("(", "%28").replace(")", "%29")


def link(text: object, url: str) -> str:
    """Markdown for a link to `url` (a link made here, or a `web_address`), its text as
    written."""
    return f"[{plain(text)}]({url})"


def source(value: object) -> str:
    """A source as Markdown: each of its ";"-separated parts a link when it is a web
    address, else its text as written."""
    parts = [part.strip() for part in str(value or "").split(";")]
    return "; ".join(
        link(part, address) if (address := web_address(part)) else plain(part)
        for part in parts
        if part
    )


def linked_titles(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A listing of activities, for st.dataframe, with each title (else each id) a link to
    the activity's page; returns the frame to show and its column_config. The frame itself
    (and so any CSV made from it) is left as it is."""
    if "activity_id" not in frame.columns:
        return frame, {}
    ids = frame["activity_id"].astype(str)
    shown = frame.copy()
    if "title" in frame.columns:
        titles = frame["title"].fillna("").astype(str)
        shown["title"] = [
            f"{activity_url(key)}#{quote(title, safe='')}"
            for key, title in zip(ids, titles, strict=True)
        ]
        column = st.column_config.LinkColumn(
            "title", display_text=TITLE_IN_LINK, help="Open the activity's page"
        )
        return shown, {"title": column}
    shown["activity_id"] = [activity_url(key) for key in ids]
    column = st.column_config.LinkColumn(
        "activity_id", display_text=ID_IN_LINK, help="Open the activity's page"
    )
    return shown, {"activity_id": column}


# A map click chooses an activity here; the next run opens its page.
_OPEN = "_manul_open_activity"


def open_from_map(objects: Any) -> None:
    """A map's selection callback: a click on the dot of one activity opens its page."""
    opened = charts.selected_activity(objects)
    if opened:
        st.session_state[_OPEN] = opened


def open_chosen_activity() -> None:
    """Open the page of the activity a map click chose (see `open_from_map`), if any."""
    opened = st.session_state.pop(_OPEN, None)
    if opened:
        st.switch_page(ACTIVITY_PAGE_FILE, query_params={ACTIVITY_PARAMETER: opened})


def inline(parts: Iterable[str], *, none: str = "none recorded") -> str:
    """Markdown parts joined into one line, or `none` when there are none."""
    joined = " · ".join(parts)
    return joined or none

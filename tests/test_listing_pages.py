"""A long listing goes back to its first page when what it lists changes, through app.py.

The page number is in the URL (`<key>_page`), so a link opens the page it names; a change the
user makes to the shared filters, or to the item listed, starts again at page 1.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages_funder_explorer import (  # noqa: F401 (fixtures)
    EXPLORER,
    many_activities,
    many_store_url,
    open_page,
    whole_listing,
)

pytestmark = pytest.mark.usefixtures("app_env")


def page_number(at: AppTest, key: str = "activities_page") -> int:
    return int(at.number_input(key=key).value)


def first_rows(at: AppTest) -> list[str]:
    return at.dataframe[0].value["ID"].tolist()  # type: ignore[no-any-return]


def test_a_link_opens_the_page_it_names(many_activities: str) -> None:  # noqa: F811
    at = open_page(EXPLORER, demo="true", activities_page="3")
    assert page_number(at) == 3
    assert first_rows(at) == whole_listing(many_activities)["activity_id"][100:150].tolist()


# Each shared filter of the sidebar, changed by the user.
FILTER_CHANGES: dict[str, Callable[[AppTest], object]] = {
    "range state": lambda at: at.multiselect(key="country").select("KAZ"),
    "PTCR": lambda at: at.multiselect(key="ptcr").select(9),
    "organisation": lambda at: at.multiselect(key="org").select("pica"),
    "status": lambda at: at.multiselect(key="status").select("in_progress"),
    "framework item": lambda at: at.multiselect(key="item").select("S1.1"),
    "demo data": lambda at: at.toggle(key="demo").set_value(False),
    "period": lambda at: at.slider(key="years").set_range(2019, 2026),
    "as of": lambda at: at.date_input(key="as_of").set_value("2026-03-23"),
    "reset": lambda at: at.button[0].click(),
}


@pytest.mark.parametrize("change", list(FILTER_CHANGES), ids=list(FILTER_CHANGES))
def test_a_shared_filter_sends_the_listing_back_to_its_first_page(
    many_activities: str,  # noqa: F811
    change: str,
) -> None:
    # Page 3, reached by the link (or, for "reset", page 3 under a filter to reset).
    at = open_page(
        EXPLORER, demo="true", activities_page="3", **({"org": "acbk"} if change == "reset" else {})
    )
    assert page_number(at) == 3
    shown_before = first_rows(at)
    FILTER_CHANGES[change](at)
    at.run()
    assert not at.exception, at.exception
    assert page_number(at) == 1
    assert first_rows(at) != shown_before
    captions = [caption.value for caption in at.caption]
    assert any(caption.startswith("Activities 1–50 of ") for caption in captions), captions


def test_a_filter_that_leaves_fewer_pages_shows_the_first_not_the_last(
    many_activities: str,  # noqa: F811
) -> None:
    at = open_page(EXPLORER, demo="true", activities_page="21")
    at.multiselect(key="country").select("NPL").run()
    nepal = whole_listing(many_activities).loc[lambda f: f["countries"].map(lambda c: "NPL" in c)]
    assert 1 < -(-len(nepal) // 50) < 21
    assert page_number(at) == 1
    assert first_rows(at) == nepal["activity_id"][:50].tolist()


def test_paging_through_the_same_listing_keeps_the_page(many_activities: str) -> None:  # noqa: F811
    at = open_page(EXPLORER, demo="true", country="KAZ")
    at.number_input(key="activities_page").set_value(4).run()
    assert page_number(at) == 4
    # Reruns that change nothing listed (here: none at all) keep it.
    at.run()
    assert page_number(at) == 4


def test_another_item_lists_its_activities_from_their_first_page(
    many_activities: str,  # noqa: F811
) -> None:
    at = open_page("strategy", demo="true", strategy_item="S1", strategy_behind_page="3")
    assert page_number(at, "strategy_behind_page") == 3
    at.selectbox(key="strategy_item").select("S2").run()
    assert page_number(at, "strategy_behind_page") == 1
    # And a shared filter does the same for the item's listing.
    at.number_input(key="strategy_behind_page").set_value(2).run()
    at.toggle(key="demo").set_value(False).run()
    assert page_number(at, "strategy_behind_page") == 1


def _a_listing_with_its_own_search() -> None:
    """A page with a listing and a search of its own, reset by `on_change=first_pages`."""
    import pandas as pd
    import streamlit as st

    from dashboard.ui import layout

    words = st.text_input("Search", key="q", bind="query-params", on_change=layout.first_pages)
    rows = pd.DataFrame({"n": range(1_000)})
    if words:
        rows = rows[rows["n"].astype(str).str.contains(words)]
    layout.paged_table(len(rows), lambda offset, limit: rows[offset : offset + limit], key="rows")


def test_a_pages_own_control_sends_its_listing_back_to_the_first_page() -> None:
    at = AppTest.from_function(_a_listing_with_its_own_search, default_timeout=30)
    at.query_params["rows_page"] = "5"
    at.run()
    assert page_number(at, "rows_page") == 5
    # 271 numbers below 1,000 contain a 1: six pages, so page 5 would still exist.
    at.text_input(key="q").input("1").run()
    assert at.number_input(key="rows_page").label == "Page (of 6)"
    assert page_number(at, "rows_page") == 1
    assert at.dataframe[0].value["N"].tolist()[:3] == [1, 10, 11]


@pytest.mark.parametrize(
    "change",
    [
        lambda at: at.multiselect(key="funded_by").select("hellabrunn-zoo"),
        lambda at: at.selectbox(key="sort").select("progress_pct"),
        lambda at: at.toggle(key="desc").set_value(True),
    ],
    ids=["funded by", "sort by", "descending"],
)
def test_the_explorers_own_controls_send_it_back_to_its_first_page(
    many_activities: str,  # noqa: F811
    change: Callable[[AppTest], object],
) -> None:
    at = open_page(EXPLORER, demo="true", activities_page="3")
    change(at)
    at.run()
    assert page_number(at) == 1

"""A link to a framework item by its code (`/strategy?strategy_item=S1`), through app.py.

AppTest sends the link's query string as a browser would; the URL the page leaves behind is
`at.query_params`. tests/browser/test_links_and_pages.py opens the same links in Chromium.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages import run_app
from tests.test_pages_progress import table_with

pytestmark = pytest.mark.usefixtures("app_env")

STRATEGY = "strategy"
CAMI = "cami"


def behind(at: AppTest) -> list[str]:
    """The activities listed behind the chosen item."""
    return table_with(at, "ID")["ID"].tolist()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("page", "key", "code", "activities"),
    [
        (STRATEGY, "strategy_item", "S1", ["A1", "A2", "A5"]),
        (STRATEGY, "strategy_item", "S2.1", ["A3"]),
        (CAMI, "cami_item", "CAMI-4", ["A3"]),
        # By progress, highest first.
        (CAMI, "cami_item", "CAMI-10", ["A1", "A5", "A4"]),
    ],
)
def test_a_link_by_the_items_code_opens_its_activities(
    page: str, key: str, code: str, activities: list[str]
) -> None:
    at = run_app(page, **{key: code}, demo="true")
    assert not at.exception, at.exception
    assert at.selectbox(key=key).value == code
    assert behind(at) == activities
    # The link stays as it was: the code, nothing else.
    assert at.query_params[key] == code


def test_choosing_an_item_puts_its_code_in_the_url() -> None:
    at = run_app(STRATEGY, demo="true")
    assert "strategy_item" not in at.query_params
    at.selectbox(key="strategy_item").select("S2.1").run()
    assert at.query_params["strategy_item"] == "S2.1"
    assert behind(at) == ["A3"]
    at.selectbox(key="strategy_item").select("S1").run()
    assert at.query_params["strategy_item"] == "S1"
    assert behind(at) == ["A1", "A2", "A5"]
    # Cleared, the item leaves the URL.
    at.selectbox(key="strategy_item").set_value(None).run()
    assert "strategy_item" not in at.query_params
    assert at.selectbox(key="strategy_item").value is None


def test_a_link_by_the_items_label_still_opens_it_and_the_url_becomes_its_code() -> None:
    # Links copied before the URL carried the code carry the selectbox's label.
    at = run_app(STRATEGY, strategy_item="S2 Threats", demo="true")
    assert at.selectbox(key="strategy_item").value == "S2"
    assert behind(at) == ["A3"]
    assert at.query_params["strategy_item"] == "S2"


@pytest.mark.parametrize(
    ("page", "key", "code"),
    [
        (STRATEGY, "strategy_item", "S9"),
        (STRATEGY, "strategy_item", "s1"),
        (CAMI, "cami_item", "S1"),
    ],
)
def test_an_unknown_code_opens_no_item_and_says_so(page: str, key: str, code: str) -> None:
    at = run_app(page, **{key: code})
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    assert at.selectbox(key=key).value is None
    assert f"The link names no item “{code}” here. Choose one above." in [
        warning.value for warning in at.warning
    ]
    # The URL no longer names it, as for any value a widget in the URL cannot take.
    assert key not in at.query_params
    # The rest of the page is there.
    assert [s.value for s in at.subheader][:2] == ["The whole tree", "What is behind an item"]


def test_the_item_stays_chosen_when_a_shared_filter_changes() -> None:
    at = run_app(STRATEGY, strategy_item="S1")
    at.toggle(key="demo").set_value(True).run()
    assert at.selectbox(key="strategy_item").value == "S1"
    assert at.query_params["strategy_item"] == "S1"
    assert behind(at) == ["A1", "A2", "A5"]

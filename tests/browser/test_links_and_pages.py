"""In a real browser: a link to an item by its code, and long listings back at page 1 when the
filters change (what the URL says, and what the page shows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, Visit, streamlit_server, wait_for_run
from tests.browser.test_download import dismiss_dialogs
from tests.test_activity_table import add_many_activities

pytestmark = pytest.mark.browser


def item_box(visit: Visit) -> Any:
    """The input of the "Item" selectbox (it shows the chosen item's label)."""
    return visit.page.get_by_role("combobox", name="Item", exact=True)


def choose_item(visit: Visit, label: str) -> None:
    box = item_box(visit)
    # A click alone does not open the list of a combobox that already shows a choice.
    box.click()
    box.press("ArrowDown")
    visit.page.get_by_role("option", name=label, exact=True).click()


def test_a_link_by_an_items_code_opens_it_and_a_choice_puts_its_code_in_the_link(
    server: Server, visit: Visit
) -> None:
    visit.open(f"{server.url}/strategy?strategy_item=S1", expect="Download these 3 activities")
    dismiss_dialogs(visit)
    expect(item_box(visit)).to_have_value("S1 Knowledge", timeout=20_000)
    assert visit.page.url.endswith("/strategy?strategy_item=S1")
    # Another item: its code, not its label, goes into the link. (Demo data is off: the
    # fixture's documented activities only.)
    choose_item(visit, "S1.2 Monitoring")
    wait_for_run(visit.page, expect="Download these 2 activities")
    visit.page.wait_for_url("**/strategy?strategy_item=S1.2", timeout=20_000)
    # The browser's Back returns to the item before.
    visit.page.go_back()
    wait_for_run(visit.page, expect="Download these 3 activities")
    expect(item_box(visit)).to_have_value("S1 Knowledge", timeout=20_000)

    visit.open(f"{server.url}/cami?cami_item=CAMI-4&demo=true", expect="Download this activity")
    expect(item_box(visit)).to_have_value("CAMI-4 Transboundary Cooperation", timeout=20_000)
    assert "cami_item=CAMI-4" in visit.page.url, visit.page.url
    assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []


def test_an_unknown_item_in_a_link_opens_the_page_with_a_message(
    server: Server, visit: Visit
) -> None:
    visit.open(f"{server.url}/strategy?strategy_item=S9", expect="The link names no item “S9”")
    expect(item_box(visit)).to_have_value("", timeout=20_000)
    visit.page.wait_for_url("**/strategy", timeout=20_000)
    assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []


def test_a_long_listing_starts_again_at_page_1_when_a_filter_or_the_item_changes(
    visit: Visit, tmp_path: Path
) -> None:
    # A server of its own: its store holds 1,025 activities (21 pages of 50).
    with streamlit_server(tmp_path) as server:
        add_many_activities(server.store)
        visit.open(
            f"{server.url}/activities?activities_page=3&demo=true",
            expect="Activities 101–150 of 1,025.",
        )
        dismiss_dialogs(visit)
        page_number = visit.page.locator("[data-testid='stNumberInput'] input")
        expect(page_number).to_have_value("3", timeout=20_000)
        # A shared filter: page 1 of what it leaves, and the link no longer names a page.
        visit.page.locator("[data-testid='stSidebar'] [data-testid='stCheckbox']").first.click()
        wait_for_run(visit.page, expect="Activities 1–50 of ")
        expect(page_number).to_have_value("1", timeout=20_000)
        # Demo data off again is the default: the link no longer names it.
        visit.page.wait_for_url("**/activities", timeout=20_000)

        # Another item on a framework page: its activities from their first page.
        visit.open(
            f"{server.url}/strategy?strategy_item=S1&strategy_behind_page=3",
            expect="Activities 101–150 of ",
        )
        choose_item(visit, "S2 Threats")
        wait_for_run(visit.page, expect="Activities 1–50 of ")
        visit.page.wait_for_url("**/strategy?strategy_item=S2", timeout=20_000)
        assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []


def test_reset_filters_clears_the_filters_and_the_link(server: Server, visit: Visit) -> None:
    visit.open(f"{server.url}/activities?org=acbk&demo=true", expect="Activities")
    dismiss_dialogs(visit)
    # The fixture's three documented activities (demo data off): not under these filters.
    every = visit.page.get_by_text("3 activities, documented records first", exact=False)
    expect(every).to_have_count(0, timeout=20_000)
    switch = visit.page.get_by_role("switch", name="Include demo data")
    assert switch.is_checked() is True
    visit.page.get_by_role("button", name="Reset filters").click()
    wait_for_run(visit.page, expect="Activities")
    # Every filter back to its default, and the link names none of them any more.
    visit.page.wait_for_url("**/activities", timeout=20_000)
    expect(every.first).to_be_visible(timeout=20_000)
    assert switch.is_checked() is False
    # It stays reset on the next run (a filter does not come back from the old link).
    visit.page.reload()
    wait_for_run(visit.page, expect="Activities")
    assert visit.page.url.endswith("/activities"), visit.page.url
    assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []

"""In a real browser: a link to a shared filter by its code follows the user from page to page
and survives a reload (the browser drops a page's URL parameters on navigation unless the app
puts them back; tests/test_filter_links.py checks the rest with AppTest)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, Visit, wait_for_run
from tests.browser.test_download import dismiss_dialogs

pytestmark = pytest.mark.browser


def chosen_range_states(visit: Visit) -> Any:
    """The tags of the sidebar's "Range state" multiselect (each shows a choice's label)."""
    return (
        visit.page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']")
        .filter(has=visit.page.get_by_role("combobox", name="Range state", exact=True))
        .locator("[data-tag]")
    )


def test_a_link_by_code_stays_selected_across_pages_and_a_reload(
    server: Server, visit: Visit
) -> None:
    # The fixture: two of the three documented activities are in Kazakhstan.
    visit.open(f"{server.url}/activities?country=KAZ", expect="Download these 2 rows as CSV")
    dismiss_dialogs(visit)
    tags = chosen_range_states(visit)
    expect(tags).to_have_text(["Kazakhstan (KAZ)"], timeout=20_000)
    assert visit.page.url.endswith("/activities?country=KAZ"), visit.page.url

    # Another page through the navigation, as a user would.
    visit.page.get_by_role("link", name="Fixture Strategy 2018–2028").click()
    wait_for_run(visit.page, expect="What is behind an item")
    visit.page.wait_for_url("**/strategy?country=KAZ", timeout=20_000)
    expect(tags).to_have_text(["Kazakhstan (KAZ)"], timeout=20_000)

    visit.page.reload()
    wait_for_run(visit.page, expect="What is behind an item")
    expect(tags).to_have_text(["Kazakhstan (KAZ)"], timeout=20_000)
    assert visit.page.url.endswith("/strategy?country=KAZ"), visit.page.url

    # And back to the listing: still the two.
    visit.page.get_by_role("link", name="Activities").click()
    wait_for_run(visit.page, expect="Download these 2 rows as CSV")
    visit.page.wait_for_url("**/activities?country=KAZ", timeout=20_000)
    assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []

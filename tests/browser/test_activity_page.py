"""In a real browser: every page's own tab title, and the activity page's links."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, Visit

pytestmark = pytest.mark.browser

# Every page a visitor can open (the edit page needs a partner: test_browser_edit.py).
TITLES = {
    "": "Manul Progress",
    "strategy": "Fixture Strategy 2018–2028 · Manul Progress",
    "cami": "Fixture Work Programme 2026–2032 · Manul Progress",
    "history": "Progress over time · Manul Progress",
    "synergies": "Synergies · Manul Progress",
    "regions": "Regional coverage · Manul Progress",
    "funder": "Funder impact · Manul Progress",
    "activities": "Activities · Manul Progress",
    "sign-in": "Partner sign-in · Manul Progress",
    # The activity page names the activity, or says it found none.
    "activity?id=A1": "Camera trapping in the Kazakh Altai · Manul Progress",
    "activity?id=A9": "Activity not found · Manul Progress",
}


def test_every_page_has_its_own_tab_title(server: Server, visit: Visit) -> None:
    assert len(set(TITLES.values())) == len(TITLES)
    for path, title in TITLES.items():
        visit.open(f"{server.url}/{path}")
        expect(visit.page).to_have_title(title, timeout=20_000)
    assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []


def test_the_activity_page_links_to_its_funders_and_plan_items(
    server: Server, visit: Visit
) -> None:
    visit.open(f"{server.url}/activity?id=A1", expect="Plan items it serves")
    visit.screenshot("activity")
    funder = visit.page.get_by_role("link", name="Hellabrunn Zoo").first
    with visit.page.context.expect_page() as opened:
        funder.click()
    page = opened.value
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.get_by_text("Funding by year").first.wait_for(timeout=45_000)
    assert page.url == f"{server.url}/funder?funder=hellabrunn-zoo"
    item = visit.page.get_by_role("link", name="CAMI-10 Species Monitoring and Research")
    assert item.get_attribute("href") == "cami?cami_item=CAMI-10"
    source = visit.page.get_by_role("link", name="https://example.org/a1")
    assert source.get_attribute("href") == "https://example.org/a1"
    assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []

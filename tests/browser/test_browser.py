"""What only a real browser shows: pages render, deep links work, nothing leaves localhost."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import Server, Visit, streamlit_server, wait_for_run

pytestmark = pytest.mark.browser

# (URL path, text the page shows when it has rendered)
PAGES = [
    ("", "Manul Progress"),
    ("strategy", "Fixture Strategy 2018–2028"),
    ("cami", "Fixture Work Programme 2026–2032"),
    ("history", "Items started and completed against time"),
    ("synergies", "Strategy × CAMI WP matrix"),
    ("regions", "Coverage by PTCR"),
    ("funder?funder=hellabrunn-zoo", "Since 2019 your support"),
    ("activities", "Download these 3 rows as CSV"),
    ("sign-in", "Partner sign-in"),
]


@pytest.mark.parametrize(("path", "expect"), PAGES)
def test_every_page_renders_offline(server: Server, visit: Visit, path: str, expect: str) -> None:
    visit.open(f"{server.url}/{path}", expect=expect)
    assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.page.locator("[data-testid='stAlertContentError']").count() == 0
    visit.screenshot(path or "overview")
    assert visit.outside == [], f"requests left localhost: {visit.outside}"


def test_overview_draws_its_charts(server: Server, visit: Visit) -> None:
    visit.open(server.url, expect="Activities by status")
    # Charts are drawn one after another: wait for all three, not just the first.
    visit.page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=30_000
    )
    assert visit.page.locator(".js-plotly-plot").count() == 3
    # Demo data is off until asked for, and the page says so.
    assert visit.page.get_by_text("Demo data hidden (2 demo activities").count() == 1
    assert visit.page.get_by_text("Demo data included").count() == 0
    assert visit.page.get_by_role("switch", name="Include demo data").is_checked() is False
    assert visit.outside == []


def test_a_filter_survives_navigation_and_reload(server: Server, visit: Visit) -> None:
    # A link turns demo data on; it stays on from page to page and after a reload.
    visit.open(f"{server.url}/?demo=true", expect="Demo data included")
    assert visit.page.get_by_role("switch", name="Include demo data").is_checked() is True
    # Move to another page through the navigation, as a user would.
    visit.page.get_by_role("link", name="Fixture Strategy 2018–2028").click()
    wait_for_run(visit.page, expect="What is behind an item")
    visit.page.get_by_text("Demo data included").first.wait_for(timeout=20_000)
    visit.page.wait_for_url("**/strategy?*demo=true*", timeout=20_000)
    visit.page.reload()
    wait_for_run(visit.page, expect="Demo data included")
    assert visit.page.get_by_role("switch", name="Include demo data").is_checked() is True
    assert visit.outside == []


def test_a_deep_link_works_on_a_fresh_server(visit: Visit, tmp_path: Path) -> None:
    # The first request a new server sees is a deep link with filters. (A folder named pages/
    # next to app.py would make Streamlit run legacy multipage mode here: streamlit#9624.)
    with streamlit_server(tmp_path) as fresh:
        visit.open(f"{fresh.url}/cami?country=Mongolia+%28MNG%29", expect="What is behind an item")
        assert visit.page.locator("[data-testid='stException']").count() == 0, fresh.output()
        assert visit.page.get_by_text("Page not found").count() == 0
        navigation = visit.page.locator("[data-testid='stSidebarNav']")
        assert navigation.get_by_text("Overview").count() == 1
        assert navigation.get_by_text("Fixture Work Programme 2026–2032").count() == 1
        assert navigation.get_by_text("cami page").count() == 0
        assert navigation.get_by_text("plan page").count() == 0
        # The filter from the link is set (the sidebar can trail the main area by a moment).
        visit.page.get_by_text("Mongolia (MNG)").first.wait_for(timeout=20_000)
        visit.screenshot("deep-link-fresh-server")
    assert visit.outside == []

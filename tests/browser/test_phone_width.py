"""In a real browser at a phone's width (390 px): no page scrolls sideways."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server, Visit

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Pages the navigation does not list, opened from listings and links.
LINKED = ("activity?id=A1", "funder?funder=hellabrunn-zoo")
# The document and Streamlit's own scroll container of the page's content (stMain scrolls,
# the document around it does not): how far each can scroll sideways.
SIDEWAYS = """() => ['html', '[data-testid=stMain]'].map(selector => {
    const element = document.querySelector(selector);
    return [selector, element.scrollWidth - element.clientWidth];
}).filter(([, overflow]) => overflow > 0)"""


def sideways(page: Any) -> list[Any]:
    """The elements of `page` that scroll sideways, with how many pixels."""
    return list(page.evaluate(SIDEWAYS))


def navigation(visit: Visit, server: Server) -> list[str]:
    """Every page the navigation lists (read from the sidebar, at a laptop's width)."""
    visit.open(f"{server.url}/")
    hrefs = visit.page.eval_on_selector_all(
        "[data-testid='stSidebarNav'] a", "links => links.map(link => link.href)"
    )
    assert len(hrefs) >= 5, hrefs
    return list(hrefs)


def test_no_page_scrolls_sideways_on_a_phone(server: Server, visit: Visit) -> None:
    pages = [*navigation(visit, server), *(f"{server.url}/{path}" for path in LINKED)]
    visit.page.set_viewport_size(PHONE)
    found = {}
    for url in pages:
        visit.open(url)
        # Charts and maps draw after the run: give them a moment.
        visit.page.wait_for_timeout(1500)
        if overflow := sideways(visit.page):
            found[url] = overflow
            visit.screenshot(f"sideways-{url.rsplit('/', 1)[-1] or 'overview'}")
    assert found == {}, server.output()
    # The check sees a page that is too wide.
    visit.page.evaluate(
        "document.querySelector('[data-testid=stMainBlockContainer]')"
        ".insertAdjacentHTML('beforeend', '<div style=\"width: 900px; height: 5px\"></div>')"
    )
    assert sideways(visit.page)
    assert visit.outside == []

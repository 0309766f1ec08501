"""What only a real browser shows: pages render, deep links work, nothing leaves localhost."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import Server, Visit, streamlit_server

pytestmark = pytest.mark.browser

# (URL path, text the page shows when it has rendered)
PAGES = [
    ("", "Manul Progress"),
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
    visit.page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert visit.page.locator(".js-plotly-plot").count() == 3
    assert visit.page.get_by_text("Demo data included").count() == 1
    assert visit.outside == []


def test_a_filter_is_in_the_url_and_survives_a_reload(server: Server, visit: Visit) -> None:
    visit.open(f"{server.url}/?demo=false", expect="Demo data hidden")
    assert "demo=false" in visit.page.url
    visit.page.reload()
    from tests.browser.conftest import wait_for_run

    wait_for_run(visit.page, expect="Demo data hidden")
    assert visit.page.get_by_role("metric").count() >= 0
    assert visit.page.get_by_text("Demo data hidden (2 demo activities").count() == 1


def test_a_deep_link_works_on_a_fresh_server(visit: Visit, tmp_path: Path) -> None:
    # The first request a new server sees is a deep link with filters (streamlit#9624).
    path, expect = PAGES[-1]
    with streamlit_server(tmp_path) as fresh:
        visit.open(f"{fresh.url}/{path}?country=Mongolia+%28MNG%29", expect=expect)
        assert visit.page.locator("[data-testid='stException']").count() == 0, fresh.output()
        assert visit.page.get_by_text("Mongolia (MNG)").count() >= 1
    assert visit.outside == []

"""In a real browser: a plan loaded after the app was written has its page and its link."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import Visit, streamlit_server
from tests.conftest import seeded_engine, temporary_store
from tests.test_plan_pages import THIRD, add_a_third_plan

pytestmark = pytest.mark.browser


def test_a_third_plan_is_in_the_navigation_at_its_code(visit: Visit, tmp_path: Path) -> None:
    with temporary_store(tmp_path) as url:
        seeded_engine(url).dispose()
        add_a_third_plan(url)
        with streamlit_server(tmp_path, store=url) as server:
            visit.open(server.url, expect="Activities by status")
            navigation = visit.page.locator("[data-testid='stSidebarNav']")
            links = navigation.get_by_role("link")
            names = [links.nth(n).inner_text().strip() for n in range(links.count())]
            # The store's order: Strategy (2018), the new plan (2020), the Work Programme (2026).
            plans = [name for name in names if name in {
                "Fixture Strategy 2018–2028", THIRD.name, "Fixture Work Programme 2026–2032"
            }]  # fmt: skip
            assert plans == ["Fixture Strategy 2018–2028", THIRD.name,
                             "Fixture Work Programme 2026–2032"]  # fmt: skip
            navigation.get_by_role("link", name=THIRD.name).click()
            visit.page.wait_for_url(f"**/{THIRD.code}*", timeout=20_000)
            visit.page.get_by_text("What is behind an item").first.wait_for(timeout=30_000)
            assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
            assert visit.page.get_by_role("heading", name=THIRD.name).count() == 1
            visit.screenshot("third-plan")
    assert visit.outside == []

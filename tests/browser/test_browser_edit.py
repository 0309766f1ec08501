"""A partner signs in with a real browser, edits, and the change shows; nothing leaves localhost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from dashboard import auth
from dashboard.db import make_engine
from dashboard.seed import init_store
from dashboard.settings import Settings
from tests.browser.conftest import Server, Visit, streamlit_server, wait_for_run
from tests.conftest import FIXTURE_DATA

pytestmark = pytest.mark.browser

PASSWORD = "manul-steppe-2026"


@pytest.fixture(scope="module")
def partner_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose store (seeded before the first visit) has the account `alice`."""
    with streamlit_server(tmp_path_factory.mktemp("partner-server")) as running:
        engine = make_engine(running.store)
        init_store(engine, Settings(database_url=running.store, manul_data_dir=FIXTURE_DATA))
        with Session(engine) as session:
            auth.add_user(
                session=session,
                username="alice",
                password=PASSWORD,
                role="admin",
                actor=auth.command_line_actor("tests"),
            )
            session.commit()
        engine.dispose()
        yield running


def sign_in(visit: Visit, server: Server) -> None:
    visit.open(f"{server.url}/sign-in", expect="Partner sign-in")
    visit.page.get_by_label("User name").fill("alice")
    visit.page.get_by_label("Password", exact=True).fill(PASSWORD)
    visit.page.get_by_role("button", name="Sign in").click()
    wait_for_run(visit.page, expect="Signed in as")


def test_sign_in_then_edit_and_sign_out(partner_server: Server, visit: Visit) -> None:
    visit.open(partner_server.url, expect="Manul Progress")
    navigation = visit.page.locator("[data-testid='stSidebarNav']")
    assert navigation.get_by_text("Edit activities").count() == 0
    assert navigation.get_by_text("Partner sign-in").count() == 1
    sign_in(visit, partner_server)
    visit.screenshot("sign-in-signed-in")
    # Retried: the navigation in the sidebar can trail the main area by a moment.
    expect(navigation.get_by_text("Edit activities")).to_have_count(1, timeout=20_000)
    navigation.get_by_text("Edit activities").click()
    wait_for_run(visit.page, expect="Create activity")
    assert visit.page.locator("[data-testid='stException']").count() == 0, partner_server.output()
    visit.screenshot("edit-new-activity")
    # Open A5 and make it invalid: the messages stand under their fields.
    visit.page.get_by_role("combobox", name="Activity", exact=True).click()
    visit.page.get_by_role("option", name="A5 · Monitoring guideline trial").click()
    wait_for_run(visit.page, expect="Editing A5, version 1")
    progress = visit.page.get_by_role("spinbutton", name="Progress (%)")
    progress.fill("150")
    progress.press("Tab")
    visit.page.get_by_role("button", name="Save changes").click()
    wait_for_run(visit.page, expect="150 is outside 0–100")
    visit.screenshot("edit-field-messages")
    progress = visit.page.get_by_role("spinbutton", name="Progress (%)")
    progress.fill("40")
    progress.press("Tab")
    visit.page.get_by_role("button", name="Save changes").click()
    wait_for_run(visit.page, expect="Saved A5 (progress_pct)")
    expect(visit.page.get_by_text("Editing A5, version 2")).to_have_count(1, timeout=20_000)
    visit.page.get_by_role("tab", name="History").click()
    wait_for_run(visit.page)
    visit.page.get_by_placeholder("Choose an activity").wait_for()
    visit.page.get_by_role("combobox", name="Activity", exact=True).click()
    visit.page.get_by_role("option", name="A5 · Monitoring guideline trial").click()
    wait_for_run(visit.page)
    # The table is drawn on a canvas: its cells are in the page, hidden, for accessibility.
    visit.page.locator("[data-testid='stDataFrame']").wait_for()
    table = visit.page.locator("[data-testid='stDataFrame'] td")
    table.filter(has_text="progress_pct: 25 → 40").first.wait_for(state="attached")
    visit.screenshot("edit-history")
    navigation.get_by_text("Account").click()
    wait_for_run(visit.page, expect="Signed in as")
    visit.page.get_by_role("button", name="Sign out").click()
    wait_for_run(visit.page, expect="User name")
    expect(navigation.get_by_text("Edit activities")).to_have_count(0, timeout=20_000)
    assert visit.outside == [], f"requests left localhost: {visit.outside}"


def test_the_edit_page_asks_visitors_to_sign_in(partner_server: Server, visit: Visit) -> None:
    visit.open(f"{partner_server.url}/edit", expect="Sign in to edit")
    assert visit.page.get_by_text("Page not found").count() == 0
    assert visit.page.get_by_text("Create activity").count() == 0
    assert visit.page.locator("[data-testid='stException']").count() == 0
    assert visit.outside == []


def test_assess_a_plan_item_and_record_funding_without_an_amount(
    partner_server: Server, visit: Visit
) -> None:
    sign_in(visit, partner_server)
    # A new page load is a new session (signed out): go there by the navigation and the tab.
    navigation = visit.page.locator("[data-testid='stSidebarNav']")
    expect(navigation.get_by_text("Edit activities")).to_have_count(1, timeout=20_000)
    navigation.get_by_text("Edit activities").click()
    wait_for_run(visit.page, expect="Create activity")
    visit.page.get_by_role("tab", name="Assess plan items").click()
    wait_for_run(visit.page, expect="Plan item")
    visit.page.get_by_role("combobox", name="Plan item").click()
    visit.page.get_by_role("option", name="S1.2 Monitoring · Strategy (provisional)").click()
    wait_for_run(visit.page, expect="not assessed yet")
    visit.page.get_by_role("combobox", name="Item status").click()
    visit.page.get_by_role("option", name="well advanced").click()
    visit.page.get_by_role("textbox", name="Source (URL or reference)").fill(
        "CMS national report 2025"
    )
    visit.page.get_by_role("textbox", name="Note").fill("one range state still to report")
    visit.page.get_by_role("button", name="Record assessment").click()
    wait_for_run(visit.page, expect="Recorded: S1.2 well advanced")
    visit.page.locator("[data-testid='stDataFrame']").wait_for()
    assert visit.page.locator("[data-testid='stException']").count() == 0, partner_server.output()
    visit.screenshot("edit-assess-plan-item")
    visit.page.get_by_role("tab", name="Funding").click()
    wait_for_run(visit.page, expect="Amount not published")
    visit.page.get_by_text("Amount not published").click()
    wait_for_run(visit.page)
    expect(visit.page.get_by_label("Amount", exact=True)).to_be_disabled()
    visit.screenshot("edit-funding-not-published")
    assert visit.outside == [], f"requests left localhost: {visit.outside}"


def test_a_reload_and_a_bookmarked_edit_link_stay_signed_in(
    partner_server: Server, browser: object
) -> None:
    """The session cookie: HTTP-only, set by the server, and it survives a new page load."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        # A bookmarked edit link, opened signed out: sign in there, and stay there.
        page.goto(f"{partner_server.url}/edit?task=Progress+update", wait_until="domcontentloaded")
        wait_for_run(page, expect="Sign in to edit")
        assert (
            page.locator("[data-testid='stSidebarNav']").get_by_text("Edit activities").count() == 0
        )
        page.get_by_label("User name").fill("Alice")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        wait_for_run(page, expect="Signed in as")
        expect(page.get_by_role("tab", name="Progress update")).to_have_attribute(
            "aria-selected", "true", timeout=20_000
        )
        # The page hands its one-time ticket to the server, whose answer sets the cookie.
        cookies: list[dict[str, object]] = []
        for _ in range(100):
            cookies = [c for c in context.cookies() if c["name"] == auth.SESSION_COOKIE]
            if cookies:
                break
            page.wait_for_timeout(100)
        [cookie] = cookies
        assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")
        assert auth.SESSION_COOKIE not in page.evaluate("document.cookie")
        # Reload: still signed in, on the edit page.
        page.reload(wait_until="domcontentloaded")
        wait_for_run(page, expect="Signed in as")
        assert page.get_by_text("Sign in to edit").count() == 0
        page.get_by_role("tab", name="Activity").wait_for()
        # The bookmarked link in a new tab of the same browser: signed in too.
        other = context.new_page()
        other.goto(f"{partner_server.url}/edit", wait_until="domcontentloaded")
        wait_for_run(other, expect="Signed in as")
        # Signing out there ends the session: a reload asks to sign in again.
        other.goto(f"{partner_server.url}/sign-in", wait_until="domcontentloaded")
        wait_for_run(other, expect="Signed in as")
        other.get_by_role("button", name="Sign out").click()
        wait_for_run(other, expect="User name")
        page.reload(wait_until="domcontentloaded")
        wait_for_run(page, expect="Sign in to edit")
        assert page.locator("[data-testid='stException']").count() == 0, partner_server.output()
    finally:
        context.close()

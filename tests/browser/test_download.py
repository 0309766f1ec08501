"""In a real browser: the explorer's CSV download, the funder link, and the printed funder page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlmodel import Session

from dashboard import models as m
from dashboard.cli import main
from dashboard.db import make_engine
from tests.browser.conftest import SCREENSHOTS, Server, Visit, streamlit_server, wait_for_run
from tests.conftest import FIXTURE_DATA
from tests.test_activity_table import add_many_activities

pytestmark = pytest.mark.browser

# A4 portrait minus the page's 12 mm margins, in CSS pixels (186 mm at 96 px per inch).
PRINTABLE_WIDTH = 703


def dismiss_dialogs(visit: Visit) -> None:
    """Close a modal a fresh server may show over the page, so that clicks reach it."""
    if visit.page.get_by_role("dialog").count():
        visit.page.keyboard.press("Escape")
        visit.page.get_by_role("dialog").first.wait_for(state="hidden", timeout=5_000)


def cli_export(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str
) -> bytes:
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    out = tmp_path / "cli.csv"
    assert main(["export", "--out", str(out), *args]) == 0
    return out.read_bytes()


def test_the_downloaded_csv_is_the_rows_shown_and_the_clis_bytes(
    server: Server, visit: Visit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_url = server.store
    visit.open(
        f"{server.url}/activities?country=Kazakhstan+%28KAZ%29&demo=false",
        expect="Download these 2 rows as CSV",
    )
    dismiss_dialogs(visit)
    with visit.page.expect_download() as started:
        visit.page.get_by_role("button", name="Download these 2 rows as CSV").click()
    download = started.value
    data = Path(download.path()).read_bytes()
    assert download.suggested_filename == (
        f"manul-activities_{dt.date.today().isoformat()}_country-KAZ.csv"
    )
    assert data == cli_export(store_url, tmp_path, monkeypatch, "--country", "KAZ", "--no-demo")

    # UTF-8 with its byte-order mark, so that Excel does not read it in the system's code page.
    assert data.startswith(b"\xef\xbb\xbfactivity_id,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    engine = make_engine(store_url)
    with Session(engine) as session:
        in_store = session.execute(
            select(m.Activity.activity_id, m.Activity.title, m.Activity.status)  # type: ignore[call-overload]
            .join(m.ActivityCountry, m.ActivityCountry.activity_id == m.Activity.id)
            .where(m.ActivityCountry.country_iso3 == "KAZ", m.Activity.demo.is_(False))  # type: ignore[attr-defined]
            .order_by(m.Activity.activity_id)
        ).all()
    engine.dispose()
    assert [(r["activity_id"], r["title"], r["status"]) for r in rows] == [
        tuple(row) for row in in_store
    ]
    assert [r["countries"] for r in rows] == ["KAZ", "KAZ"]
    assert rows[0]["funders"] == "Fondation Segré;Hellabrunn Zoo"
    assert visit.outside == []


def test_a_long_listing_opens_on_the_page_its_link_names_and_downloads_every_row(
    visit: Visit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server of its own: its store holds 1,025 activities (21 pages of 50).
    with streamlit_server(tmp_path) as server:
        add_many_activities(server.store)
        visit.open(
            f"{server.url}/activities?sort=title&activities_page=2&demo=true",
            expect="Activities 51–100 of 1,025.",
        )
        dismiss_dialogs(visit)
        page_number = visit.page.get_by_label("Page (of 21)", exact=True)
        # The input can draw its default (1) for a moment before the value from the link.
        expect(page_number).to_have_value("2", timeout=20_000)
        with visit.page.expect_download() as started:
            visit.page.get_by_role("button", name="Download these 1,025 rows as CSV").click()
        data = Path(started.value.path()).read_bytes()
        # Every page's rows, sorted as the pages are: the CLI's bytes.
        assert data == cli_export(
            server.store, tmp_path, monkeypatch, "--sort", "title", "--include-demo"
        )
        assert data.count(b"\r\n") == 1 + 1_025
        # Another page goes into the link.
        page_number.fill("21")
        page_number.press("Enter")
        wait_for_run(visit.page, expect="Activities 1,001–1,025 of 1,025.")
        visit.page.wait_for_url("**activities_page=21*", timeout=20_000)
        assert visit.page.locator("[data-testid='stException']").count() == 0, server.output()
    assert visit.outside == []


def test_choosing_a_funder_puts_its_slug_in_the_link(server: Server, visit: Visit) -> None:
    visit.open(f"{server.url}/funder", expect="Choose a funder above")
    dismiss_dialogs(visit)
    visit.page.get_by_placeholder("Choose a funder").click()
    visit.page.get_by_role("option", name="Fondation Segré").click()
    wait_for_run(visit.page, expect="Since 2020 your support")
    visit.page.wait_for_url("**funder=fondation-segre*", timeout=20_000)
    expect(visit.page.get_by_role("heading", name="Fondation Segré")).to_have_count(
        1, timeout=20_000
    )
    # The link opens the same funder in a new visit.
    visit.open(visit.page.url, expect="Since 2020 your support")
    assert visit.outside == []


def test_the_funder_page_prints_within_an_a4_page(server: Server, visit: Visit) -> None:
    visit.open(f"{server.url}/funder?funder=hellabrunn-zoo", expect="Since 2019 your support")
    visit.page.locator(".js-plotly-plot").nth(2).wait_for(timeout=30_000)
    visit.page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(timeout=30_000)
    # Lay the page out as on paper: print media, as wide as A4's printable width. What was
    # drawn for the screen stays as drawn (charts are not redrawn when a page is printed).
    visit.page.emulate_media(media="print")
    visit.page.set_viewport_size({"width": PRINTABLE_WIDTH, "height": 1000})
    for hidden in ("stSidebar", "stHeader", "stDownloadButton", "stSelectbox"):
        for element in visit.page.locator(f"[data-testid='{hidden}']").all():
            assert not element.is_visible(), f"{hidden} would be printed"
    widths = visit.page.eval_on_selector_all(
        "[data-testid='stPlotlyChart'], [data-testid='stDeckGlJsonChart'], "
        "[data-testid='stTable'] table",
        "elements => elements.filter(e => e.getClientRects().length)"
        ".map(e => e.getBoundingClientRect().width)",
    )
    # Three charts, the map and four tables print (the sites table is in an expander).
    assert len(widths) == 3 + 1 + 4
    assert max(widths) <= PRINTABLE_WIDTH, widths
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOTS / "funder-print.png"), full_page=True)
    pdf = visit.page.pdf(format="A4", print_background=True)
    (SCREENSHOTS / "funder.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page\r") + pdf.count(b"/Type/Page") >= 2
    assert visit.outside == []

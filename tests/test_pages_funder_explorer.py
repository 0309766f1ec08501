"""The funder page and the activities explorer through app.py with AppTest.

The downloads are read from Streamlit's in-memory media store (AppTest does not expose their
bytes), so the page's CSV can be compared byte for byte with `dashboard export`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard.cli import main
from dashboard.db import make_engine
from dashboard.export import frame_to_csv
from dashboard.filters import Filters
from dashboard.queries.activities import activity_listing
from dashboard.ui import printing
from tests.conftest import ROOT, switch_to
from tests.test_activity_table import HEADER, MANY, ROWS, many_activities_store

APP = str(ROOT / "app.py")
FUNDER = "views/funder_page.py"
EXPLORER = "views/explorer_page.py"
TODAY = dt.date.today().isoformat()
CAMI_4 = "CAMI-4 Transboundary Cooperation · CAMI WP"

pytestmark = pytest.mark.usefixtures("app_env")


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[bytes, str]]:
    """Every file a run hands to a download button: media URL -> (bytes, file name)."""
    files: dict[str, tuple[bytes, str]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(
        self: MemoryMediaFileStorage,
        path_or_data: Any,
        mimetype: str,
        kind: Any,
        filename: str | None = None,
    ) -> str:
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[self.get_url(file_id)] = (bytes(path_or_data), filename or "")
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    # A deferred download (the CSV is made on click) leaves its maker under a file id.
    original_deferred = MediaFileManager.add_deferred

    def keep_deferred(
        self: MediaFileManager, make: Any, mimetype: Any, coordinates: str, **options: Any
    ) -> str:
        file_id = original_deferred(self, make, mimetype, coordinates, **options)
        files[f"deferred:{file_id}"] = (make, options.get("file_name") or "")
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep_deferred)
    return files


def open_page(page: str, **params: str | list[str]) -> AppTest:
    """A visit to `page` by a link carrying `params` in its URL (the app's first run, then
    the page, as tests/test_pages.py does)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    switch_to(at, page)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    return at


def download(at: AppTest, files: dict[str, tuple[bytes, str]], key: str) -> tuple[bytes, str]:
    """Click the download button whose key ends with `key`: its file and file name.

    The CSV is made only on click (a deferred download); this runs it as the server does.
    """
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(key))
    if button.proto.deferred_file_id:
        make, name = files[f"deferred:{button.proto.deferred_file_id}"]
        made = make()  # type: ignore[operator]
        return (made.encode() if isinstance(made, str) else bytes(made)), name
    return files[button.proto.url]


def table(at: AppTest, index: int) -> list[list[str]]:
    return at.table[index].value.values.tolist()  # type: ignore[no-any-return]


def test_a_funder_page_is_reached_by_its_link_and_keeps_the_slug_in_the_url() -> None:
    at = open_page(FUNDER, funder="hellabrunn-zoo")
    assert at.selectbox(key="funder").value == "hellabrunn-zoo"
    assert at.query_params["funder"] == "hellabrunn-zoo"
    assert [header.value for header in at.main.header] == ["Hellabrunn Zoo"]


def test_the_funder_page_shows_its_figures_in_words_and_tables(
    downloads: dict[str, tuple[bytes, str]],
) -> None:
    at = open_page(FUNDER, funder="hellabrunn-zoo", demo="true")
    summary = [m.value for m in at.markdown if m.value.startswith("Since")]
    assert summary == [
        "Since 2019 your support has reached **3 activities** in 3 range states (Kazakhstan, "
        "Mongolia and Russian Federation) and 2 CAMI priority regions (PTCRs). Status today: "
        "1 completed, 1 in progress, 1 cancelled. Funding recorded: EUR 16,000 (2019–2021). "
        "Results reported include 1,200 camera-trap nights (target 1,000) and 15 people "
        "trained (target 20). 1 of these activities is invented demo data."
    ]
    assert {metric.label: metric.value for metric in at.metric} == {
        "Activities supported": "3",
        "Range states": "3",
        "CAMI priority regions": "2",
        "Funding (EUR)": "16,000",
    }
    assert [s.value for s in at.subheader] == [
        "Funding by year",
        "Activities supported",
        "Outputs against targets",
        "The plans this support advances",
        "Where the work happens",
    ]
    # Funding per year: amounts with thousands separators, never added across currencies.
    assert table(at, 0) == [
        ["2019", "EUR", "10,000", "1", "1"],
        ["2020", "EUR", "1,000", "1", "1"],
        ["2021", "EUR", "5,000", "1", "1"],
    ]
    activities = table(at, 1)
    assert [row[0] for row in activities] == ["A1", "A2", "A3"]
    assert activities[1][2:5] == ["In progress", "50 %", "MNG"]
    assert table(at, 2) == [
        ["camera\\-trap nights", "nights", "1,200", "1,000", "120 %", "1"],
        ["people trained", "people", "15", "20", "75 %", "1"],
    ]
    assert [row[1] for row in table(at, 3)] == [
        "S1",
        "S1\\.1",
        "S1\\.2",
        "S2",
        "S2\\.1",
        "CAMI\\-4",
        "CAMI\\-10",
    ]
    # The printed table marks the provisional Strategy's items (st.table reads Markdown: the
    # brackets are escaped), not the CAMI sections; the page says what the mark means.
    printed = {row[1]: row[2] for row in table(at, 3)}
    assert printed["S1\\.1"] == "Distribution \\(provisional\\)"
    assert printed["CAMI\\-10"] == "Species Monitoring and Research"
    assert any("provisional working structure" in caption.value for caption in at.caption)
    titles = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert len(titles) == 3
    assert "Funding by Hellabrunn Zoo, by year" in titles[0]
    deck = at.get("deck_gl_json_chart")[0].proto.json
    assert '"id": "sites"' in deck or '"id":"sites"' in deck
    # Each table downloads as CSV; all of them together as a ZIP.
    funding_csv, name = download(at, downloads, "funder-hellabrunn-zoo-funding-csv")
    assert funding_csv == (
        b"\xef\xbb\xbfyear,currency,amount,grants,activities\r\n"
        b"2019,EUR,10000,1,1\r\n2020,EUR,1000,1,1\r\n2021,EUR,5000,1,1\r\n"
    )
    assert name == f"manul-funder-hellabrunn-zoo-funding_{TODAY}_with-demo.csv"
    archive, name = download(at, downloads, "funder-summary-zip")
    assert name == f"manul-funder-hellabrunn-zoo_{TODAY}_with-demo.zip"
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == [
            "funding.csv",
            "activities.csv",
            "outputs.csv",
            "items.csv",
            "sites.csv",
        ]
        assert opened.read("funding.csv") == funding_csv
        items_csv = opened.read("items.csv").decode("utf-8-sig")
        assert "Strategy,S1.1,Distribution (provisional),objective," in items_csv
        assert "CAMI WP,CAMI-10,Species Monitoring and Research,section," in items_csv
        assert opened.read("activities.csv").splitlines()[1] == (
            b"A1,Camera trapping in the Kazakh Altai,completed,100,KAZ,2019-01-01,2020-12-31,"
            b'"EUR 10,000",false'
        )


def test_the_funder_page_follows_the_shared_filters() -> None:
    # Demo data off: by default, and by an older link that says so.
    for params in ({}, {"demo": "false"}):
        at = open_page(FUNDER, funder="hellabrunn-zoo", **params)
        assert {metric.label: metric.value for metric in at.metric}["Funding (EUR)"] == "15,000"
        assert [row[0] for row in table(at, 1)] == ["A1", "A2"]
    at = open_page(FUNDER, funder="hellabrunn-zoo", country="Nepal (NPL)")
    assert "No activity supported by Hellabrunn Zoo matches the current filters" in (
        at.info[0].value
    )


def test_without_a_funder_the_page_compares_every_funder(
    downloads: dict[str, tuple[bytes, str]],
) -> None:
    at = open_page(FUNDER)
    # Chosen by name; the link keeps the slug.
    assert at.selectbox(key="funder").value is None
    assert at.selectbox(key="funder").options == ["Fondation Segré", "Hellabrunn Zoo"]
    assert at.subheader[0].value == "All funders"
    # Every funder side by side, in words (demo data hidden: A3 and its grant are left out).
    (shown,) = [frame.value for frame in at.dataframe]
    assert shown.to_dict("records") == [
        {
            "Funder": "Hellabrunn Zoo",
            "Funder page": "/funder?funder=hellabrunn-zoo",
            "Activities supported": 2,
            "Range states": 2,
            "CAMI priority regions": 2,
            "Years of funding": "2019–2021",
            "Funding (EUR)": 15000.0,
            "Funding (USD)": 0.0,
            "Records without a published amount": 0,
        },
        {
            "Funder": "Fondation Segré",
            "Funder page": "/funder?funder=fondation-segre",
            "Activities supported": 1,
            "Range states": 1,
            "CAMI priority regions": 1,
            "Years of funding": "2020",
            "Funding (EUR)": 0.0,
            "Funding (USD)": 2000.0,
            "Records without a published amount": 0,
        },
    ]
    # One panel per currency, each funder in its own currency only.
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert [trace["name"] for trace in spec["data"]] == ["EUR", "USD"]
    assert [trace["y"] for trace in spec["data"]] == [["Hellabrunn Zoo"], ["Fondation Segré"]]
    # The download keeps the stable codes.
    csv, _ = download(at, downloads, "funders-overview-csv")
    assert csv.decode("utf-8-sig").splitlines()[0] == (
        "slug,name,activities,range_states,regions,first_year,last_year,unpublished,demo,"
        "funding_EUR,funding_USD"
    )
    at.selectbox(key="funder").select("fondation-segre").run()
    assert [header.value for header in at.main.header] == ["Fondation Segré"]
    assert at.query_params["funder"] == "fondation-segre"


def test_a_long_funder_listing_shows_a_page_and_says_what_prints(
    downloads: dict[str, tuple[bytes, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two rows a page, so the fixture's three activities (and two sites) take two pages.
    monkeypatch.setattr(printing, "LISTING_PAGE_SIZE", 2)
    at = open_page(FUNDER, funder="hellabrunn-zoo", demo="true")
    activities = at.dataframe[0].value
    assert activities["ID"].tolist() == ["A1", "A2"]
    # Its printable copy (shown on paper only) holds the same page.
    assert [row[0] for row in table(at, 1)] == ["A1", "A2"]
    assert "Activities 1–2 of 3." in [caption.value for caption in at.caption]
    assert (
        "A printed copy of this report lists only the 2 activities on the page shown here, "
        "of 3; the CSV download and the ZIP of all tables hold all 3."
    ) in [caption.value for caption in at.caption]
    at.number_input(key="funder-activities_page").set_value(2).run()
    assert at.dataframe[0].value["ID"].tolist() == ["A3"]
    # A link opens the same page; the downloads hold every activity.
    at = open_page(FUNDER, funder="hellabrunn-zoo", demo="true", **{"funder-activities_page": "2"})
    assert at.dataframe[0].value["ID"].tolist() == ["A3"]
    csv, _ = download(at, downloads, "funder-hellabrunn-zoo-activities-csv")
    assert [line.split(b",")[0] for line in csv.splitlines()[1:]] == [b"A1", b"A2", b"A3"]
    archive, _ = download(at, downloads, "funder-summary-zip")
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.read("activities.csv") == csv
    # Two sites fit one page: they stay a plain table.
    # Each title links to the activity's page.
    assert table(at, 4)[0][:2] == ["A1", "[Camera trapping in the Kazakh Altai](activity?id=A1)"]


def test_an_unknown_funder_in_the_url_is_dropped_and_said() -> None:
    at = open_page(FUNDER, funder="nobody")
    assert at.selectbox(key="funder").value is None
    assert "funder" not in at.query_params
    assert [w.value for w in at.main.warning] == [
        "The link names no funder “nobody” here. Choose one above."
    ]
    assert at.subheader[0].value == "All funders"


def test_the_explorer_lists_every_activity(downloads: dict[str, tuple[bytes, str]]) -> None:
    at = open_page(EXPLORER, demo="true")
    shown = at.dataframe[0].value
    assert shown["ID"].tolist() == ["A1", "A2", "A5", "A3", "A4"]
    # The column of the provisional Strategy's codes says so, on the page and in the CSV.
    assert shown.columns.tolist()[:4] == [
        "ID",
        "Title",
        "Strategy items (provisional structure)",
        "CAMI WP items",
    ]
    assert any("provisional working structure" in caption.value for caption in at.caption)
    assert any(
        caption.value.startswith("**5 activities**, 2 of them demo data") for caption in at.caption
    )
    data, name = download(at, downloads, "activities-csv")
    # As the page lists them: the documented records first.
    assert data == (HEADER + "".join(ROWS[k] for k in ("A1", "A2", "A5", "A3", "A4"))).encode()
    assert name == f"manul-activities_{TODAY}_with-demo.csv"
    assert at.get("download_button")[0].proto.label == "Download these 5 rows as CSV"


def test_the_explorer_leaves_demo_data_out_by_default(
    downloads: dict[str, tuple[bytes, str]],
) -> None:
    at = open_page(EXPLORER)
    assert at.toggle(key="demo").value is False
    assert at.dataframe[0].value["ID"].tolist() == ["A1", "A2", "A5"]
    assert any(
        caption.value.startswith("**3 activities**, documented records first")
        for caption in at.caption
    )
    data, name = download(at, downloads, "activities-csv")
    assert data == (HEADER + "".join(ROWS[k] for k in ("A1", "A2", "A5"))).encode()
    assert name == f"manul-activities_{TODAY}.csv"


def cli_bytes(tmp_path: Path, *arguments: str) -> bytes:
    out = tmp_path / "cli.csv"
    assert main(["export", "--out", str(out), *arguments]) == 0
    return out.read_bytes()


@pytest.mark.parametrize(
    ("params", "arguments", "rows", "suffix"),
    [
        ({"country": "Kazakhstan (KAZ)"}, ["--country", "KAZ"], ["A1", "A5"], "_country-KAZ"),
        (
            {"country": "Kazakhstan (KAZ)", "demo": "true"},
            # The page's default order: documented records first (A4 is demo), by id.
            ["--country", "KAZ", "--include-demo", "--sort", "demo"],
            ["A1", "A5", "A4"],
            "_country-KAZ_with-demo",
        ),
        (
            # An older link that turned demo data off, and the older option.
            {"country": "Kazakhstan (KAZ)", "demo": "false"},
            ["--country", "KAZ", "--no-demo"],
            ["A1", "A5"],
            "_country-KAZ",
        ),
        (
            {"funded_by": "Hellabrunn Zoo", "demo": "true"},
            ["--funder", "hellabrunn-zoo", "--include-demo"],
            ["A1", "A2", "A3"],
            "_funder-hellabrunn-zoo_with-demo",
        ),
        (
            {"item": ["S1.1 Distribution · Strategy", CAMI_4], "demo": "true"},
            ["--strategy", "S1.1", "--cami", "CAMI-4", "--include-demo"],
            ["A1", "A2", "A3"],
            "_item-S1.1+CAMI-4_with-demo",
        ),
        ({"ptcr": "9 Altai", "demo": "true"}, ["--ptcr", "9", "--include-demo"], ["A1", "A4"],
         "_ptcr-9_with-demo"),
        ({"status": "on hold"}, ["--status", "on_hold"], ["A5"], "_status-on-hold"),
        (
            {"q": "monitoring", "sort": "progress_pct", "desc": "true", "demo": "true"},
            ["--search", "monitoring", "--sort", "progress_pct", "--descending", "--include-demo"],
            ["A5", "A4"],
            "_with-demo_search-monitoring",
        ),
        ({"as_of": "2020-01-01"}, ["--as-of", "2020-01-01"], ["A1"], "_as-of-2020-01-01"),
    ],
)  # fmt: skip
def test_the_page_download_and_the_cli_write_the_same_bytes(
    downloads: dict[str, tuple[bytes, str]],
    tmp_path: Path,
    params: dict[str, str | list[str]],
    arguments: list[str],
    rows: list[str],
    suffix: str,
) -> None:
    at = open_page(EXPLORER, **params)
    assert at.dataframe[0].value["ID"].tolist() == rows
    data, name = download(at, downloads, "activities-csv")
    assert data == cli_bytes(tmp_path, *arguments)
    assert name == f"manul-activities_{TODAY}{suffix}.csv"


def test_the_explorer_says_why_it_is_empty() -> None:
    at = open_page(EXPLORER, q="no such words")
    assert not at.dataframe
    assert at.info[0].value.startswith(
        "No activity matches the current filters and the search “no such words”"
    )


def test_searching_and_sorting_on_the_page(downloads: dict[str, tuple[bytes, str]]) -> None:
    at = open_page(EXPLORER, demo="true")
    at.text_input(key="q").input("steppe").run()
    assert at.dataframe[0].value["ID"].tolist() == ["A2"]
    at.text_input(key="q").input("").run()
    at.selectbox(key="sort").select("end_date").run()
    at.toggle(key="desc").set_value(True).run()
    assert at.dataframe[0].value["ID"].tolist() == ["A4", "A3", "A1", "A2", "A5"]
    data, _ = download(at, downloads, "activities-csv")
    assert [line.split(b",")[0] for line in data.splitlines()[1:]] == [
        b"A4",
        b"A3",
        b"A1",
        b"A2",
        b"A5",
    ]


@pytest.fixture(scope="module")
def many_store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with many_activities_store(tmp_path_factory.mktemp("many")) as url:
        yield url


@pytest.fixture
def many_activities(many_store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The app pointed at a store of MANY + 5 activities (21 pages of 50), caches cleared."""
    monkeypatch.setenv("DATABASE_URL", many_store_url)
    st.cache_data.clear()
    return many_store_url


def whole_listing(store_url: str, **options: object) -> pd.DataFrame:
    """The explorer's whole listing; by default in the page's order (documented first)."""
    options.setdefault("sort", "demo")
    engine = make_engine(store_url)
    with Session(engine) as session:
        listing = activity_listing(
            session=session,
            filters=Filters(include_demo=True),
            **options,  # type: ignore[arg-type]
        )
    engine.dispose()
    return listing


def test_the_explorer_shows_one_page_and_downloads_every_row(
    many_activities: str, downloads: dict[str, tuple[bytes, str]]
) -> None:
    at = open_page(EXPLORER, demo="true")
    whole = whole_listing(many_activities)
    assert len(whole) == MANY + 5 == 1_025
    assert at.dataframe[0].value["ID"].tolist() == whole["activity_id"][:50].tolist()
    assert at.number_input(key="activities_page").value == 1
    captions = [caption.value for caption in at.caption]
    demo = int(whole["demo"].sum())
    assert any(text.startswith(f"**1,025 activities**, {demo} of them demo") for text in captions)
    assert "Activities 1–50 of 1,025." in captions
    # The download holds every page's rows, sorted as the pages are.
    button = at.get("download_button")[0]
    assert button.proto.label == "Download these 1,025 rows as CSV"
    data, _ = download(at, downloads, "activities-csv")
    assert data == frame_to_csv(whole)
    # The next page, by the page number.
    at.number_input(key="activities_page").increment().run()
    assert at.dataframe[0].value["ID"].tolist() == whole["activity_id"][50:100].tolist()


@pytest.mark.parametrize(
    ("page", "shown", "rows"),
    [("2", 2, slice(50, 100)), ("21", 21, slice(1_000, 1_025)), ("99", 21, slice(1_000, 1_025))],
)
def test_a_page_is_reached_by_its_link_and_one_beyond_the_end_shows_the_last(
    many_activities: str, page: str, shown: int, rows: slice
) -> None:
    at = open_page(EXPLORER, activities_page=page, sort="title", desc="true", demo="true")
    whole = whole_listing(many_activities, sort="title", descending=True)
    assert at.number_input(key="activities_page").value == shown
    assert at.dataframe[0].value["ID"].tolist() == whole["activity_id"][rows].tolist()
    assert f"Activities {rows.start + 1:,}–{rows.stop:,} of 1,025." in [
        caption.value for caption in at.caption
    ]


def test_a_search_starts_again_at_the_first_page(many_activities: str) -> None:
    at = open_page(EXPLORER, activities_page="21", demo="true")
    at.text_input(key="q").input("beta").run()
    beta = whole_listing(many_activities, search="beta")
    pages = -(-len(beta) // 50)
    assert 1 < pages < 21
    assert at.number_input(key="activities_page").value == 1
    shown = at.dataframe[0].value["ID"].tolist()
    assert shown == beta["activity_id"][:50].tolist()


def test_another_funder_starts_at_the_first_page_of_its_activities(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(printing, "LISTING_PAGE_SIZE", 2)
    at = open_page(FUNDER, funder="hellabrunn-zoo", demo="true", **{"funder-activities_page": "2"})
    assert at.number_input(key="funder-activities_page").value == 2
    at.selectbox(key="funder").select("fondation-segre").run()
    at.selectbox(key="funder").select("hellabrunn-zoo").run()
    assert at.number_input(key="funder-activities_page").value == 1
    assert at.dataframe[0].value["ID"].tolist() == ["A1", "A2"]

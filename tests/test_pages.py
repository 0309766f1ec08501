"""Every page through app.py with Streamlit's AppTest, asserting the figures it shows."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, switch_to

APP = str(ROOT / "app.py")
PAGES = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "views").glob("*.py"))

pytestmark = pytest.mark.usefixtures("app_env")


def run_app(page: str | None = None, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        switch_to(at, page)
        at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


# Listed only for a signed-in partner: tests/test_pages_edit.py runs them signed in.
PARTNER_PAGES = {"views/edit_page.py"}


@pytest.mark.parametrize("page", [page for page in PAGES if page not in PARTNER_PAGES])
def test_every_page_runs_without_exception(page: str) -> None:
    at = run_app(page)
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    assert at.title, f"{page} shows no title"


def test_views_folder_has_the_pages_the_navigation_lists() -> None:
    assert PAGES, "no page files"
    source = Path(APP).read_text(encoding="utf-8")
    for page in PAGES:
        assert Path(page).name in source, f"{page} is not in the navigation"


def all_metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(metric.label, metric.value) for metric in at.metric]


def test_overview_shows_the_stores_figures() -> None:
    at = run_app(demo="true", as_of="2026-06-30")
    assert all_metrics(at) == [
        ("Activities", "5"),
        ("Range states with activity", "3 of 4"),
        ("PTCRs with activity", "2 of 3"),
        # Strategy 2018–2028.
        ("Items started", "3 of 4"),
        ("Items completed", "0 of 4"),
        ("Time elapsed", "year 9 of 11"),
        ("Activity progress", "55 %"),
        # Work Programme 2026–2032: only A4 (planned, 0 %) is of its period; A1 and A3 ended
        # before it began, and A5 (no end date) was last reported in 2024.
        ("Items started", "0 of 3"),
        ("Items completed", "0 of 3"),
        ("Time elapsed", "year 1 of 7"),
        ("Activity progress", "0 %"),
    ]
    assert "2 of the activities in the store are invented" in at.warning[0].value
    assert any(
        "3 linked activities ended, or were last reported, before the plan began (2026)"
        in caption.value
        for caption in at.caption
    )


def test_overview_hides_demo_data_on_request() -> None:
    at = run_app(demo="true", as_of="2026-06-30")
    assert at.toggle(key="demo").value is True
    at.toggle(key="demo").set_value(False).run()
    assert metrics(at)["Activities"] == "3"
    # Work Programme: A4 (demo) was its only activity.
    assert all_metrics(at)[-1] == ("Activity progress", "no activity")
    assert not at.warning
    assert any("Demo data hidden (2 demo activities" in caption.value for caption in at.caption)


def test_overview_reads_its_filters_from_the_url() -> None:
    at = run_app(country="Kazakhstan (KAZ)", as_of="2020-01-01", demo="true")
    assert at.multiselect(key="country").value == ["KAZ"]
    assert at.date_input(key="as_of").value == dt.date(2020, 1, 1)
    assert metrics(at)["Activities"] == "1"
    # The Work Programme had not begun in 2020: nothing counts toward it.
    assert all_metrics(at)[-2:] == [
        ("Time elapsed", "not started"),
        ("Activity progress", "no activity"),
    ]
    assert "as of 2020-01-01" in at.info[0].value


def test_overview_says_why_it_is_empty() -> None:
    at = run_app(status="cancelled", country="Kazakhstan (KAZ)")
    assert not at.exception
    assert "No activity matches the current filters" in at.info[0].value
    assert not at.metric


def test_overview_charts_carry_titles_and_units() -> None:
    at = run_app(demo="true")
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    # Long titles wrap (at about 45 characters; a phone shows no more of a line).
    assert [spec["layout"]["title"]["text"] for spec in specs] == [
        "Activities by status",
        "Status and activity progress by goal: Fixture<br>Strategy 2018–2028",
        "Status and activity progress by section:<br>Fixture Work Programme 2026–2032",
    ]
    assert specs[1]["layout"]["xaxis"]["title"]["text"] == (
        "Activity progress (%, link-weighted mean of the<br>plan period's activities)"
    )
    assert specs[0]["layout"]["xaxis"]["title"]["text"] == "Activities (count)"
    # Goals only; S2's one activity is cancelled: no bar, and the reason instead of 0 %.
    bars, gaps = specs[1]["data"]
    assert bars["y"] == ["S1 Knowledge (provisional)"]
    assert bars["text"] == ["55 %"]
    assert gaps["y"] == ["S2 Threats (provisional)"]
    # Each label above its bar, the figures in words on a grey line under it.
    notes = {note["hovertext"]: note["text"] for note in specs[1]["layout"]["annotations"]}
    assert notes["S1 Knowledge (provisional)"] == (
        'S1 Knowledge (provisional)<br><span style="color:#555555">55 % · 3 act. · started</span>'
    )
    assert "no counted activity (1 cancelled) · started" in notes["S2 Threats (provisional)"]
    # CAMI-11 has no activity at all; sections show how much of them applies.
    cami_gaps = specs[2]["data"][1]
    label = "CAMI-11 Education, Community and Communication (selected actions)"
    assert label in cami_gaps["y"]
    cami_notes = {note["hovertext"]: note["text"] for note in specs[2]["layout"]["annotations"]}
    assert "no activity · not started" in cami_notes[label]


def test_a_failing_query_shows_a_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////dev/null/cannot/be/a/store.sqlite3")
    at = run_app()
    assert not at.exception
    assert at.error, "expected a readable error"
    assert "could not be shown" in at.error[0].value


def test_the_sidebar_is_drawn_on_every_run_not_only_the_first() -> None:
    # With a folder named pages/ next to app.py, Streamlit's legacy multipage mode ran a page's
    # later reruns without app.py: no shared filters (streamlit#9624). Page files live in views/.
    assert not (ROOT / "pages").exists(), "a pages/ folder turns on legacy multipage mode"
    at = run_app("strategy")
    at.run()
    assert at.toggle(key="demo").value is False
    assert at.sidebar.children, "the shared filters vanished on a rerun"


def test_page_runs_are_timed_in_the_server_log_when_asked(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """MANUL_LOG_PAGE_RUNS=1: one "page run" line per run (bench/load.py reads them)."""
    caplog.set_level("INFO", logger="dashboard.runs")
    run_app("strategy")
    assert not [r for r in caplog.records if r.name == "dashboard.runs"]
    monkeypatch.setenv("MANUL_LOG_PAGE_RUNS", "1")
    run_app("strategy")
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.runs"]
    assert [line.split()[2] for line in lines] == ["overview", "strategy"]
    assert all(float(line.split()[3]) > 0 for line in lines)


def test_the_app_takes_the_libraries_out_of_the_collectors_sight() -> None:
    # Streamlit collects garbage after every run; the libraries' objects are frozen once so
    # that this does not walk them on every page view (see layout.settle_imports).
    import gc

    AppTest.from_file(APP, default_timeout=60).run()
    assert gc.get_freeze_count() > 100_000
    # What a run creates is still collected, by Python's own generational collection, not by
    # a full collection after every run that stalls every session (bench/load_protocol.py).
    assert gc.isenabled()
    settings = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert settings["runner"]["postScriptGC"] is False

"""Demo data is off until someone asks for it: every page, its downloads, and `dashboard export`.

Run on the shipped data (data/), whose invented activities are `DEMO-…` and whose invented
organisations and titles start with "[Demo]": a visit with no query parameters shows none of
them, in any text, table, chart or CSV, and says that demo data is hidden. A link with
`?demo=true` turns it on, and the page says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import func, select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard import models as m
from dashboard.cli import main
from dashboard.db import make_engine
from tests.conftest import ROOT, seeded_engine, switch_to, temporary_store
from tests.test_pages_funder_explorer import downloads  # noqa: F401 (a fixture)

APP = str(ROOT / "app.py")
DATA = ROOT / "data"
# Every page a visitor can open without signing in.
PAGES = sorted(
    str(path.relative_to(ROOT))
    for path in (ROOT / "views").glob("*.py")
    if path.name != "edit_page.py"
)
# Pages that show no figure at all, so have nothing to say about demo data.
# Pages that show no figures: nothing to say about demo data. (The activity page shows the
# one activity its link names; without a link, none.)
NO_DATA = {"views/signin_page.py", "views/activity_page.py"}
DEMO_MARKS = ("DEMO-", "[Demo]")


@pytest.fixture(scope="module")
def shipped_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store seeded from the shipped data files (not the test fixture)."""
    with temporary_store(tmp_path_factory.mktemp("shipped")) as url:
        seeded_engine(url, DATA).dispose()
        yield url


@pytest.fixture
def shipped_app(shipped_store: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app (run in this process by AppTest) on the shipped data, caches cleared."""
    monkeypatch.setenv("DATABASE_URL", shipped_store)
    monkeypatch.setenv("MANUL_DATA_DIR", str(DATA))
    st.cache_data.clear()
    yield shipped_store
    st.cache_data.clear()


def demo_in_store(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.execute(
            select(func.count()).select_from(m.Activity).where(m.Activity.demo)  # type: ignore[arg-type]
        ).scalar_one()
    engine.dispose()
    return int(count)


def visit(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    switch_to(at, page)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    return at


def _frame_text(frame: pd.DataFrame) -> str:
    return " ".join(map(str, frame.columns)) + " " + frame.astype(str).to_string()


def shown_text(at: AppTest) -> str:
    """Everything the page shows as text: words, tables, charts, maps and choices."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [f"{metric.label} {metric.value}" for metric in at.metric]
    parts += [expander.label for expander in at.expander]
    parts += [_frame_text(frame.value) for frame in at.dataframe]
    parts += [_frame_text(table.value) for table in at.table]
    parts += [json.dumps(json.loads(chart.proto.spec)) for chart in at.get("plotly_chart")]
    parts += [chart.proto.json for chart in at.get("deck_gl_json_chart")]
    parts += [html.proto.body for html in at.get("html")]
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(at, kind):
            parts += [str(option) for option in widget.options]
    return "\n".join(parts)


def made_downloads(files: dict[str, tuple[Any, str]]) -> dict[str, bytes]:
    """Every file the page offers for download, by name (made as a click makes it)."""
    made: dict[str, bytes] = {}
    for key, (content, name) in files.items():
        if key.startswith("deferred:"):
            content = content()
        made[name] = content.encode() if isinstance(content, str) else bytes(content)
    return made


@pytest.mark.parametrize("page", PAGES)
def test_a_page_opened_without_parameters_shows_no_demo_data(
    shipped_app: str,
    downloads: dict[str, tuple[Any, str]],  # noqa: F811
    page: str,
) -> None:
    hidden = demo_in_store(shipped_app)
    assert hidden > 0, "the shipped data has demo activities to hide"
    at = visit(page)
    assert at.toggle(key="demo").value is False
    text = shown_text(at)
    for mark in DEMO_MARKS:
        assert mark not in text, f"{page} shows demo data ({mark})"
    for name, content in made_downloads(downloads).items():
        for mark in DEMO_MARKS:
            assert mark.encode() not in content, f"{page}: {name} holds demo data ({mark})"
    if page not in NO_DATA:
        assert f"Demo data hidden ({hidden:,} demo activities not shown)" in text, page


def test_every_funder_page_shows_no_demo_data(
    shipped_app: str,
    downloads: dict[str, tuple[Any, str]],  # noqa: F811
) -> None:
    at = visit("views/funder_page.py")
    funders = at.selectbox(key="funder").options
    assert funders
    for funder in funders:
        page = visit("views/funder_page.py", funder=funder)
        text = shown_text(page)
        for mark in DEMO_MARKS:
            assert mark not in text, f"the page of {funder} shows demo data ({mark})"
    for name, content in made_downloads(downloads).items():
        for mark in DEMO_MARKS:
            assert mark.encode() not in content, f"{name} holds demo data ({mark})"


def test_a_link_with_demo_true_turns_demo_data_on(shipped_app: str) -> None:
    at = visit("views/explorer_page.py", demo="true")
    assert at.toggle(key="demo").value is True
    assert any("Demo data included" in warning.value for warning in at.warning), (
        "the page says it shows invented data"
    )
    shown = at.dataframe[0].value
    demo = shown["Demo data"] == "Yes"
    assert demo.any()
    # Each title is shown as the text of its link to the activity's page (after "#").
    demo_titles = shown.loc[demo, "Title"].map(lambda link: unquote(link.partition("#")[2]))
    assert demo_titles.str.startswith("[Demo]").all()
    # The funder choice lists the demo data's invented organisations only now (by name, their
    # slug kept in the link).
    funders = visit("views/funder_page.py", demo="true").selectbox(key="funder").options
    assert any(name.startswith("[Demo]") for name in funders)
    assert not any(
        name.startswith("[Demo]")
        for name in visit("views/funder_page.py").selectbox(key="funder").options
    )


def test_dashboard_export_without_flags_writes_no_demo_row(
    shipped_store: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", shipped_store)
    monkeypatch.setenv("MANUL_DATA_DIR", str(DATA))
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--out", "default.csv"]) == 0
    assert main(["export", "--out", "with-demo.csv", "--include-demo"]) == 0
    default = (tmp_path / "default.csv").read_bytes()
    with_demo = (tmp_path / "with-demo.csv").read_bytes()
    for mark in DEMO_MARKS:
        assert mark.encode() not in default
        assert mark.encode() in with_demo
    demo_rows = [line for line in with_demo.splitlines() if line.startswith(b"DEMO-")]
    assert len(demo_rows) == demo_in_store(shipped_store)
    assert default.count(b"\r\n") + len(demo_rows) == with_demo.count(b"\r\n")

"""An item of a provisional working structure says so wherever it is named (issue 13).

The fixture's Strategy items are provisional (`provisional = true` in
tests/fixtures/data/framework_items.csv), its CAMI sections are not: every label, table cell
and CSV header that names a Strategy item carries the mark, none that names a CAMI section
does. The pages' own marks are checked where those pages are tested (test_maps.py,
test_synergies.py, test_funders.py, test_pages_synergies_regions.py,
test_pages_funder_explorer.py, test_activity_table.py); here: the helper itself, the
shared filters, the edit form, `dashboard export` and how the export relates to the import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from dashboard import queries
from dashboard.cli import main
from dashboard.db import make_engine
from dashboard.editing import plan_columns
from dashboard.importer import ImportFileError, activity_columns, import_file
from dashboard.provisional import (
    PROVISIONAL,
    PROVISIONAL_STRUCTURE,
    codes_header,
    item_label,
    item_title,
    shorten,
    unmarked,
)
from dashboard.queries.edit_choices import plan_choices
from tests.conftest import FIXTURE_DATA, ROOT
from tests.test_importer import OPERATOR, snapshot
from tests.test_pages import run_app


def test_an_item_is_named_with_its_mark() -> None:
    assert item_label("S1.1", "Distribution and status update", True, width=None) == (
        "S1.1 Distribution and status update (provisional)"
    )
    assert item_label("CAMI-10", "Species Monitoring and Research", False, width=None) == (
        "CAMI-10 Species Monitoring and Research"
    )
    assert item_title("Distribution", True) == "Distribution (provisional)"
    assert item_title("Legislation", False) == "Legislation"
    assert codes_header("strategy", True) == "strategy (provisional structure)"
    assert codes_header("cami", False) == "cami"


def test_a_short_label_keeps_the_mark() -> None:
    long = "Knowledge of distribution, status and monitoring"
    assert item_label("S1", long, True, width=20) == "S1 Knowledge of distri… (provisional)"
    assert shorten(f"S1 {long} {PROVISIONAL}", 20) == "S1 Knowledge of dis… (provisional)"
    assert shorten("CAMI-10 Species Monitoring and Research", 20) == "CAMI-10 Species Mon…"
    assert shorten("S2 Threats (provisional)", 38) == "S2 Threats (provisional)"
    assert unmarked("S1.1 Distribution (provisional) · Strategy") == "S1.1 Distribution · Strategy"


def test_the_shared_filters_name_provisional_items(session: Session) -> None:
    items = dict(queries.filter_options(session=session)["items"])
    assert items["S1.1"] == "S1.1 Distribution (provisional) · Strategy"
    assert items["S2"] == "S2 Threats (provisional) · Strategy"
    assert items["CAMI-10"] == "CAMI-10 Species Monitoring and Research · CAMI WP"
    assert not any(PROVISIONAL in label for code, label in items.items() if code.startswith("C"))


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    "link",
    [
        "S1.1",
        # The label as the sidebar shows it now, and as it read before the mark.
        "S1.1 Distribution (provisional) · Strategy",
        "S1.1 Distribution · Strategy",
    ],
)
def test_the_item_filter_shows_the_mark_and_older_links_still_work(link: str) -> None:
    at = run_app("views/explorer_page.py", item=link, demo="true")
    chosen = at.multiselect(key="item")
    assert chosen.value == ["S1.1"]
    assert "S1.1 Distribution (provisional) · Strategy" in chosen.options
    assert "CAMI-10 Species Monitoring and Research · CAMI WP" in chosen.options
    assert at.query_params["item"] == "S1.1"
    assert not at.sidebar.warning


def test_the_edit_form_names_provisional_items(session: Session) -> None:
    plans = {plan.code: dict(plan.items) for plan in plan_choices(session=session)}
    assert plans["strategy"]["S1.2"] == "S1.2 Monitoring (provisional)"
    assert plans["cami"]["CAMI-4"] == "CAMI-4 Transboundary Cooperation"


@pytest.fixture
def cli_store(store_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_dashboard_export_heads_the_provisional_codes_so(cli_store: Path) -> None:
    assert main(["export", "--out", "out.csv", "--include-demo"]) == 0
    header = (cli_store / "out.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",")[:4] == [
        "activity_id",
        "title",
        f"strategy {PROVISIONAL_STRUCTURE}",
        "cami",
    ]


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def test_the_export_is_not_an_import_template_and_the_template_is_unchanged(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The explorer's CSV and the activities template share no column of item codes (the
    # template's are strategy_items and cami_sections, whatever the export calls its own):
    # renaming the export's header changes nothing for the import.
    with Session(engine) as session:
        columns = activity_columns(plan_columns(session=session).values())
    assert {"strategy_items", "cami_sections", "framework_items"} <= set(columns)
    template = (ROOT / "data" / "templates" / "activities.csv").read_text(encoding="utf-8")
    assert template.splitlines()[0].split(",") == list(columns)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--out", "export.csv"]) == 0
    before = snapshot(engine)
    with Session(engine) as session, pytest.raises(ImportFileError) as error:
        import_file(
            session=session,
            data=(tmp_path / "export.csv").read_bytes(),
            actor=OPERATOR,
            name="export.csv",
        )
    assert snapshot(engine) == before
    assert any("strategy (provisional structure)" in problem for problem in error.value.problems)


@pytest.mark.parametrize("path", ["README.md", "data/README.md"])
def test_the_export_header_and_the_template_column_are_documented(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert f"strategy {PROVISIONAL_STRUCTURE}" in text
    assert "strategy_items" in text


@pytest.mark.usefixtures("app_env")
def test_the_overview_marks_the_provisional_items_in_its_bars_and_tables() -> None:
    at = run_app(demo="true")
    trees = [frame.value for frame in at.dataframe if "Item" in frame.value.columns]
    strategy, cami = (tree.set_index("Code") for tree in trees)
    assert strategy.loc["S1.1", "Item"].endswith(PROVISIONAL)
    assert strategy["Item"].str.endswith(PROVISIONAL).all()
    assert not cami["Item"].str.contains(PROVISIONAL, regex=False).any()
    bars = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")][1:3]
    strategy_labels = [label for trace in bars[0]["data"] for label in trace["y"]]
    cami_labels = [label for trace in bars[1]["data"] for label in trace["y"]]
    assert strategy_labels
    assert all(PROVISIONAL in label for label in strategy_labels)
    assert cami_labels
    assert not any(PROVISIONAL in label for label in cami_labels)


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(("page", "marked"), [("strategy", True), ("cami", False)])
def test_a_plans_history_table_names_its_items_as_the_chart_does(page: str, marked: bool) -> None:
    at = run_app(page, demo="true")
    (history,) = [frame.value for frame in at.dataframe if "Series" in frame.value.columns]
    labels = history.set_index("Series")["Item"].to_dict()
    # The plan's own line ("strategy", "cami": "… (all items)"), then one per top-level item.
    item_labels = [label for series, label in labels.items() if "(all items)" not in label]
    assert item_labels
    assert all((PROVISIONAL in label) is marked for label in item_labels)

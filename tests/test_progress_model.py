"""How far a plan has come: only its own period counts, assessments override the derived
status from their date on, and `dashboard progress` prints exactly the Overview's figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from dashboard import editing, queries
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.cli import main
from dashboard.db import make_engine
from dashboard.editing import ActivityDraft
from dashboard.filters import Filters
from tests.conftest import FIXTURE_DATA

ALICE = Actor(name="alice", role="admin", via="form")
MID_2026 = Filters(include_demo=True, as_of=dt.date(2026, 6, 30))


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def plan(engine: Engine, code: str, filters: Filters = MID_2026) -> pd.Series:
    with Session(engine) as session:
        return queries.plan_progress(session=session, filters=filters, framework=code).iloc[0]


def items(engine: Engine, code: str, filters: Filters = MID_2026) -> pd.DataFrame:
    with Session(engine) as session:
        frame = queries.item_progress(session=session, filters=filters, framework=code)
    return frame.set_index("code")


def add_activity(engine: Engine, **fields: object) -> None:
    draft = ActivityDraft(
        activity_id="A9",
        title="Workshop before the Work Programme",
        status="completed",
        progress_pct=100,
        start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2025, 11, 30),
        lead_organisation="pica",
        countries=("KAZ",),
        items={"cami": (("CAMI-4", 1.0),)},
        source_url="https://example.org/a9",
    )
    with Session(engine) as session:
        editing.save_activity(
            session=session, draft=draft.replace(**fields), actor=ALICE, base=None
        )
        session.commit()


def assess(engine: Engine, code: str, day: dt.date, status: str, *, demo: bool = False) -> None:
    with Session(engine) as session:
        item = session.exec(select(m.FrameworkItem).where(m.FrameworkItem.code == code)).one()
        assert item.id is not None
        session.add(
            m.ItemAssessment(item_id=item.id, date=day, status=status, source="report", demo=demo)
        )
        session.commit()


def test_an_activity_completed_before_a_plans_start_does_not_change_its_figures(
    engine: Engine,
) -> None:
    before, tree_before = plan(engine, "cami"), items(engine, "cami")
    add_activity(engine)
    after, tree_after = plan(engine, "cami"), items(engine, "cami")
    # Only the count of earlier work moves; CAMI-4 stays not started, with no activity.
    assert after["earlier_activities"] == before["earlier_activities"] + 1
    pd.testing.assert_series_equal(
        after.drop("earlier_activities"), before.drop("earlier_activities")
    )
    pd.testing.assert_frame_equal(tree_after, tree_before)
    assert tree_after.loc["CAMI-4", "status"] == "not_started"
    with Session(engine) as session:
        earlier = queries.earlier_work(session=session, filters=MID_2026, framework="cami")
    assert "A9" in earlier["activity_id"].tolist()


def test_work_overlapping_a_plans_start_counts_from_its_start(engine: Engine) -> None:
    add_activity(engine, end_date=dt.date(2026, 2, 28))
    cami = plan(engine, "cami")
    # CAMI-4 is started now (derived), and A9's 100 % joins A4's 0 %.
    assert (cami["items_started"], cami["activities_counted"]) == (1, 2)
    assert cami["activity_progress_pct"] == pytest.approx(50.0)
    assert items(engine, "cami").loc["CAMI-4", "basis"] == "derived"


def test_an_assessment_overrides_the_derived_status_from_its_date_on(engine: Engine) -> None:
    assess(engine, "S2.2", dt.date(2026, 3, 1), "completed")
    assess(engine, "S1.1", dt.date(2026, 3, 1), "not_applicable")
    tree = items(engine, "strategy")
    assert (tree.loc["S2.2", "status"], tree.loc["S2.2", "basis"]) == ("completed", "assessed")
    assert tree.loc["S2.2", "assessed_on"] == dt.date(2026, 3, 1)
    strategy = plan(engine, "strategy")
    # S1.1 not applicable: 3 items; S1.2 and S2.1 started (derived), S2.2 completed.
    assert (strategy["items_total"], strategy["items_not_applicable"]) == (3, 1)
    assert (strategy["items_started"], strategy["items_completed"]) == (3, 1)
    assert strategy["items_assessed"] == 1
    # The day before, the derived statuses still stand.
    earlier = Filters(include_demo=True, as_of=dt.date(2026, 2, 28))
    tree = items(engine, "strategy", earlier)
    assert (tree.loc["S2.2", "status"], tree.loc["S2.2", "basis"]) == ("not_started", "derived")
    assert (plan(engine, "strategy", earlier)["items_total"]) == 4
    # The history turns at the assessment's date, and ends on today's figures.
    with Session(engine) as session:
        history = queries.items_history(session=session, filters=MID_2026, framework="strategy")
    last = history.iloc[-1]
    assert last["date"] == dt.date(2026, 3, 1)
    assert (last["items_total"], last["items_started"], last["items_completed"]) == (3, 3, 1)
    assert history.iloc[-2]["items_completed"] == 0


def test_a_later_assessment_replaces_an_earlier_one_and_demo_ones_hide(engine: Engine) -> None:
    assess(engine, "S2.2", dt.date(2026, 1, 10), "started")
    assess(engine, "S2.2", dt.date(2026, 4, 10), "well_advanced")
    assess(engine, "S2.1", dt.date(2026, 2, 1), "completed", demo=True)
    tree = items(engine, "strategy")
    assert tree.loc["S2.2", "status"] == "well_advanced"
    assert tree.loc["S2.1", "status"] == "completed"
    hidden = items(engine, "strategy", dataclasses.replace(MID_2026, include_demo=False))
    # Its only activity (A3) is demo data too.
    assert (hidden.loc["S2.1", "status"], hidden.loc["S2.1", "basis"]) == ("not_started", "derived")


def test_nothing_counts_before_a_plans_start_even_an_assessment(engine: Engine) -> None:
    assess(engine, "CAMI-11", dt.date(2025, 7, 1), "started")
    before = Filters(include_demo=True, as_of=dt.date(2025, 12, 31))
    assert items(engine, "cami", before).loc["CAMI-11", "status"] == "not_started"
    assert plan(engine, "cami", before)["items_started"] == 0
    # From the plan's first day the assessment holds.
    assert items(engine, "cami").loc["CAMI-11", "status"] == "started"


@pytest.fixture
def cli_env(store_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def progress_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["progress", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.mark.usefixtures("cli_env")
def test_progress_command_prints_the_overviews_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    strategy, cami = progress_json(capsys, "--as-of", "2026-06-30", "--include-demo")
    assert strategy == {
        "framework": "strategy",
        "name": "Fixture Strategy 2018–2028",
        "provisional": True,
        "period_start": 2018,
        "period_end": 2028,
        "as_of": "2026-06-30",
        "items_total": 4,
        "items_started": 3,
        "items_well_advanced": 0,
        "items_completed": 0,
        "items_not_applicable": 0,
        "items_assessed": 0,
        "time_elapsed_pct": pytest.approx(100 * 3103 / 4018),
        "plan_year": 9,
        "plan_years": 11,
        "activity_progress_pct": pytest.approx(55.0),
        "activities_counted": 3,
        "activities_not_reported": 0,
        "activities": 4,
        "earlier_activities": 0,
    }
    assert (cami["framework"], cami["activity_progress_pct"]) == ("cami", 0.0)
    assert (cami["activities_counted"], cami["earlier_activities"]) == (1, 3)
    # Demo data is left out unless asked for: then no activity of its period remains.
    _, cami = progress_json(capsys, "--as-of", "2026-06-30")
    assert cami["activity_progress_pct"] is None
    assert cami["earlier_activities"] == 2


@pytest.mark.usefixtures("cli_env")
def test_progress_before_a_plans_start_reports_it_not_started(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, cami = progress_json(capsys, "--as-of", "2025-06-01", "--include-demo")
    assert cami["items_started"] == 0
    assert cami["plan_year"] == 0
    assert cami["time_elapsed_pct"] == 0.0
    assert cami["activity_progress_pct"] is None
    assert cami["activities_counted"] == 0
    assert main(["progress", "--as-of", "2025-06-01"]) == 0
    assert "has not started" in capsys.readouterr().out


@pytest.mark.usefixtures("cli_env")
def test_progress_as_csv_and_a_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["progress", "--format", "csv", "--as-of", "2026-06-30"]) == 0
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("framework,name,provisional,period_start")
    assert [line.split(",")[0] for line in lines[1:]] == ["strategy", "cami"]
    assert main(["progress", "--as-of", "30.06.2026"]) == 2
    assert "--as-of must be a date YYYY-MM-DD" in capsys.readouterr().err


def test_work_without_an_end_date_counts_as_far_as_its_latest_report(engine: Engine) -> None:
    # A5 (2023, no end date, on hold) was last reported on 2024-01-01: earlier work for the
    # Work Programme (2026–2032), until a report from within its period brings it in.
    assert plan(engine, "cami")["earlier_activities"] == 3
    with Session(engine) as session:
        editing.record_progress(
            session=session,
            draft=editing.ProgressDraft("A5", dt.date(2026, 2, 1), 40.0, "in_progress", "resumed"),
            actor=ALICE,
        )
        session.commit()
    cami = plan(engine, "cami")
    assert (cami["earlier_activities"], cami["activities_counted"]) == (2, 2)
    # A4 0 %, A5 40 %; CAMI-10 has started (A5 reported work under way in 2023, counted from
    # the plan's start).
    assert cami["activity_progress_pct"] == pytest.approx(20.0)
    assert items(engine, "cami").loc["CAMI-10", "status"] == "started"

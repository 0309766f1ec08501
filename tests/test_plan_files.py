"""Plans from files: load or update a plan, replace its tree by a crosswalk, all or nothing,
audited, a repeat changes nothing (issue 14)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from dashboard import audit, cli
from dashboard import models as m
from dashboard.auth import Actor, command_line_actor
from dashboard.db import make_engine
from dashboard.importer import ImportFileError, import_file
from dashboard.plan_files import PlanReport, import_plan, replace_plan
from dashboard.queries.retired import retired_items
from tests.conftest import FIXTURE_DATA, ROOT, app_on
from tests.test_importer import snapshot
from tests.test_pages import run_app

OPERATOR = command_line_actor("tester")
PLANS = Path(__file__).parent / "fixtures" / "plans"
OFFICIAL = PLANS / "official_strategy_items.csv"
CROSSWALK = PLANS / "official_strategy_crosswalk.csv"
CONCERTED_ACTION = ROOT / "data" / "plans" / "cms-concerted-action-14-3"
ITEMS_HEADER = (
    "framework,code,parent_code,level,title,description,provisional,applies,sort_order,source"
)


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def files(*paths: Path) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in paths]


def fixture_items() -> str:
    return (FIXTURE_DATA / "framework_items.csv").read_text(encoding="utf-8")


def with_assessments(engine: Engine) -> None:
    """The fixture's two item assessments (S1.2 completed, S2.2 not applicable)."""
    with Session(engine) as session:
        import_file(
            session=session,
            data=(Path(__file__).parent / "fixtures" / "item_assessments.csv").read_bytes(),
            actor=OPERATOR,
        )


def replace_strategy(
    engine: Engine, crosswalk: tuple[str, bytes] | None = None, **options: Any
) -> PlanReport:
    """The fixture Strategy replaced by the test "official" tree and `crosswalk` (default:
    tests/fixtures/plans' crosswalk)."""
    with Session(engine) as session:
        return replace_plan(
            session=session,
            framework="strategy",
            items=files(OFFICIAL)[0],
            crosswalk=crosswalk or files(CROSSWALK)[0],
            actor=OPERATOR,
            **options,
        )


def links(session: Session) -> list[tuple[str, str, float]]:
    return sorted(
        session.exec(
            select(m.Activity.activity_id, m.FrameworkItem.code, m.ActivityItem.weight)
            .join(m.Activity, col(m.Activity.id) == m.ActivityItem.activity_id)
            .join(m.FrameworkItem, col(m.FrameworkItem.id) == m.ActivityItem.item_id)
        ).all()
    )


def assessments(session: Session) -> list[tuple[str, str, str]]:
    return sorted(
        (code, day.isoformat(), status)
        for code, day, status in session.exec(
            select(m.FrameworkItem.code, m.ItemAssessment.date, m.ItemAssessment.status).join(
                m.FrameworkItem, col(m.FrameworkItem.id) == m.ItemAssessment.item_id
            )
        ).all()
    )


def test_a_repeat_import_of_the_stored_plans_changes_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    with Session(engine) as session:
        report = import_plan(
            session=session,
            files=files(FIXTURE_DATA / "frameworks.csv", FIXTURE_DATA / "framework_items.csv"),
            actor=OPERATOR,
        )
    assert report.changes == 0
    assert report.lines()[0] == "0 changes"
    assert len(report.unchanged) == 2 + 9
    assert snapshot(engine) == before


def test_editing_an_item_updates_it_and_audits_it(engine: Engine) -> None:
    text = fixture_items().replace(
        "strategy,S2.1,S2,objective,Herding dogs,,true",
        "strategy,S2.1,S1,objective,Herding dogs and livestock,,false",
    )
    with Session(engine) as session:
        report = import_plan(session=session, files=[("items.csv", text.encode())], actor=OPERATOR)
        item = session.exec(select(m.FrameworkItem).where(m.FrameworkItem.code == "S2.1")).one()
        parent = session.get(m.FrameworkItem, item.parent_id)
        entry = session.exec(
            select(m.AuditEntry).where(m.AuditEntry.table_name == "frameworkitem")
        ).one()
    assert report.changed == ["S2.1 (parent_code, title, provisional)"]
    assert (item.title, item.provisional, parent and parent.code) == (
        "Herding dogs and livestock",
        False,
        "S1",
    )
    assert (entry.action, entry.row_key, entry.actor, entry.via) == (
        "update",
        "S2.1",
        "cli:tester",
        "cli",
    )
    assert json.loads(entry.before) == {
        "parent_code": "S2",
        "provisional": True,
        "title": "Herding dogs",
    }
    with Session(engine) as session:
        again = import_plan(session=session, files=[("items.csv", text.encode())], actor=OPERATOR)
    assert again.changes == 0


def test_a_new_plan_loads_with_its_items(engine: Engine) -> None:
    plans = "code,name,short_name,period_start,period_end,description,source\n" + (
        "third,Third plan,Third,2024,2026,A test plan.,fixture\n"
    )
    items = f"{ITEMS_HEADER}\nthird,T1,,objective,First,,false,,1,fixture\n" + (
        "third,T1.1,T1,action,Second,,false,,1,fixture\n"
    )
    with Session(engine) as session:
        report = import_plan(
            session=session,
            files=[("frameworks.csv", plans.encode()), ("framework_items.csv", items.encode())],
            actor=OPERATOR,
        )
        stored = session.exec(
            select(m.FrameworkItem.code)
            .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
            .where(m.Framework.code == "third")
        ).all()
        audited = session.exec(
            select(m.AuditEntry.table_name, m.AuditEntry.action, m.AuditEntry.row_key)
        ).all()
    assert report.added == ["plan third", "T1", "T1.1"]
    assert sorted(stored) == ["T1", "T1.1"]
    assert sorted(audited) == [
        ("framework", "create", "third"),
        ("frameworkitem", "create", "T1"),
        ("frameworkitem", "create", "T1.1"),
    ]


def test_removing_a_used_item_is_refused_naming_its_users(engine: Engine) -> None:
    with_assessments(engine)
    text = "\n".join(
        line
        for line in fixture_items().splitlines()
        if not line.startswith(("strategy,S1.2,", "strategy,S2.2,"))
    )
    before = snapshot(engine)
    with Session(engine) as session, pytest.raises(ImportFileError) as refused:
        import_plan(session=session, files=[("items.csv", text.encode())], actor=OPERATOR)
    assert refused.value.problems == [
        "items.csv: the file leaves out strategy item S1.2: activities A2, A5 link to it and 1 "
        "assessment of it: keep it, or move its links with `dashboard framework replace`",
        "items.csv: the file leaves out strategy item S2.2: 1 assessment of it: keep it, or "
        "move its links with `dashboard framework replace`",
    ]
    assert snapshot(engine) == before


def test_removing_an_unused_item_removes_it(engine: Engine) -> None:
    text = "\n".join(
        line for line in fixture_items().splitlines() if not line.startswith("strategy,S2.2,")
    )
    with Session(engine) as session:
        report = import_plan(session=session, files=[("items.csv", text.encode())], actor=OPERATOR)
        left = session.exec(select(m.FrameworkItem.code)).all()
    assert report.removed == ["S2.2"]
    assert "S2.2" not in left


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "strategy,S3.1,S3,objective,Orphan,,true,,1,fixture",
            "row 11, column parent_code: unknown parent 'S3' (list parents first)",
        ),
        (
            "strategy,S3,,goal,,,maybe,,x,",
            "row 11, column title: value required",
        ),
        (
            "strategy,CAMI-4,,goal,Taken,,true,,1,fixture",
            "row 11, column code: duplicate item 'CAMI-4' (also in row 8)",
        ),
        (
            "nowhere,N1,,goal,Lost,,true,,1,fixture",
            "row 11, column framework: unknown framework 'nowhere'",
        ),
        (
            'strategy,S3,,goal,=HYPERLINK("x")\u202e,,true,,1,fixture',
            "row 11, column title: holds a control or direction-changing character (U+202E)",
        ),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(engine: Engine, line: str, message: str) -> None:
    before = snapshot(engine)
    text = fixture_items().rstrip("\n") + "\n" + line + "\n"
    with Session(engine) as session, pytest.raises(ImportFileError) as refused:
        import_plan(session=session, files=[("items.csv", text.encode())], actor=OPERATOR)
    assert f"items.csv: {message}" in refused.value.problems
    assert snapshot(engine) == before


def test_a_code_of_another_plan_is_refused(engine: Engine) -> None:
    text = f"{ITEMS_HEADER}\nstrategy,CAMI-10,,goal,Clash,,true,,1,fixture\n"
    with Session(engine) as session, pytest.raises(ImportFileError) as refused:
        import_plan(session=session, files=[("items.csv", text.encode())], actor=OPERATOR)
    assert refused.value.problems[0] == (
        "items.csv: row 2, column code: 'CAMI-10' is an item of 'cami' (codes are unique across "
        "plans)"
    )


def test_only_an_admin_loads_a_plan(engine: Engine) -> None:
    editor = Actor(name="ed", role="editor", via="form")
    with Session(engine) as session, pytest.raises(ImportFileError, match="takes an admin"):
        import_plan(session=session, files=files(FIXTURE_DATA / "frameworks.csv"), actor=editor)


def test_replacing_the_strategy_moves_every_link_and_assessment(engine: Engine) -> None:
    with_assessments(engine)
    with Session(engine) as session:
        links_before = links(session)
        assessed_before = assessments(session)
    report = replace_strategy(engine, today=dt.date(2026, 12, 3))
    with Session(engine) as session:
        links_after = links(session)
        assessed_after = assessments(session)
        codes = session.exec(
            select(m.FrameworkItem.code, m.FrameworkItem.provisional)
            .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
            .where(m.Framework.code == "strategy")
        ).all()
        retired = list(retired_items(session, "strategy").itertuples())
        moves = session.exec(
            select(m.AuditEntry).where(m.AuditEntry.table_name == "activityitem")
        ).all()
    cami = [link for link in links_before if link[1].startswith("CAMI")]
    # Every link of an old item is now its targets' (S1.2 splits into G1.2 and G1.3 × 0.5).
    assert links_after == sorted(
        [
            *cami,
            ("A1", "G1.1", 1.0),
            ("A2", "G1.1", 2.0),
            ("A2", "G1.2", 1.0),
            ("A2", "G1.3", 0.5),
            ("A3", "G2.1", 1.0),
            ("A5", "G1.2", 1.0),
            ("A5", "G1.3", 0.5),
        ]
    )
    strategy_before = [link for link in links_before if link[1].startswith("S")]
    split = sum(1 for link in strategy_before if link[1] == "S1.2")
    assert len(links_after) == len(links_before) + split
    assert {a for a, _, _ in links_after} == {a for a, _, _ in links_before}
    # Every assessment moved, once per target (2 before, 3 after: S1.2's goes to both).
    assert assessed_after == [
        ("G1.2", "2022-06-01", "completed"),
        ("G1.3", "2022-06-01", "completed"),
        ("G2.1", "2019-03-01", "not_applicable"),
    ]
    assert len(assessed_after) == len(assessed_before) + 1
    # The old items' provisional flag does not carry over; they are kept as retired.
    assert sorted(codes) == [(code, False) for code in ("G1", "G1.1", "G1.2", "G1.3", "G2", "G2.1")]
    assert [(r.code, r.replaced_by, r.retired_on.isoformat(), r.provisional) for r in retired] == [
        ("S1", "G1", "2026-12-03", True),
        ("S1.1", "G1.1", "2026-12-03", True),
        ("S1.2", "G1.2;G1.3:0.5", "2026-12-03", True),
        ("S2", "G2", "2026-12-03", True),
        ("S2.1", "G2.1", "2026-12-03", True),
        ("S2.2", "G2.1", "2026-12-03", True),
    ]
    assert len(moves) == len(strategy_before) == len(report.links_moved)
    a2 = {(e.row_key, e.before, e.after) for e in moves if e.activity_key == "A2"}
    assert a2 == {
        ("A2 S1.1", '{"item": "S1.1:2"}', '{"item": ["G1.1:2"]}'),
        ("A2 S1.2", '{"item": "S1.2"}', '{"item": ["G1.2", "G1.3:0.5"]}'),
    }
    assert "A2: S1.1:2 → G1.1:2" in report.links_moved
    assert report.assessments_moved == [
        "S1.2 2022-06-01 completed → G1.2;G1.3",
        "S2.2 2019-03-01 not_applicable → G2.1",
    ]
    # The activity's own history shows the move.
    with Session(engine) as session:
        history = audit.activity_history(session=session, activity_key="A2")
    assert list(history["changes"].tail(2)) == [
        "item: S1.1:2 → G1.1:2",
        "item: S1.2 → G1.2;G1.3:0.5",
    ]
    # A repeat of the same replacement changes nothing.
    assert replace_strategy(engine).changes == 0


def test_an_unmapped_item_in_use_refuses_the_whole_replacement(engine: Engine) -> None:
    with_assessments(engine)
    walk = CROSSWALK.read_text(encoding="utf-8").replace("S1.2,G1.2,\nS1.2,G1.3,0.5\n", "")
    before = snapshot(engine)
    with pytest.raises(ImportFileError) as refused:
        replace_strategy(engine, ("walk.csv", walk.encode()))
    assert refused.value.problems == [
        "walk.csv: no row maps S1.2: activities A2, A5 link to it and 1 assessment of it, and "
        "the new tree drops it: nothing was replaced"
    ]
    assert snapshot(engine) == before


def test_a_dry_run_replacement_reports_and_changes_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    report = replace_strategy(engine, dry_run=True)
    assert report.dry_run
    assert len(report.links_moved) == 5
    assert report.lines()[0].endswith("(dry run: nothing was written)")
    assert snapshot(engine) == before


def test_a_crosswalk_naming_unknown_items_is_refused(engine: Engine) -> None:
    walk = "old_code,new_code\nS9,G1\nS1,G9\n"
    with pytest.raises(ImportFileError) as refused:
        replace_strategy(engine, ("walk.csv", walk.encode()))
    assert refused.value.problems[:2] == [
        "walk.csv: row 2, column old_code: 'S9' is not an item of 'strategy'",
        "walk.csv: row 3, column new_code: 'G9' is not in official_strategy_items.csv",
    ]


def test_the_command_line_replaces_and_loads(
    writable_store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    args = ["framework", "replace", "strategy", "--items", str(OFFICIAL)]
    assert cli.main([*args, "--crosswalk", str(CROSSWALK), "--dry-run"]) == 0
    assert "link moved: A2: S1.2 → G1.2;G1.3:0.5" in capsys.readouterr().out
    assert cli.main([*args, "--crosswalk", str(CROSSWALK)]) == 0
    capsys.readouterr()
    assert cli.main(["history", "A5"]) == 0
    assert "update activityitem A5 S1.2: item: S1.2 → G1.2;G1.3:0.5" in capsys.readouterr().out
    assert cli.main(["framework", "retired", "strategy"]) == 0
    retired = capsys.readouterr().out.splitlines()
    assert len(retired) == 6
    assert retired[2].endswith("S1.2 Monitoring (provisional) → G1.2;G1.3:0.5")
    plans = [str(CONCERTED_ACTION / name) for name in ("frameworks.csv", "framework_items.csv")]
    assert cli.main(["framework", "import", *plans]) == 0
    assert capsys.readouterr().out.startswith("4 changes")
    assert cli.main(["framework", "import", *plans]) == 0
    assert capsys.readouterr().out.startswith("0 changes")
    assert cli.main(["import", str(CONCERTED_ACTION / "item_assessments.csv")]) == 0
    assert "added (3): CA14.3-i 2025-06-26 completed" in capsys.readouterr().out
    engine = make_engine(writable_store_url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(m.Framework)).one()
    engine.dispose()
    assert count == 3


def test_assessments_that_would_clash_on_a_new_item_refuse_the_replacement(
    engine: Engine,
) -> None:
    with_assessments(engine)  # S1.2 completed on 2022-06-01
    with Session(engine) as session:
        import_file(
            session=session,
            data=b"item,date,status,note,source,demo\n"
            b"S1.1,2022-06-01,started,survey begun,fixture,false\n",
            actor=OPERATOR,
        )
    walk = CROSSWALK.read_text(encoding="utf-8").replace("S1.1,G1.1,", "S1.1,G1.2,")
    before = snapshot(engine)
    with pytest.raises(ImportFileError) as refused:
        replace_strategy(engine, ("walk.csv", walk.encode()))
    assert refused.value.problems == [
        "walk.csv: G1.2: the crosswalk brings assessments of S1.1, S1.2 on 2022-06-01 with "
        "different statuses (completed, started) onto it: map them apart, or record one "
        "assessment after the replacement"
    ]
    assert snapshot(engine) == before


def test_the_plan_page_names_the_items_a_replacement_took_out(
    writable_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(writable_store_url)
    with app_on(writable_store_url, monkeypatch):
        before = run_app("strategy")
        assert not any("no longer has" in e.label for e in before.expander)
        replace_strategy(engine, today=dt.date(2026, 12, 3))
        at = run_app("strategy")
        assert not at.exception, at.exception
        [retired] = [e for e in at.expander if "no longer has" in e.label]
        assert retired.label.endswith("replaced on 2026-12-03")
        table = retired.dataframe[0].value
        assert "S1.2" in table["Code"].tolist()
        row = table[table["Code"] == "S1.2"].iloc[0]
        assert row["Replaced by"] == "G1.2;G1.3:0.5"
    engine.dispose()

"""Import: every row checked first, all or nothing, idempotent, and never a traceback.

The store is a fresh copy of the fixture (tests/fixtures/data); `snapshot` reads every row of
every table, so "the store is unchanged" is checked exactly after each rejection.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlmodel import Session

from dashboard import audit, cli, importer
from dashboard import models as m
from dashboard.auth import Actor, command_line_actor
from dashboard.db import make_engine
from dashboard.importer import ImportFileError, import_file
from tests.conftest import FIXTURE_DATA, ROOT

OPERATOR = command_line_actor("tester")
FIXTURE_ACTIVITIES = (FIXTURE_DATA / "activities.csv").read_text(encoding="utf-8")
HEADER = FIXTURE_ACTIVITIES.splitlines()[0]
A6 = (
    "A6,Kazakh Altai interviews,Herders asked about sightings,in_progress,10,2025-05-01,,acbk,"
    "pica,hellabrunn-zoo,KAZ,9,S1.1,CAMI-10:0.5,49.5,86.0,https://example.org/a6,false"
)


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def unchanged(module_store_url: str) -> Iterator[Engine]:
    """A store shared by the tests that must leave it as it is (each checks that it did)."""
    engine = make_engine(module_store_url)
    yield engine
    engine.dispose()


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in m.metadata.sorted_tables
        }


def run_import(
    engine: Engine, text: str | bytes, *, actor: Actor = OPERATOR, dry_run: bool = False
) -> importer.ImportReport:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with Session(engine) as session:
        return import_file(
            session=session, data=data, actor=actor, name="test.csv", dry_run=dry_run
        )


def rejected(engine: Engine, text: str | bytes, **options: Any) -> list[str]:
    """The reasons a file is rejected, after checking that the store did not change."""
    before = snapshot(engine)
    with pytest.raises(ImportFileError) as error:
        run_import(engine, text, **options)
    assert snapshot(engine) == before, "a rejected import changed the store"
    return error.value.problems


def with_rows(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def edited_fixture() -> str:
    """The fixture's activities with A5 renamed and a new A6."""
    text = FIXTURE_ACTIVITIES.replace(
        "A5,Monitoring guideline trial,", "A5,Monitoring guideline field trial,"
    )
    return text.rstrip("\n") + "\n" + A6 + "\n"


def test_a_clean_file_is_applied_and_reported(engine: Engine) -> None:
    report = run_import(engine, edited_fixture())
    assert report.kind == "activities"
    assert (report.added, report.changed, report.unchanged) == (
        ["A6"],
        ["A5 (title)"],
        ["A1", "A2", "A3", "A4"],
    )
    assert report.lines()[:4] == [
        "activities: 6 rows",
        "added (1): A6",
        "changed (1): A5 (title)",
        "left alone (4): A1, A2, A3, A4",
    ]
    # A3 and A4 are demo rows without the [Demo] title prefix: a warning, not an error.
    assert [warning.split(":")[0] for warning in report.warnings] == [
        "row 4, column title",
        "row 5, column title",
    ]
    with Session(engine) as session:
        a5 = audit.entries(session=session, activity_key="A5")
        a6 = audit.entries(session=session, activity_key="A6")
    assert [(e.actor, e.via, e.action, e.table_name) for e in a5] == [
        ("cli:tester", "cli", "update", "activity")
    ]
    assert audit.before_after(a5[0]) == (
        {"title": "Monitoring guideline trial"},
        {"title": "Monitoring guideline field trial"},
    )
    assert [(e.action, e.table_name) for e in a6] == [
        ("create", "activity"),
        ("insert", "progressupdate"),
    ]


def test_importing_the_same_file_twice_changes_nothing(engine: Engine) -> None:
    run_import(engine, edited_fixture())
    before = snapshot(engine)
    again = run_import(engine, edited_fixture())
    assert (again.added, again.changed) == ([], [])
    assert again.unchanged == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert snapshot(engine) == before


def test_the_seeded_fixture_reimports_unchanged(engine: Engine) -> None:
    before = snapshot(engine)
    for name in ("activities", "progress_updates", "funding", "outputs"):
        report = run_import(engine, (FIXTURE_DATA / f"{name}.csv").read_bytes())
        assert (report.kind, report.added, report.changed) == (name, [], [])
    assert snapshot(engine) == before


def test_a_dry_run_reports_but_writes_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    report = run_import(engine, edited_fixture(), dry_run=True)
    assert (report.added, report.changed) == (["A6"], ["A5 (title)"])
    assert report.lines()[0] == "activities: 6 rows (dry run: nothing was written)"
    assert snapshot(engine) == before


def test_one_bad_row_rejects_the_whole_file_with_every_problem(unchanged: Engine) -> None:
    bad = A6.replace(",KAZ,9,", ",KAZ;XXX,9;4,").replace(
        ",10,2025-05-01,,", ",110,2025-05-01,2024-12-31,"
    )
    text = edited_fixture().replace(A6, bad)
    assert rejected(unchanged, text) == [
        "row 7, column progress_pct: 110 is outside 0–100",
        "row 7, column end_date: ends (2024-12-31) before it starts (2025-05-01)",
        "row 7, column countries: unknown country 'XXX'",
        "row 7, column ptcrs: unknown PTCR '4'",
    ]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            A6.replace(",in_progress,10,", ",completed,90,"),
            "progress_pct: a completed activity is at 100, not 90",
        ),
        (A6.replace(",in_progress,", ",ongoing,"), "status: 'ongoing' is not one of planned"),
        (A6.replace(",10,", ",ten,"), "progress_pct: expected a number, got 'ten'"),
        (A6.replace("2025-05-01", "01/05/2025"), "start_date: expected a date YYYY-MM-DD"),
        (A6.replace(",acbk,pica,", ",wwf,pica,"), "lead_organisation: unknown organisation 'wwf'"),
        (A6.replace(",S1.1,", ",S7,"), "strategy_items: unknown framework item 'S7'"),
        (A6.replace("CAMI-10:0.5", "CAMI-10:half"), "cami_sections: bad weight in 'CAMI-10:half'"),
        (A6.replace(",49.5,86.0,", ",49.5,,"), "latitude: give both latitude and longitude"),
        (A6.replace(",49.5,86.0,", ",95,86.0,"), "latitude: 95 is not a latitude"),
        (A6.replace(",false", ",maybe"), "demo: expected true or false, got 'maybe'"),
        (A6.replace("A6,Kazakh Altai interviews", "A6,"), "title: value required"),
    ],
)
def test_each_kind_of_bad_cell_is_named(unchanged: Engine, row: str, problem: str) -> None:
    problems = rejected(unchanged, with_rows(row))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"row 2, column {problem}")


def test_duplicate_ids_are_rejected(unchanged: Engine) -> None:
    assert rejected(unchanged, with_rows(A6, A6.replace("interviews", "survey"))) == [
        "row 3, column activity_id: duplicate activity (also in row 2)"
    ]


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (b"", ["the file is empty"]),
        (b"\n \r\n", ["the file is empty"]),
        (HEADER.encode() + b"\n", ["the file has a header but no data rows"]),
        (
            with_rows(A6).encode("cp1252").replace(b"Altai", b"Alta\xef"),
            [
                "the file is not UTF-8 text (line 2 holds the byte 0xef): save it from your "
                "spreadsheet as “CSV UTF-8”"
            ],
        ),
        (
            b"PK\x03\x04\x14\x00rest-of-a-zip",
            ["this is a spreadsheet workbook (.xlsx/.ods), not CSV: save it as “CSV UTF-8”"],
        ),
        (
            b"name,age\nmanul,4\n",
            [
                "the columns match no template: expected the columns of activities.csv, "
                "progress_updates.csv, funding.csv, outputs.csv, item_assessments.csv (see "
                "data/templates/); the first row is 'name,age'"
            ],
        ),
        (
            with_rows(
                A6.rsplit(",", 2)[0] + ",false", header=HEADER.replace(",source_url", "")
            ).encode(),
            ["the file looks like activities.csv, but has missing columns: source_url"],
        ),
        (
            with_rows(A6 + ",x", header=HEADER + ",comment").encode(),
            [
                "the file looks like activities.csv, but has columns not in the activities "
                "template: comment"
            ],
        ),
        (
            with_rows(A6 + ",x", header=HEADER + ",title").encode(),
            ["the file looks like activities.csv, but has columns named more than once: title"],
        ),
        (
            with_rows(A6 + ",x", header=HEADER + ",").encode(),
            [
                "the file looks like activities.csv, but has columns without a name (by "
                "position): 19"
            ],
        ),
        (with_rows(A6 + ",extra").encode(), ["row 2: 19 cells, but the header has 18 columns"]),
        (with_rows("A6,too short").encode(), ["row 2: 2 cells, but the header has 18 columns"]),
        (
            (HEADER + '\nA6,"unclosed quote,x\n').encode(),
            ["the file is not valid CSV (line 2): unexpected end of data"],
        ),
        (b"activity_id,date\x00\n", ["the file holds binary data (NUL characters), not CSV text"]),
    ],
)
def test_bad_files_get_a_clear_message(unchanged: Engine, data: bytes, problems: list[str]) -> None:
    assert rejected(unchanged, data) == problems


def test_a_spreadsheets_bom_semicolons_and_utf16_are_read(engine: Engine) -> None:
    semicolons = with_rows(A6).replace(",", ";").replace("pica;hellabrunn", "pica,hellabrunn")
    # `;` inside a `;`-delimited file: the list cells are quoted, as spreadsheets do.
    semicolons = with_rows(A6.replace(",S1.1,CAMI-10:0.5,", ',"S1.1;S1.2",CAMI-10:0.5,')).replace(
        ",", ";"
    )
    assert semicolons.count('"S1.1;S1.2"') == 1
    report = run_import(engine, codecs.BOM_UTF8 + semicolons.encode("utf-8"), dry_run=True)
    assert report.added == ["A6"]
    report = run_import(engine, with_rows(A6).encode("utf-16"), dry_run=True)
    assert report.added == ["A6"]
    tabs = with_rows(A6).replace(",", "\t")
    assert run_import(engine, tabs, dry_run=True).added == ["A6"]


def test_progress_funding_and_output_files(engine: Engine) -> None:
    progress = (
        "activity_id,date,progress_pct,status,note,source\n"
        "A5,2025-02-01,40,in_progress,resumed,report\n"
    )
    report = run_import(engine, progress)
    assert (report.kind, report.added) == ("progress_updates", ["A5 2025-02-01"])
    assert run_import(engine, progress).unchanged == ["A5 2025-02-01"]
    funding = (
        "funder,activity_id,amount,currency,year,note,source,demo\n"
        "acbk,A5,1500,kzt,2025,,letter,false\n"
    )
    assert run_import(engine, funding).added == ["acbk → A5 2025 KZT"]
    assert run_import(engine, funding.replace("1500", "1600")).changed == ["acbk → A5 2025 KZT"]
    outputs = (
        "activity_id,indicator,value,unit,target,date,note,source,demo\n"
        "A5,trainees,12,people,,2025-02-01,,report,false\n"
    )
    assert run_import(engine, outputs).added == ["A5 trainees 2025-02-01"]
    with Session(engine) as session:
        rows = audit.activity_history(session=session, activity_key="A5")
    assert list(zip(rows["action"], rows["table"], strict=True)) == [
        ("insert", "progressupdate"),
        ("update", "activity"),
        ("insert", "funding"),
        ("update", "funding"),
        ("insert", "output"),
    ]
    assert rows["changes"].iloc[1] == "progress_pct: 25 → 40; status: on_hold → in_progress"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "activity_id,date,progress_pct,status,note,source\nA9,2025-02-01,40,in_progress,,\n",
            "row 2, column activity_id: unknown activity 'A9'",
        ),
        (
            "activity_id,date,progress_pct,status,note,source\nA5,2999-01-01,40,in_progress,,\n",
            "row 2, column date: 2999-01-01 is in the future: report what happened",
        ),
        (
            "funder,activity_id,amount,currency,year,note,source,demo\nacbk,A5,1e99,EUR,2025,,x,false\n",
            "row 2, column amount: an amount must be below 1,000,000,000,000",
        ),
        (
            "funder,activity_id,amount,currency,year,note,source,demo\nacbk,A5,12,EUR,20.5,,x,false\n",
            "row 2, column year: expected a whole number, got '20.5'",
        ),
        (
            "activity_id,indicator,value,unit,target,date,note,source,demo\nA5,,12,,,,,x,false\n",
            "row 2, column indicator: value required",
        ),
    ],
)
def test_bad_rows_in_the_other_templates(unchanged: Engine, text: str, problem: str) -> None:
    assert rejected(unchanged, text) == [problem]


def test_an_editor_may_import_only_their_organisations_activities(engine: Engine) -> None:
    bob = Actor("bob", "editor", "form", frozenset({"acbk"}))
    # A5 is pica's: a file touching it is refused whole, although A6 (acbk) would be fine.
    assert rejected(engine, edited_fixture(), actor=bob) == [
        "row 6, column lead_organisation: you may edit only activities that acbk lead or "
        "partner, and A5 would not be one of them"
    ]
    assert run_import(engine, with_rows(A6), actor=bob).added == ["A6"]


def test_the_cli_imports_and_exits_1_on_a_bad_file(
    writable_store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    good = tmp_path / "activities.csv"
    good.write_text(edited_fixture(), encoding="utf-8")
    assert cli.main(["import", str(good), "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("activities: 6 rows (dry run: nothing was written)\n")
    assert cli.main(["import", str(good)]) == 0
    assert "changed (1): A5 (title)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(with_rows(A6.replace(",KAZ,", ",XXX,")), encoding="utf-8")
    assert cli.main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: bad.csv was not imported; the store is unchanged.\n"
        "row 2, column countries: unknown country 'XXX'\n"
    )
    assert cli.main(["import", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err


def plan_columns_of(data_dir: Path) -> list[str]:
    """The activity file's column of each plan in a data directory (frameworks.csv)."""
    with (data_dir / "frameworks.csv").open(encoding="utf-8", newline="") as stream:
        return [row["items_column"] for row in csv.DictReader(stream)]


def test_the_templates_are_the_data_files_columns() -> None:
    for kind, columns in importer.TEMPLATES.items():
        template = (ROOT / "data" / "templates" / f"{kind}.csv").read_text(encoding="utf-8")
        # The activities template has a column per shipped plan, and framework_items.
        expected = (
            importer.activity_columns(plan_columns_of(ROOT / "data"))
            if kind == "activities"
            else columns
        )
        assert template == ",".join(expected) + "\n"
        for data_dir in (ROOT / "data", FIXTURE_DATA):
            path = data_dir / f"{kind}.csv"
            if kind == "item_assessments" and not path.exists():
                continue  # optional: a data directory without assessments still seeds
            shipped = path.read_text(encoding="utf-8").splitlines()[0].split(",")
            # The data files may also have a kind's optional columns (progress updates' demo,
            # activities' plan columns).
            optional = (
                *importer.OPTIONAL_COLUMNS.get(kind, ()),
                *(plan_columns_of(data_dir) if kind == "activities" else ()),
            )
            assert [name for name in shipped if name not in optional] == list(columns), path
    example = (FIXTURE_DATA.parent / "item_assessments.csv").read_text(encoding="utf-8")
    assert example.splitlines()[0] == ",".join(importer.TEMPLATES["item_assessments"])


# Property-based: random malformed files never raise anything but ImportFileError, and a
# rejected file leaves every table exactly as it was.

CELL = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


SAFE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=',"\r\n\x00;'), max_size=20
)


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """The fixture's activities (edited) with random damage, or with harmless changes only."""
    rows = [line.split(",") for line in edited_fixture().splitlines()]
    harmless = draw(st.booleans())
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0 if not harmless else 1, len(rows) - 1))
        cells = rows[row]
        index = draw(st.integers(0, max(len(cells) - 1, 0)))
        if harmless:
            operation = draw(st.sampled_from(["describe", "reorder", "blank-line"]))
            if operation == "describe" and len(cells) == len(rows[0]):
                cells[rows[0].index("description")] = draw(SAFE_TEXT)
            elif operation == "reorder":
                order = draw(st.permutations(range(len(rows[0]))))
                rows = [
                    [line[i] for i in order] if len(line) == len(order) else line for line in rows
                ]
            else:
                rows.insert(row, [""])
            continue
        operation = draw(st.sampled_from(["cell", "drop", "add", "quote", "header", "copy-row"]))
        if not cells:
            continue
        if operation == "cell":
            cells[index] = draw(
                CELL | st.sampled_from(["-1", "1e999", "nan", "S9", "2025-02-30", "true", ";;"])
            )
        elif operation == "drop":
            del cells[index]
        elif operation == "add":
            cells.insert(index, draw(CELL))
        elif operation == "quote":
            cells[index] = '"' + cells[index]
        elif operation == "header":
            rows[0][index % len(rows[0])] = draw(st.sampled_from([*HEADER.split(","), "", "note"]))
        else:
            rows.insert(row + 1, list(rows[draw(st.integers(1, len(rows) - 1))]))
    text = "\n".join(",".join(cells) for cells in rows) + "\n"
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])))
    if not harmless and draw(st.booleans()):
        damage = draw(st.sampled_from(["truncate", "latin-1"]))
        data = data[: draw(st.integers(0, len(data)))] if damage == "truncate" else data + b"\xe9"
    return data


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated_files() | st.binary(max_size=300))
def test_random_malformed_files_never_crash_and_never_write_partly(
    engine: Engine, data: bytes
) -> None:
    before = snapshot(engine)
    problems: list[str] = []
    try:
        report = run_import(engine, data)
    except ImportFileError as error:
        problems = error.problems or ["(no reason given)"]
    if problems:
        event("rejected")
        assert "(no reason given)" not in problems, "a rejection must say why"
        assert snapshot(engine) == before, "a rejected import changed the store"
        return
    # Accepted: all of it was applied, so importing it again changes nothing.
    event("accepted")
    after = snapshot(engine)
    again = run_import(engine, data)
    assert (again.added, again.changed) == ([], []), report.lines()
    assert snapshot(engine) == after


ASSESSMENTS = (
    "item,date,status,note,source,demo\n"
    "S1.1,2024-05-01,well_advanced,surveys in four range states,report 2024,false\n"
    "CAMI-11,2026-03-01,not_applicable,covered by another plan,,false\n"
    "S1.2,2022-06-01,completed,monitoring scheme in place,report 2022,false\n"
)


def test_an_assessments_file_is_added_once(engine: Engine) -> None:
    report = run_import(engine, ASSESSMENTS)
    assert report.kind == "item_assessments"
    assert (report.added, report.changed, report.unchanged) == (
        [
            "S1.1 2024-05-01 well_advanced",
            "CAMI-11 2026-03-01 not_applicable",
            "S1.2 2022-06-01 completed",
        ],
        [],
        [],
    )
    with Session(engine) as session:
        rows = session.exec(
            select(m.FrameworkItem.code, m.ItemAssessment.status, m.ItemAssessment.recorded_by)
            .join(m.ItemAssessment, m.ItemAssessment.item_id == m.FrameworkItem.id)
            .order_by(m.ItemAssessment.id)
        ).all()
        audited = session.exec(
            select(m.AuditEntry.actor, m.AuditEntry.table_name, m.AuditEntry.activity_key)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("S1.1", "well_advanced", "cli:tester"),
        ("CAMI-11", "not_applicable", "cli:tester"),
        ("S1.2", "completed", "cli:tester"),
    ]
    assert [tuple(row) for row in audited] == [("cli:tester", "itemassessment", None)] * 3
    before = snapshot(engine)
    again = run_import(engine, ASSESSMENTS)
    assert (again.added, again.changed, len(again.unchanged)) == ([], [], 3)
    assert snapshot(engine) == before


def test_the_example_assessments_file_imports_as_the_seed_reads_it(engine: Engine) -> None:
    """tests/fixtures/item_assessments.csv, as a data directory's item_assessments.csv."""
    example = (FIXTURE_DATA.parent / "item_assessments.csv").read_bytes()
    report = run_import(engine, example)
    assert (report.kind, report.added) == (
        "item_assessments",
        ["S1.2 2022-06-01 completed", "S2.2 2019-03-01 not_applicable"],
    )
    assert run_import(engine, example).unchanged == report.added


def test_one_bad_assessment_rejects_the_whole_file(unchanged: Engine) -> None:
    text = ASSESSMENTS + (
        "S9,2024-05-01,completed,,x,false\n"
        "S2.1,2024-13-01,begun,,,maybe\n"
        "S1.1,2024-05-01,completed,,,false\n"
    )
    assert rejected(unchanged, text) == [
        "row 5, column item: unknown framework item 'S9'",
        "row 6, column date: expected a date YYYY-MM-DD, got '2024-13-01'",
        "row 6, column status: 'begun' is not one of not_started, started, well_advanced, "
        "completed, not_applicable",
        "row 6, column demo: expected true or false, got 'maybe'",
        "row 7, column date: duplicate assessment of this item on this date (also in row 2)",
        "row 7, column source: say where this is documented (a report, publication or URL): "
        "“completed” needs its evidence",
    ]


def test_a_restricted_editor_may_not_import_assessments(unchanged: Engine) -> None:
    bob = Actor("bob", "editor", "form", frozenset({"acbk"}))
    problems = rejected(unchanged, ASSESSMENTS, actor=bob)
    assert [problem.split(":")[0] for problem in problems] == [
        "row 2, column item",
        "row 3, column item",
        "row 4, column item",
    ]
    assert problems[0].endswith("(you may edit only what acbk lead or partner)")


def test_funding_whose_amount_is_not_published_imports(engine: Engine) -> None:
    funding = (
        "funder,activity_id,amount,currency,year,note,source,demo\n"
        "fondation-segre,A5,,,,named as a funder,annual report,false\n"
        "acbk,A5,,,2024,,annual report,false\n"
    )
    report = run_import(engine, funding)
    assert report.added == [
        "fondation-segre → A5 year not given amount not published",
        "acbk → A5 2024 amount not published",
    ]
    assert run_import(engine, funding).unchanged == report.added
    with Session(engine) as session:
        rows = session.exec(
            select(m.Funding.amount, m.Funding.currency, m.Funding.year).where(
                m.Funding.source == "annual report"
            )
        ).all()
    assert sorted(map(tuple, rows), key=repr) == [(None, None, 2024), (None, None, None)]
    assert rejected(engine, funding.replace(",A5,,,2024,", ",A5,,EUR,2024,")) == [
        "row 3, column currency: no currency without an amount (amount not published)"
    ]


def test_a_progress_file_may_mark_demo_updates_as_their_activity_is(engine: Engine) -> None:
    header = "activity_id,date,progress_pct,status,note,source,demo\n"
    # A3 is a demo activity, A5 is not.
    good = (
        header
        + "A3,2022-06-01,30,cancelled,still stopped,,true\nA5,2025-02-01,40,in_progress,,,false\n"
    )
    assert run_import(engine, good).added == ["A3 2022-06-01", "A5 2025-02-01"]
    bad = good.replace(",,true\n", ",,false\n").replace("2022-06-01", "2022-07-01")
    assert rejected(engine, bad) == [
        "row 2, column demo: A3 is demo data, so its updates are demo=true"
    ]


def test_a_hidden_character_in_a_file_is_named_by_row_and_column(writable_store_url: str) -> None:
    from dashboard.importer import ImportFileError, import_file

    engine = make_engine(writable_store_url)
    data = (
        "activity_id,date,progress_pct,status,note,source\n"
        "A2,2026-03-01,60,in_progress,fine \u202eevil,https://example.org\n"
    ).encode()
    try:
        with Session(engine) as session, pytest.raises(ImportFileError) as refused:
            import_file(
                session=session,
                data=data,
                actor=Actor(name="alice", role="admin", via="import"),
                name="progress_updates.csv",
            )
        assert (
            "row 2, column note: holds a control or direction-changing character (U+202E)"
            in str(refused.value)
        )
    finally:
        engine.dispose()

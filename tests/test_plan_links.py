"""Activity links are kept per plan (issue 14): each Framework row names its activity-file
column (Framework.items_column, migration 0011), `framework_items` takes items of any plan,
and a plan loaded later is linked, imported and edited with no code that names it."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from dashboard import editing, importer
from dashboard import models as m
from dashboard.db import alembic_config, make_engine, migrate
from dashboard.importer import ImportFileError, import_file
from tests.conftest import FIXTURE_DATA, seeded_engine
from tests.test_importer import (
    A6,
    HEADER,
    OPERATOR,
    rejected,
    run_import,
    with_rows,
)


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def stored_items(engine: Engine, activity_id: str) -> dict[str, editing.ItemLinks]:
    with Session(engine) as session:
        draft = editing.load_draft(session=session, activity_id=activity_id)
    assert draft is not None
    return dict(draft.items)


def add_third_plan(engine: Engine) -> None:
    """A third plan as data only: a Framework row (no items_column given: `<code>_items`)
    and two items, as a plan's files would load them."""
    with Session(engine) as session:
        plan = m.Framework(
            code="concerted",
            name="CMS Concerted Action 14.3",
            short_name="Concerted Action",
            period_start=2024,
            period_end=2026,
        )
        session.add(plan)
        session.flush()
        assert plan.id is not None
        session.add_all(
            m.FrameworkItem(framework_id=plan.id, code=code, title=title, level="objective")
            for code, title in (("CA-i", "Addition to CAMI"), ("CA-ii", "Programme of Work"))
        )
        session.commit()


def test_the_migration_names_the_columns_the_files_have_used(empty_store_url: str) -> None:
    engine = make_engine(empty_store_url)
    command.upgrade(alembic_config(engine), "0010")
    with engine.begin() as connection:
        for code in ("strategy", "cami", "concerted"):
            connection.execute(
                text(
                    "INSERT INTO framework (code, name, short_name, period_start, period_end,"
                    " description, source) VALUES (:code, :code, :code, 2020, 2030, '', '')"
                ),
                {"code": code},
            )
    migrate(engine)
    with Session(engine) as session:
        columns = dict(session.exec(select(m.Framework.code, m.Framework.items_column)).all())
    assert columns == {
        "strategy": "strategy_items",
        "cami": "cami_sections",
        "concerted": "concerted_items",
    }
    engine.dispose()


def test_a_plan_file_without_the_column_gets_code_items(
    empty_store_url: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    frameworks = (data / "frameworks.csv").read_text(encoding="utf-8").splitlines()
    # An older frameworks.csv: no items_column (the last column), so `cami_items`.
    (data / "frameworks.csv").write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in frameworks) + "\n", encoding="utf-8"
    )
    activities = data / "activities.csv"
    activities.write_text(
        activities.read_text(encoding="utf-8").replace(",cami_sections,", ",cami_items,", 1),
        encoding="utf-8",
    )
    engine = seeded_engine(empty_store_url, data)
    with Session(engine) as session:
        assert editing.plan_columns(session=session) == {
            "strategy": "strategy_items",
            "cami": "cami_items",
        }
    assert stored_items(engine, "A1")["cami"] == (("CAMI-10", 1.0),)
    engine.dispose()


def test_framework_items_takes_items_of_any_plan(engine: Engine) -> None:
    header = HEADER.replace(",cami_sections,", ",cami_sections,framework_items,")
    row = A6.replace(",S1.1,CAMI-10:0.5,", ",,,CAMI-10;S1.2:0.5,")
    report = run_import(engine, with_rows(row, header=header))
    assert report.added == ["A6"]
    assert stored_items(engine, "A6") == {
        "cami": (("CAMI-10", 1.0),),
        "strategy": (("S1.2", 0.5),),
    }
    # The same links through the plans' own columns change nothing.
    again = run_import(engine, with_rows(A6.replace(",S1.1,CAMI-10:0.5,", ",S1.2:0.5,CAMI-10,")))
    assert (again.added, again.changed, again.unchanged) == ([], [], ["A6"])


def test_framework_items_names_an_unknown_item_and_a_bad_weight(engine: Engine) -> None:
    header = HEADER.replace(",cami_sections,", ",cami_sections,framework_items,")
    row = A6.replace(",S1.1,CAMI-10:0.5,", ",S1.1,,CAMI-99;S1.2:0;X7,")
    assert rejected(engine, with_rows(row, header=header)) == [
        "row 2, column framework_items: a weight must be a positive number (S1.2)",
        "row 2, column framework_items: unknown framework items 'CAMI-99' (did you mean "
        "'CAMI-4' (Transboundary Cooperation) or 'CAMI-11' (Education, Community and "
        "Communication) or 'CAMI-10' (Species Monitoring and Research)?), 'X7'",
    ]


def test_a_third_plan_is_imported_by_its_own_column(engine: Engine) -> None:
    add_third_plan(engine)
    # Older files, without the new plan's column, import as before.
    assert run_import(engine, with_rows(A6)).added == ["A6"]
    header = HEADER.replace(",cami_sections,", ",cami_sections,concerted_items,")
    row = A6.replace("A6,", "A7,", 1).replace(",CAMI-10:0.5,", ",CAMI-10:0.5,CA-ii,")
    assert run_import(engine, with_rows(row, header=header)).added == ["A7"]
    assert stored_items(engine, "A7")["concerted"] == (("CA-ii", 1.0),)
    wrong = row.replace(",CA-ii,", ",S1.1,").replace("A7,", "A8,", 1)
    assert rejected(engine, with_rows(wrong, header=header)) == [
        "row 2, column concerted_items: 'S1.1' not in the concerted framework"
    ]
    # Its audit record names the plan's column.
    with Session(engine) as session:
        draft = editing.load_draft(session=session, activity_id="A7")
        assert draft is not None
        record = editing.activity_record(draft, editing.plan_columns(session=session))
    assert record["concerted_items"] == ["CA-ii"]
    assert list(record)[list(record).index("cami_sections") + 1] == "concerted_items"


def test_a_column_no_plan_has_is_refused(engine: Engine) -> None:
    header = HEADER.replace(",cami_sections,", ",cami_sections,concerted_items,")
    row = A6.replace(",CAMI-10:0.5,", ",CAMI-10:0.5,CA-ii,")
    with pytest.raises(ImportFileError) as error, Session(engine) as session:
        import_file(session=session, data=with_rows(row, header=header).encode(), actor=OPERATOR)
    assert error.value.problems == [
        "the file looks like activities.csv, but has columns not in the activities template: "
        "concerted_items"
    ]


def test_a_column_a_file_may_leave_out_keeps_the_stored_value(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An own field declared optional_in_file (one added after files were written; here the
    # description, as if it were): a file without its column keeps a stored activity's value
    # and gives a new one the default.
    assert run_import(engine, with_rows(A6)).added == ["A6"]
    fields = tuple(
        dataclasses.replace(use, optional_in_file=use.name == "description")
        for use in m.activity_fields()
    )
    monkeypatch.setattr(m, "activity_fields", lambda: fields)
    monkeypatch.setattr(importer, "OPTIONAL_OWN_COLUMNS", ("description",))
    monkeypatch.setattr(
        importer, "OPTIONAL_COLUMNS", {**importer.OPTIONAL_COLUMNS, "activities": ("description",)}
    )
    monkeypatch.setitem(
        importer.TEMPLATES,
        "activities",
        tuple(name for name in importer.ACTIVITY_COLUMNS if name != "description"),
    )
    header = HEADER.replace(",description,", ",")
    a6 = A6.replace(",Herders asked about sightings,", ",")
    a7 = a6.replace("A6,", "A7,", 1)
    report = run_import(engine, with_rows(a6, a7, header=header))
    assert (report.added, report.changed, report.unchanged) == (["A7"], [], ["A6"])
    with Session(engine) as session:
        kept = editing.load_draft(session=session, activity_id="A6")
        added = editing.load_draft(session=session, activity_id="A7")
    assert kept is not None
    assert added is not None
    assert (kept.description, added.description) == ("Herders asked about sightings", "")

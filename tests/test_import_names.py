"""Import what people type: a file written with names and numbers imports as codes.

On the fixture store (tests/fixtures/data), on SQLite or PostgreSQL; the shipped example files
(data/templates/examples/) on a store seeded from data/.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from dashboard import editing, importer
from dashboard import models as m
from dashboard.db import make_engine
from tests.conftest import ROOT, seeded_engine, temporary_store
from tests.test_importer import rejected, run_import, snapshot, with_rows

EXAMPLES = ROOT / "data" / "templates" / "examples"
# A6 of test_importer, written as a partner would: names, short names, any case and spacing,
# country and PTCR names, items by their number in their plan's column (weights kept).
A7_TYPED = (
    "A7,Kazakh Altai interviews,,in_progress,10,2025-05-01,,"
    "Association for the Conservation of Biodiversity of Kazakhstan,"
    " pica ; Hellabrunn Zoo ,SEGRÉ,kazakhstan;Mongolia,Altai;11,"
    "1.2:0.5;s2.1,10;4:0.25,49.5,86.0,https://example.org/a7,false"
)
A7_STORED = {
    "lead_organisation": "acbk",
    "partners": ("hellabrunn-zoo", "pica"),
    "funders": ("fondation-segre",),
    "countries": ("KAZ", "MNG"),
    "ptcrs": (9, 11),
    "items": {
        "strategy": (("S1.2", 0.5), ("S2.1", 1.0)),
        "cami": (("CAMI-10", 1.0), ("CAMI-4", 0.25)),
    },
}


@pytest.fixture
def writable(writable_store_url: str) -> Iterator[Engine]:
    """A fresh copy of the fixture store, for the tests that write (a rejection does not: the
    others use the shared store, and `rejected` checks that it stays as it was)."""
    yield (engine := make_engine(writable_store_url))
    engine.dispose()


def test_an_activity_written_with_names_and_numbers_is_stored_as_codes(writable: Engine) -> None:
    report = run_import(writable, with_rows(A7_TYPED))
    assert (report.added, report.changed) == (["A7"], [])
    with Session(writable) as session:
        draft = editing.load_draft(session=session, activity_id="A7")
    assert draft is not None
    stored = draft.normalised()
    assert {field: getattr(stored, field) for field in A7_STORED} == A7_STORED


def test_a_repeat_import_of_a_file_with_names_changes_nothing(writable: Engine) -> None:
    files = [
        with_rows(A7_TYPED),
        # The fixture's A1, every code written otherwise: already stored exactly so.
        with_rows(
            "A1,Camera trapping in the Kazakh Altai,,completed,100,2019-01-01,2020-12-31,PICA,,"
            "Hellabrunn,Kazakhstan,altai,1.1,10,49.2,85.6,https://example.org/a1,false"
        ),
        "funder,activity_id,amount,currency,year,note,source,demo\n"
        "Hellabrunn,A2,5000,EUR,2021,,fixture,false\n"
        "Fondation Segré,A2,700,EUR,2022,,fixture,false\n",
        "item,date,status,note,source,demo\ns1.1,2024-01-10,started,,a report,false\n",
    ]
    first = [run_import(writable, text) for text in files]
    assert [(r.added, r.changed) for r in first] == [
        (["A7"], []),
        ([], []),
        (["fondation-segre → A2 2022 EUR"], []),
        (["S1.1 2024-01-10 started"], []),
    ]
    assert first[1].unchanged == ["A1"]
    assert first[2].unchanged == ["hellabrunn-zoo → A2 2021 EUR"]
    before = snapshot(writable)
    again = [run_import(writable, text) for text in files]
    assert [(r.added, r.changed) for r in again] == [([], [])] * len(files)
    assert snapshot(writable) == before


def test_an_ambiguous_name_is_refused_listing_every_candidate(writable: Engine) -> None:
    with Session(writable) as session:
        session.add(
            m.Organisation(
                slug="pica-kz", name="PICA Kazakhstan", short_name="PICA", kind="NGO", source="t"
            )
        )
        session.commit()
    problems = rejected(writable, with_rows(A7_TYPED.replace(" pica ;", "PICA;")))
    assert problems == [
        "row 2, column partners: 'PICA' could be any of these organisations: 'pica' (Pallas's "
        "cat International Conservation Alliance), 'pica-kz' (PICA Kazakhstan); give its code"
    ]
    # Its slug as stored still names one.
    assert run_import(writable, with_rows(A7_TYPED.replace(" pica ;", "pica;"))).added == ["A7"]


@pytest.mark.parametrize(
    ("replace", "problem"),
    [
        (
            ("Association for the", "Asociation for the"),
            "lead_organisation: unknown organisation 'Asociation for the Conservation of "
            "Biodiversity of Kazakhstan' (did you mean 'acbk' (Association for the "
            "Conservation of Biodiversity of Kazakhstan)?)",
        ),
        (
            ("kazakhstan;Mongolia", "Kazakstan;Mongolia;Narnia"),
            "countries: unknown countries 'Kazakstan' (did you mean 'KAZ' (Kazakhstan)?), 'Narnia'",
        ),
        # Once, not again as an unreadable PTCR number.
        (("Altai;11", "Altai;Gobi Desert"), "ptcrs: unknown PTCR 'Gobi Desert'"),
        # A number names an item of the column's own plan only.
        (("10;4:0.25", "10;2:0.25"), "cami_sections: unknown framework item '2'"),
        (("1.2:0.5;s2.1", "1.2:0.5;CAMI-4"), "strategy_items: 'CAMI-4' not in the strategy"),
    ],
)
def test_an_unknown_value_keeps_its_clear_error_with_close_matches(
    engine: Engine, replace: tuple[str, str], problem: str
) -> None:
    problems = rejected(engine, with_rows(A7_TYPED.replace(*replace)))
    assert len(problems) == 1
    assert problems[0].startswith(f"row 2, column {problem}")


def test_an_item_in_the_any_plan_column_is_named_by_its_code(engine: Engine) -> None:
    text = "item,date,status,note,source,demo\n10,2024-01-10,started,,a report,false\n"
    assert rejected(engine, text) == [
        "row 2, column item: unknown framework item '10' (did you mean 'CAMI-10' (Species "
        "Monitoring and Research)?)"
    ]


# The shipped examples, against a store seeded from data/ as a fresh install has it.


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with temporary_store(tmp_path_factory.mktemp("shipped")) as url:
        engine = seeded_engine(url, ROOT / "data")
        yield engine
        engine.dispose()


def example(kind: str) -> Path:
    return EXAMPLES / f"{kind}.csv"


@pytest.mark.parametrize("kind", importer.TEMPLATES)
def test_each_template_has_an_example_that_imports_cleanly(shipped: Engine, kind: str) -> None:
    text = example(kind).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    template = importer.TEMPLATE_DIR / f"{kind}.csv"
    assert text.splitlines()[0] == template.read_text(encoding="utf-8").splitlines()[0]
    assert rows, f"{kind} example has no rows"
    # Invented, and marked so wherever the template can say it (data/README.md).
    assert all(row["demo"] == "true" for row in rows if "demo" in row)
    before = snapshot(shipped)
    report = run_import(shipped, text, dry_run=True)
    assert (report.rows, len(report.added), report.changed, report.warnings) == (
        len(rows),
        len(rows),
        [],
        [],
    )
    assert snapshot(shipped) == before


def test_the_activities_example_names_organisations_countries_ptcrs_and_items_as_people_do() -> (
    None
):
    (row,) = csv.DictReader(io.StringIO(example("activities").read_text(encoding="utf-8")))
    assert row["title"].startswith("[Demo] ")
    # Names rather than slugs and codes: the example shows what the import accepts.
    assert row["lead_organisation"].startswith("[Demo] ")
    assert not any(value.isupper() for value in row["countries"].split(";"))
    assert not any(value.isdigit() for value in row["ptcrs"].split(";"))
    items = row["strategy_items"].split(";") + row["cami_sections"].split(";")
    assert all(item.partition(":")[0].replace(".", "").isdigit() for item in items)

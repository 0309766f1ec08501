"""The store's version: every write that changes what a page may show advances it, in the same
transaction; nothing else does (store_version.py, issue 16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from dashboard import auth, cli, editing, store_version
from dashboard.db import make_engine
from dashboard.importer import ImportFileError, import_file
from dashboard.seed import init_store
from dashboard.settings import Settings
from tests.conftest import FIXTURE_DATA
from tests.test_importer import A6, OPERATOR, with_rows


@pytest.fixture
def engine(writable_store_url: str) -> Iterator[Engine]:
    engine = make_engine(writable_store_url)
    yield engine
    engine.dispose()


def version(engine: Engine) -> int:
    with Session(engine) as session:
        return store_version.current(session=session)


def imported(engine: Engine, text: str, *, dry_run: bool = False) -> None:
    with Session(engine) as session:
        import_file(
            session=session,
            data=text.encode("utf-8"),
            actor=OPERATOR,
            name="test.csv",
            dry_run=dry_run,
        )


def test_a_new_store_starts_at_its_seed(empty_store_url: str) -> None:
    engine = make_engine(empty_store_url)
    init_store(engine, Settings(database_url=empty_store_url, manul_data_dir=FIXTURE_DATA))
    # Migrated at 0, and the seed's one commit advanced it; a later start changes nothing.
    assert version(engine) == 1
    init_store(engine, Settings(database_url=empty_store_url, manul_data_dir=FIXTURE_DATA))
    assert version(engine) == 1
    engine.dispose()


def test_every_kind_of_import_advances_it_once(engine: Engine) -> None:
    files = [
        with_rows(A6),
        "activity_id,date,progress_pct,status,note,source\n"
        "A2,2025-09-01,60,in_progress,second season,https://example.org/a2\n",
        "funder,activity_id,amount,currency,year,note,source,demo\n"
        "hellabrunn-zoo,A5,750,EUR,2024,,https://example.org/a5,false\n",
        "activity_id,indicator,value,unit,target,date,note,source,demo\n"
        "A5,people trained,4,people,10,2024-06-01,,https://example.org/a5,false\n",
        "item,date,status,note,source,demo\n"
        "CAMI-10,2026-03-01,started,report,https://example.org/cami,false\n",
    ]
    start = version(engine)
    for number, text in enumerate(files, start=1):
        imported(engine, text)
        assert version(engine) == start + number, text.splitlines()[0]


def test_forms_advance_it(engine: Engine) -> None:
    start = version(engine)
    with Session(engine) as session:
        editing.record_progress(
            session=session,
            draft=editing.ProgressDraft("A5", dt.date(2024, 5, 1), 30.0, "in_progress"),
            actor=OPERATOR,
        )
        editing.record_funding(
            session=session,
            draft=editing.FundingDraft(
                "hellabrunn-zoo", "A2", Decimal(100), "EUR", 2025, source="https://example.org"
            ),
            actor=OPERATOR,
        )
        # Several writes, one commit: one step.
        session.commit()
    assert version(engine) == start + 1


def test_the_command_line_import_advances_it(
    writable_store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    engine = make_engine(writable_store_url)
    start = version(engine)
    path = tmp_path / "activities.csv"
    path.write_text(with_rows(A6), encoding="utf-8")
    assert cli.main(["import", str(path), "--dry-run"]) == 0
    assert version(engine) == start
    assert cli.main(["import", str(path)]) == 0
    assert version(engine) == start + 1
    engine.dispose()


def test_what_changes_nothing_a_page_shows_leaves_it(engine: Engine) -> None:
    start = version(engine)
    # A dry run, a rejected file, the same file again, a rolled-back write.
    imported(engine, with_rows(A6), dry_run=True)
    with pytest.raises(ImportFileError):
        imported(engine, with_rows(A6.replace(",KAZ,", ",XXX,")))
    imported(engine, with_rows(A6))
    assert version(engine) == start + 1
    imported(engine, with_rows(A6))
    with Session(engine) as session:
        editing.record_progress(
            session=session,
            draft=editing.ProgressDraft("A5", dt.date(2024, 5, 1), 30.0, "in_progress"),
            actor=OPERATOR,
        )
        session.rollback()
    # Accounts and failed sign-ins: no page caches them (every run reads them afresh), and
    # a stranger mistyping passwords must not empty every server's cache.
    with Session(engine) as session:
        auth.add_user(
            session=session,
            username="dana",
            password="manul-steppe-2026",
            role="editor",
            organisations=["pica"],
            actor=OPERATOR,
        )
        session.commit()
    with Session(engine) as session:
        assert auth.authenticate(session=session, username="dana", password="wrong").actor is None
        session.commit()
    assert version(engine) == start + 1

"""Readers are never blocked by a writer: a page's query and a small write (as a sign-in makes)
go through while a large import holds its transaction open (issue 15: on SQLite without WAL
they failed with "database is locked")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from dashboard import editing, importer
from dashboard import models as m
from dashboard.auth import command_line_actor
from dashboard.db import SQLITE_BUSY_TIMEOUT_S, make_engine
from dashboard.filters import Filters
from dashboard.queries import progress
from tests.conftest import FIXTURE_DATA, ON_POSTGRES

HEADER = (FIXTURE_DATA / "activities.csv").read_text(encoding="utf-8").splitlines()[0]
# Enough rows, with long enough descriptions, that the import's changes no longer fit
# SQLite's page cache (2 MB): without WAL it then holds the file exclusively until it commits.
ROWS = 2_000
DESCRIPTION = "Transect walked at dawn. Scats and tracks recorded. " * 40


def large_activities_file() -> bytes:
    rows = [
        f"BULK-{number:05d},Bulk survey {number},{DESCRIPTION},planned,0,2025-01-01,,,,,"
        "KAZ,,,,,,,false"
        for number in range(ROWS)
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
def engines(writable_store_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one store: the importer's and the visitors'."""
    writer, reader = make_engine(writable_store_url), make_engine(writable_store_url)
    yield writer, reader
    writer.dispose()
    reader.dispose()


def test_a_file_store_is_in_wal_mode_with_a_busy_timeout(
    engines: tuple[Engine, Engine],
) -> None:
    if ON_POSTGRES:
        pytest.skip("SQLite's journal mode")
    with engines[0].connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        timeout_ms = connection.execute(text("PRAGMA busy_timeout")).scalar()
        assert timeout_ms == SQLITE_BUSY_TIMEOUT_S * 1000


def test_an_in_memory_store_keeps_its_journal() -> None:
    engine = make_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "memory"
    engine.dispose()


def test_pages_read_and_sign_ins_write_while_a_large_import_writes(
    engines: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = engines
    writing, proceed = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}
    create_activities = editing.create_activities

    def create_and_hold(**arguments: Any) -> Any:
        """Create the file's activities, then hold the transaction open until told."""
        results = create_activities(**arguments)
        arguments["session"].flush()
        writing.set()
        proceed.wait(timeout=120)
        return results

    monkeypatch.setattr(editing, "create_activities", create_and_hold)

    def run_import() -> None:
        try:
            with Session(writer) as session:
                outcome["import"] = importer.import_file(
                    session=session,
                    data=large_activities_file(),
                    actor=command_line_actor("bulk"),
                    name="bulk.csv",
                )
        except Exception as error:
            outcome["import"] = error
        finally:
            writing.set()

    def sign_in_like_write() -> None:
        try:
            with Session(reader) as session:
                session.add(m.Organisation(slug="late", name="Late", kind="NGO", source="test"))
                session.commit()
            outcome["write"] = "committed"
        except Exception as error:
            outcome["write"] = error

    importing = threading.Thread(target=run_import)
    importing.start()
    try:
        assert writing.wait(timeout=300), "the import never started writing"
        # A page's query, while the import's rows are written but not committed.
        with Session(reader) as session:
            counts = progress.headline(session=session, filters=Filters())
        assert counts["activities"] == 3  # the fixture's non-demo activities, not the import's
        # A small write waits its turn instead of failing.
        signing_in = threading.Thread(target=sign_in_like_write)
        signing_in.start()
        signing_in.join(timeout=1)
        assert "write" not in outcome or outcome["write"] == "committed"
    finally:
        proceed.set()
        importing.join(timeout=300)
    signing_in.join(timeout=SQLITE_BUSY_TIMEOUT_S)
    assert isinstance(outcome["import"], importer.ImportReport), outcome["import"]
    assert len(outcome["import"].added) == ROWS
    assert outcome["write"] == "committed"
    with Session(reader) as session:
        assert progress.headline(session=session, filters=Filters())["activities"] == 3 + ROWS

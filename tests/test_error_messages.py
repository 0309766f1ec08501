"""A visitor sees a short message with a reference when something fails; the details (SQL,
bound values, the database's host and port) go to the server's log only, under that reference
(issue 15: errors showed SQL text and PostgreSQL's host and port)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import text

from dashboard.db import make_engine
from tests.conftest import FIXTURE_DATA
from tests.test_pages import run_app

REFERENCE = re.compile(r"quoting the reference ([0-9a-f]{10})\.")


def shown(at) -> list[str]:  # type: ignore[no-untyped-def]
    assert not at.exception, at.exception
    errors = [error.value for error in at.error]
    assert errors, "expected a message"
    return errors


def references(errors: list[str]) -> list[str]:
    found = [REFERENCE.search(error) for error in errors]
    assert all(found), errors
    return [match.group(1) for match in found if match]


@pytest.fixture
def clean_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.usefixtures("clean_caches")
def test_an_unreachable_database_shows_no_host_port_or_user(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 9 (discard) refuses at once; the message psycopg gives names host, port and user.
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://manul:s3cret@127.0.0.1:9/manul")
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    errors = shown(run_app("views/overview_page.py"))
    for error in errors:
        for detail in ("127.0.0.1", "9", "manul", "s3cret", "psycopg", "OperationalError"):
            assert detail not in error.replace(REFERENCE.search(error).group(1), ""), error  # type: ignore[union-attr]
    for reference in references(errors):
        logged = [record for record in caplog.records if reference in record.getMessage()]
        assert logged, f"reference {reference} is not in the log"
        assert "127.0.0.1" in str(logged[0].exc_info[1])  # type: ignore[index]


@pytest.mark.usefixtures("clean_caches")
def test_a_failing_statement_shows_no_sql(
    writable_store_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(writable_store_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE itemassessment"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", writable_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    errors = shown(run_app("strategy"))
    assert errors == [
        "**The Strategy page could not be shown.** Nothing was changed. Try other filters or "
        "reload the page; if it persists, tell the data maintainers, quoting the reference "
        f"{references(errors)[0]}."
    ]
    logged = [r for r in caplog.records if references(errors)[0] in r.getMessage()]
    assert "itemassessment" in str(logged[0].exc_info[1])  # type: ignore[index]

"""Shared fixtures: a store seeded with the fixture data, on SQLite or PostgreSQL.

With DATABASE_URL set to a PostgreSQL server (as `.ci/run` does), every store here is a fresh
database created on that server and dropped afterwards; otherwise a temporary SQLite file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard.db import make_engine
from dashboard.seed import init_store
from dashboard.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data"
# The fixture with the Work Programme beginning in 2019 instead of 2026: its tagged work
# (2019–2024) then falls in the years both plans run, and serves both (the synergies).
OVERLAPPING_PERIODS = Path(__file__).parent / "fixtures" / "overlapping_periods"
# The server the suite runs against, read once: tests point DATABASE_URL at their own stores.
SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgresql", "postgres:"))


def pytest_report_header() -> str:
    if ON_POSTGRES:
        return "store backend: PostgreSQL " + make_url(
            Settings(database_url=SERVER_URL).effective_database_url
        ).render_as_string(hide_password=True)
    return "store backend: SQLite (set DATABASE_URL to a PostgreSQL server to test on it)"


@contextmanager
def temporary_store(directory: Path) -> Iterator[str]:
    """The URL of a new, empty database; removed afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{directory / f'store-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    server = make_url(Settings(database_url=SERVER_URL).effective_database_url)
    name = f"manul_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seeded_engine(url: str, data_dir: Path = FIXTURE_DATA) -> Engine:
    engine = make_engine(url)
    init_store(engine, Settings(database_url=url, manul_data_dir=data_dir))
    return engine


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store seeded once with the fixture data; tests using it must not write."""
    with temporary_store(tmp_path_factory.mktemp("store")) as url:
        engine = seeded_engine(url)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def empty_store_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database for a test that writes."""
    with temporary_store(tmp_path) as url:
        yield url


def fixture_variant(directory: Path, overlay: Path) -> Path:
    """A copy of the fixture data in `directory`, `overlay`'s files in place of its own."""
    data = directory / "data"
    shutil.copytree(FIXTURE_DATA, data)
    for file in overlay.glob("*.csv"):
        shutil.copyfile(file, data / file.name)
    return data


@pytest.fixture(scope="session")
def overlapping_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture data with both plans running from 2019 (OVERLAPPING_PERIODS)."""
    return fixture_variant(tmp_path_factory.mktemp("overlapping"), OVERLAPPING_PERIODS)


@pytest.fixture(scope="session")
def overlapping_store_url(
    overlapping_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A store seeded once with `overlapping_data`; tests using it must not write."""
    with temporary_store(tmp_path_factory.mktemp("overlapping-store")) as url:
        seeded_engine(url, overlapping_data).dispose()
        yield url


@pytest.fixture
def overlapping_session(overlapping_store_url: str) -> Iterator[Session]:
    engine = make_engine(overlapping_store_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@contextmanager
def app_on(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app (run in this process by AppTest) pointed at the store `url`, caches cleared
    before and after."""
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    # AppTest never clears st.cache_data by itself.
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def app_env(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the app (run in this process by AppTest) at the fixture store, caches cleared."""
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(FIXTURE_DATA))
    # AppTest never clears st.cache_data by itself.
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def overlapping_app_env(
    app_env: None,
    overlapping_store_url: str,
    overlapping_data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app on the fixture with both plans running from 2019 (OVERLAPPING_PERIODS), where
    its tagged work serves both: the synergies have cells."""
    monkeypatch.setenv("DATABASE_URL", overlapping_store_url)
    monkeypatch.setenv("MANUL_DATA_DIR", str(overlapping_data))


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store seeded with the fixture data once, only ever copied (never opened by a test)."""
    with temporary_store(tmp_path_factory.mktemp("template")) as url:
        seeded_engine(url).dispose()
        yield url


@contextmanager
def _copy_of(template_url: str, directory: Path) -> Iterator[str]:
    """A fresh copy of a store (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on
    PostgreSQL: much faster than migrating and seeding), removed afterwards."""
    template = make_url(template_url)
    if not ON_POSTGRES:
        copy = directory / f"store-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(str(template.database), copy)
        yield f"sqlite:///{copy}"
        return
    name = f"manul_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(template.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"'))
    try:
        yield template.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def writable_store_url(_seeded_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the seeded fixture store for a test that writes."""
    with _copy_of(_seeded_template, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def module_store_url(
    _seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One copy of the seeded fixture store for a module's tests that must leave it unchanged
    (each checks that it did)."""
    with _copy_of(_seeded_template, tmp_path_factory.mktemp("module-store")) as url:
        yield url


def switch_to(at: AppTest, page: str) -> AppTest:
    """`at.switch_page(page)` for a page file ("views/overview_page.py"), or the page at a
    URL path ("strategy"): a plan's page is one file (views/plan_page.py) that app.py
    registers once per plan, and AppTest.switch_page picks the first of them. Call after a
    first run (the navigation registers the pages)."""
    if page.endswith(".py"):
        return at.switch_page(page)
    # AppTest has no public way to open a URL path (1.67): find the page registered there.
    registered = {
        info.get("url_pathname"): page_hash for page_hash, info in at._registered_pages.items()
    }
    if page not in registered:
        raise ValueError(f"no page at /{page}; registered: {sorted(map(str, registered))}")
    at._page_hash = registered[page]
    return at

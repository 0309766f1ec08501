"""The engine, schema migrations (Alembic) and first-start set-up of the store."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import create_engine

from dashboard import store_version as _store_version  # noqa: F401  (every commit advances it)
from dashboard.settings import get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (default: the configured store), safe across Streamlit's threads."""
    url = url or get_settings().effective_database_url
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            engine = create_engine(
                url, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url,
                # sqlite3's `timeout` is SQLite's busy timeout: how long a write waits for
                # another writer (an import) to commit before "database is locked".
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            )
            event.listen(engine, "connect", _sqlite_file_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgresql_settings)
    return engine


# Memory each sort or hash of a query may use before it spills to disk. PostgreSQL's default
# (4 MB) sends the per-item aggregates over 100k activities to temporary files; these are
# read-mostly, few-connection workloads, so a larger budget per connection is safe.
POSTGRESQL_WORK_MEM = "64MB"


def _postgresql_settings(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute(f"SET work_mem = '{POSTGRESQL_WORK_MEM}'")
    # Compiling the aggregates (JIT) costs more than it saves on queries of this size.
    cursor.execute("SET jit = off")
    cursor.close()
    # Leave no transaction open: the pool's connection starts clean.
    dbapi_connection.commit()  # type: ignore[attr-defined]


# How long a write to a SQLite file waits for another one to finish. Readers never wait (WAL);
# writers take turns, and the longest turn is an import of the largest file taken (50 MB:
# about 45 s on the 2-core development machine, bench/import_memory.py), with room to spare.
SQLITE_BUSY_TIMEOUT_S = 120.0


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_file_pragmas(dbapi_connection: object, record: object) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # Write-ahead logging: pages are read while an import writes, instead of failing with
    # "database is locked" once the import holds the file exclusively (issue 15). The mode is
    # kept in the file; setting it again is a no-op.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to `engine` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration.

    On SQLite a migration that changes a column copies its table, and the copy has no
    statistics: the planner then picks plans that took a 100k store's synergies page from
    under 2 s to minutes. After any migration the statistics are gathered again (ANALYZE,
    a second or two at 100k); PostgreSQL's autovacuum does that itself."""
    before = _revision(engine) if engine.dialect.name == "sqlite" else None
    command.upgrade(alembic_config(engine), "head")
    if engine.dialect.name == "sqlite" and before is not None and _revision(engine) != before:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()

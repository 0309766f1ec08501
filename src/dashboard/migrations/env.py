"""Alembic environment: runs against the engine handed over by dashboard.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from dashboard import models  # noqa: F401  (registers every table on the metadata)
from dashboard.db import make_engine
from dashboard.models import metadata

engine: Engine = context.config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode changes a column on SQLite by copying the table and dropping the old
        # one, which foreign keys refuse while rows refer to it: off for the migration (the
        # pragma is a no-op inside a transaction, so before it begins), checked after.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(
                        f"the migration left rows without their parents: {broken[:5]}"
                    )
        connection.commit()
    finally:
        if sqlite:
            # On again, also after a failed migration: the pool hands this connection on.
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()

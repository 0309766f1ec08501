"""Alembic environment: runs against the engine handed over by dashboard.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from dashboard import models  # noqa: F401  (registers every table on the metadata)
from dashboard.db import make_engine
from dashboard.models import metadata

engine: Engine = context.config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()

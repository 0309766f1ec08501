"""activity.title_key and organisation.name_key: titles and names case folded for sorting

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

The explorer sorts by title or lead case-insensitively for every alphabet. Neither SQLite's
lower() (ASCII only) nor PostgreSQL's (the database's locale) folds as Python does, so the
folded text is stored and the database sorts one page by it instead of Python sorting every
row's key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, text column, key column); keys as models.sort_key makes them (frozen here, as
# migrations are): str.casefold.
KEYS = (("activity", "title", "title_key"), ("organisation", "name", "name_key"))


def upgrade() -> None:
    connection = op.get_bind()
    for table, text, key in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    key, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
                )
            )
        rows = connection.execute(sa.text(f"SELECT id, {text} FROM {table}")).all()
        if rows:
            connection.execute(
                sa.text(f"UPDATE {table} SET {key} = :key WHERE id = :id"),
                [{"id": row_id, "key": value.casefold()} for row_id, value in rows],
            )


def downgrade() -> None:
    for table, _, key in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(key)

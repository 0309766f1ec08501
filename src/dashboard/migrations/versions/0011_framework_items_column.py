"""framework.items_column: the activity-file column that lists each plan's items

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

Activity links are kept per plan (issue 14): the import reads one column per Framework row,
named by this column, instead of two column names written in code. A store made before this
gets the names its files have always used: `<code>_items`, and `cami_sections` for the CAMI
Work Programme (the name data/activities.csv and the templates gave its column).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("framework", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "items_column",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="",
            )
        )
    op.execute(
        "UPDATE framework SET items_column = "
        "CASE WHEN code = 'cami' THEN 'cami_sections' ELSE code || '_items' END"
    )
    with op.batch_alter_table("framework", schema=None) as batch_op:
        batch_op.alter_column("items_column", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("framework", schema=None) as batch_op:
        batch_op.drop_column("items_column")

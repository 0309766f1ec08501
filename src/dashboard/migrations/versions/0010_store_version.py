"""storeversion: one row whose number every commit changing what the pages show advances

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

Pages cache their figures keyed on this number, so a change committed by any process (another
replica, the command line) is shown on the next page view everywhere (issue 16).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "storeversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storeversion")),
    )
    op.execute("INSERT INTO storeversion (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("storeversion")

"""retireditem: the items a plan's tree lost when it was replaced, with the day and successors

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

`dashboard framework replace` moves every activity link and item assessment of an old item to
the new items its crosswalk names, and keeps the old item here (issue 14).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retireditem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("parent_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("applies", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=False),
        sa.Column("replaced_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("retired_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["framework.id"],
            name=op.f("fk_retireditem_framework_id_framework"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retireditem")),
    )
    with op.batch_alter_table("retireditem") as batch:
        batch.create_index(batch.f("ix_retireditem_code"), ["code"], unique=False)
        batch.create_index(batch.f("ix_retireditem_framework_id"), ["framework_id"], unique=False)
        batch.create_index(batch.f("ix_retireditem_retired_on"), ["retired_on"], unique=False)


def downgrade() -> None:
    op.drop_table("retireditem")

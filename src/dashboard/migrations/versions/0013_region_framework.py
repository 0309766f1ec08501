"""region.framework_id: the plan that defines each region

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

The PTCRs are the CAMI Work Programme's regions, and its page lists them. Which plan that is was
written in code (issue 14); it is data now (regions.csv's `framework`). A store made before this
gets the plan whose code is `cami`, the one data/regions.csv has always described.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.add_column(sa.Column("framework_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_region_framework_id"), ["framework_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_region_framework_id_framework"), "framework", ["framework_id"], ["id"]
        )
    op.execute(
        "UPDATE region SET framework_id = (SELECT id FROM framework WHERE code = 'cami')"
    )


def downgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_region_framework_id_framework"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_region_framework_id"))
        batch_op.drop_column("framework_id")

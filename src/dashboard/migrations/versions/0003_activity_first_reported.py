"""activity.first_reported: the date of each activity's earliest progress update

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

Today's figures leave out activities with no update yet; reading that from the activity row
spares every page a pass over the whole update history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No index: the comparison is always with today, which nearly every row passes; with an
    # index SQLite walks it instead of scanning the table, three times slower.
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_reported", sa.Date(), nullable=True))
    op.execute(
        "UPDATE activity SET first_reported = "
        "(SELECT min(progressupdate.date) FROM progressupdate "
        "WHERE progressupdate.activity_id = activity.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("first_reported")

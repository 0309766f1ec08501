"""activity.last_reported: the date of each activity's latest progress update

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Where an activity records no end date, its work is known to reach only as far as its latest
report: a plan counts it only if that report falls in (or after the start of) its period.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_reported", sa.Date(), nullable=True))
    # As editing.sync_reported_dates computes it (frozen here as SQL, as migrations are).
    op.execute(
        "UPDATE activity SET last_reported = "
        "(SELECT max(progressupdate.date) FROM progressupdate "
        "WHERE progressupdate.activity_id = activity.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("last_reported")

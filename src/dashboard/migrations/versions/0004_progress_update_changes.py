"""progressupdate.value_change and counted_change: each update's change against the one before

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

Completion over time sums these changes per date; stored, they spare every history chart a
window over the whole update history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("value_change", sa.Float(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("counted_change", sa.Integer(), nullable=False, server_default="0")
        )
    # As editing.sync_progress_changes computes it (frozen here as SQL, as migrations are).
    op.execute(
        """
        UPDATE progressupdate
        SET value_change = computed.value_change, counted_change = computed.counted_change
        FROM (
            SELECT id,
                value - LAG(value, 1, 0.0) OVER changes AS value_change,
                counted - LAG(counted, 1, 0) OVER changes AS counted_change
            FROM (
                SELECT id, activity_id, date,
                    CASE WHEN status = 'cancelled' THEN 0 ELSE 1 END AS counted,
                    CASE WHEN status = 'cancelled' THEN 0.0
                         WHEN status = 'completed' THEN 100.0
                         ELSE progress_pct END AS value
                FROM progressupdate
            ) AS states
            WINDOW changes AS (PARTITION BY activity_id ORDER BY date, id)
        ) AS computed
        WHERE progressupdate.id = computed.id
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.drop_column("counted_change")
        batch_op.drop_column("value_change")

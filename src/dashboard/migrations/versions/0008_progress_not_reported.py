"""progress_pct may be empty: "no percentage reported", never read as 0 %

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Partners' sources often say an activity is under way without saying how far it has come.
Recorded as 0 %, such an activity pulled every mean down as if nothing had been done; empty,
it is listed as "not reported" and left out of the means, which say how many they cover.
Existing rows keep their values: whether a stored 0 meant "nothing done" or "not reported"
is for the partner who reported it to say.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("activity", "progressupdate"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("progress_pct", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    for table in ("activity", "progressupdate"):
        op.execute(f"UPDATE {table} SET progress_pct = 0 WHERE progress_pct IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("progress_pct", existing_type=sa.Float(), nullable=False)

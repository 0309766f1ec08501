"""Honest progress: item assessments, when work started, demo flags, unpublished amounts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

- itemassessment: a partner's dated assessment of a plan item's status (history).
- activity.first_started: the date of the earliest update reporting work under way, so that
  "items started" reads no update history.
- progressupdate.demo and organisation.demo: invented updates and organisations are marked.
- funding.amount, currency and year may be empty: a documented funder whose amount is not
  published.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "itemassessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["frameworkitem.id"],
            name=op.f("fk_itemassessment_item_id_frameworkitem"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_itemassessment")),
    )
    with op.batch_alter_table("itemassessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_itemassessment_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_itemassessment_demo"), ["demo"], unique=False)
        batch_op.create_index(batch_op.f("ix_itemassessment_item_id"), ["item_id"], unique=False)
        batch_op.create_index("ix_itemassessment_item_date", ["item_id", "date"], unique=False)

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_started", sa.Date(), nullable=True))
    # As editing.sync_activity_dates computes it (frozen here as SQL, as migrations are).
    op.execute(
        "UPDATE activity SET first_started = "
        "(SELECT min(progressupdate.date) FROM progressupdate "
        "WHERE progressupdate.activity_id = activity.id "
        "AND (progressupdate.status IN ('in_progress', 'completed') "
        "OR progressupdate.progress_pct > 0))"
    )

    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE progressupdate SET demo = "
        "(SELECT activity.demo FROM activity WHERE activity.id = progressupdate.activity_id)"
    )

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_organisation_demo"), ["demo"], unique=False)

    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.alter_column("amount", existing_type=sa.Numeric(14, 2), nullable=True)
        batch_op.alter_column(
            "currency", existing_type=sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True
        )
        batch_op.alter_column("year", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM funding WHERE amount IS NULL OR currency IS NULL OR year IS NULL")
    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.alter_column("year", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column(
            "currency", existing_type=sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False
        )
        batch_op.alter_column("amount", existing_type=sa.Numeric(14, 2), nullable=False)
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_demo"))
        batch_op.drop_column("demo")
    with op.batch_alter_table("progressupdate", schema=None) as batch_op:
        batch_op.drop_column("demo")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("first_started")
    with op.batch_alter_table("itemassessment", schema=None) as batch_op:
        batch_op.drop_index("ix_itemassessment_item_date")
        batch_op.drop_index(batch_op.f("ix_itemassessment_item_id"))
        batch_op.drop_index(batch_op.f("ix_itemassessment_demo"))
        batch_op.drop_index(batch_op.f("ix_itemassessment_date"))
    op.drop_table("itemassessment")

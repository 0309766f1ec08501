"""sign-in hardening: user names unique whatever their case, throttling per account and client,
partners' sessions that survive a reload, a generated signing secret

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

A store that already holds two accounts whose names differ only in case (`Alice`, `alice`)
is not changed: the upgrade stops and names them, so that an admin decides which one stays
(`dashboard user disable`, then remove or rename the other in the database).
The old per-name failure counts are dropped: they were keyed on the name alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class DuplicateUserNames(RuntimeError):
    """Accounts whose names differ only in case: the migration refuses to choose."""


def upgrade() -> None:
    clashes = (
        op.get_bind()
        .execute(
            sa.text(
                'SELECT lower(username), count(*) FROM "user" '
                "GROUP BY lower(username) HAVING count(*) > 1 ORDER BY lower(username)"
            )
        )
        .all()
    )
    if clashes:
        names = ", ".join(f"{name} ({count} accounts)" for name, count in clashes)
        raise DuplicateUserNames(
            "user names must be unique whatever their case, and these are not: "
            f"{names}. Keep one account per name (remove or rename the others in the "
            "database), then start again; nothing was changed."
        )
    op.create_index("uq_user_username_lower", "user", [sa.text("lower(username)")], unique=True)

    op.drop_table("signinfailure")
    op.create_table(
        "signinthrottle",
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_ms", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("account", "client", name=op.f("pk_signinthrottle")),
    )
    op.create_table(
        "partnersession",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ticket_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("ticket_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_partnersession_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnersession")),
    )
    with op.batch_alter_table("partnersession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partnersession_user_id"), ["user_id"], unique=False)
    op.create_table(
        "serversecret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_serversecret")),
    )


def downgrade() -> None:
    op.drop_table("serversecret")
    with op.batch_alter_table("partnersession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnersession_user_id"))
    op.drop_table("partnersession")
    op.drop_table("signinthrottle")
    op.create_table(
        "signinfailure",
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_signinfailure")),
    )
    op.drop_index("uq_user_username_lower", table_name="user")

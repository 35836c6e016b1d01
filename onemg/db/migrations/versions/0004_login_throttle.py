"""Access: failed-login counters and lockouts of the hub (per account and per client).

Revision ID: 0004_login_throttle
Revises: 0003_mlm
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_login_throttle"
down_revision = "0003_mlm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_login_throttle",
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_access_login_throttle"),
    )


def downgrade() -> None:
    op.drop_table("access_login_throttle")

"""The researcher portal's basket (datasets a logged-in researcher means to apply for).

Revision ID: 0005_portal
Revises: 0004_login_throttle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_portal"
down_revision = "0004_login_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_basket",
        sa.Column("sub", sa.String(128), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("dataset_id", sa.String(256), nullable=False),
        sa.Column("added_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sub", "member_id", "dataset_id", name="pk_portal_basket"),
    )


def downgrade() -> None:
    op.drop_table("portal_basket")

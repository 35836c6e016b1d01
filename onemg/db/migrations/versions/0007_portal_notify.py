"""The last state the hub saw of each application sent through the portal (notifications).

Revision ID: 0007_portal_notify
Revises: 0006_hub_mail_roles
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_portal_notify"
down_revision = "0006_hub_mail_roles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_application_watch",
        sa.Column("sub", sa.String(128), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("app_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("seen_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sub", "member_id", "app_id", name="pk_portal_application_watch"),
    )


def downgrade() -> None:
    op.drop_table("portal_application_watch")

"""Hub accounts get an e-mail address (for notifications) and site roles.

Revision ID: 0006_hub_mail_roles
Revises: 0005_portal
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_hub_mail_roles"
down_revision = "0005_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_accounts") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
        batch.add_column(sa.Column("email_verified_at", sa.BigInteger(), nullable=True))
        batch.create_index("ix_access_accounts_email", ["email"])
    op.create_table(
        "hub_site_roles",
        sa.Column("sub", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("granted_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sub", "role", name="pk_hub_site_roles"),
    )


def downgrade() -> None:
    op.drop_table("hub_site_roles")
    with op.batch_alter_table("access_accounts") as batch:
        batch.drop_index("ix_access_accounts_email")
        batch.drop_column("email_verified_at")
        batch.drop_column("email")

"""Access: accounts, DAC roles, application events, entitlements, hash-chained audit log.

Revision ID: 0002_access
Revises: 0001_catalogue
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_access"
down_revision = "0001_catalogue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_accounts",
        sa.Column("sub", sa.String(128), primary_key=True),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("affiliation", sa.String(255), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("researcher_status_at", sa.BigInteger(), nullable=True),
        sa.Column("researcher_status_by", sa.String(128), nullable=True),
        sa.Column("terms_accepted_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sub", name="pk_access_accounts"),
        sa.UniqueConstraint("username", name="uq_access_accounts_username"),
    )
    op.create_table(
        "access_roles",
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("subject", "role", name="pk_access_roles"),
    )
    op.create_table(
        "access_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_events"),
        sa.UniqueConstraint("application_id", "seq", name="uq_access_events_application_id"),
    )
    op.create_index("ix_access_events_application_id", "access_events", ["application_id"])
    op.create_table(
        "access_entitlements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("dataset_id", sa.String(255), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_reason", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_entitlements"),
    )
    for col in ("application_id", "subject", "dataset_id"):
        op.create_index(f"ix_access_entitlements_{col}", "access_entitlements", [col])
    op.create_table(
        "access_audit",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("user", sa.String(128), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(255), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_access_audit"),
    )


def downgrade() -> None:
    op.drop_table("access_audit")
    for col in ("application_id", "subject", "dataset_id"):
        op.drop_index(f"ix_access_entitlements_{col}", table_name="access_entitlements")
    op.drop_table("access_entitlements")
    op.drop_index("ix_access_events_application_id", table_name="access_events")
    op.drop_table("access_events")
    op.drop_table("access_roles")
    op.drop_table("access_accounts")

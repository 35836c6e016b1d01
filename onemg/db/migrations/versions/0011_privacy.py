"""Privacy: per-user risk and epsilon budgets per dataset, the answers already paid for, and
the people behind each noisy filtered count (differencing protection).

Revision ID: 0011_privacy
Revises: 0010_stakeholders
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_privacy"
down_revision = "0010_stakeholders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_ledger",
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("dataset_id", sa.String(255), nullable=False),
        sa.Column("ledger", sa.String(16), nullable=False),
        sa.Column("spent_micro", sa.BigInteger(), nullable=False),
        sa.Column("answers", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "dataset_id", "ledger", name="pk_privacy_ledger"),
    )
    op.create_table(
        "privacy_charge",
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("dataset_id", sa.String(255), nullable=False),
        sa.Column("ledger", sa.String(16), nullable=False),
        sa.Column("answer_key", sa.String(64), nullable=False),
        sa.Column("cost_micro", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "dataset_id", "ledger", "answer_key",
                                name="pk_privacy_charge"),
    )
    op.create_table(
        "privacy_count_set",
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("dataset_id", sa.String(255), nullable=False),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("answer_key", sa.String(64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("members", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "dataset_id", "family", "answer_key",
                                name="pk_privacy_count_set"),
    )


def downgrade() -> None:
    op.drop_table("privacy_count_set")
    op.drop_table("privacy_charge")
    op.drop_table("privacy_ledger")

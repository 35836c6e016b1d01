"""Maturity Level Model tables and the hub's web sessions.

Revision ID: 0003_mlm
Revises: 0002_access
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_mlm"
down_revision = "0002_access"
branch_labels = None
depends_on = None


def _times(*names: str, nullable: bool = False) -> list[sa.Column]:
    return [sa.Column(n, sa.BigInteger(), nullable=nullable) for n in names]


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("sub", sa.String(128), nullable=True),
        sa.Column("csrf", sa.Text(), nullable=False),
        *_times("created_at", "expires_at"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    op.create_table(
        "mlm_models",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        *_times("imported_at"),
        sa.Column("in_use", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_mlm_models"),
    )
    op.create_table(
        "mlm_systems",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(200), nullable=True),
        sa.Column("fictional", sa.Boolean(), nullable=False),
        *_times("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_mlm_systems"),
    )
    op.create_table(
        "mlm_system_roles",
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("sub", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("system_id", "sub", "role", name="pk_mlm_system_roles"),
    )
    op.create_table(
        "mlm_assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system_id", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("round2_indicators", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("target_level", sa.Integer(), nullable=False),
        *_times("opened_at"),
        sa.Column("opened_by", sa.String(128), nullable=False),
        *_times("finalised_at", nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("snapshot_sha256", sa.String(64), nullable=True),
        *_times("shared_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mlm_assessments"),
    )
    op.create_index("ix_mlm_assessments_system_id", "mlm_assessments", ["system_id"])
    op.create_table(
        "mlm_panel",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(128), nullable=False),
        *_times("invited_at"),
        sa.Column("submitted_round", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "sub", name="pk_mlm_panel"),
    )
    op.create_table(
        "mlm_ratings",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(128), nullable=False),
        sa.Column("indicator_id", sa.String(32), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        *_times("updated_at"),
        sa.PrimaryKeyConstraint(
            "assessment_id", "sub", "indicator_id", "round", name="pk_mlm_ratings"
        ),
    )
    op.create_table(
        "mlm_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(128), nullable=False),
        sa.Column("indicator_id", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        *_times("uploaded_at"),
        sa.PrimaryKeyConstraint("id", name="pk_mlm_evidence"),
    )
    op.create_index("ix_mlm_evidence_assessment_id", "mlm_evidence", ["assessment_id"])
    op.create_table(
        "mlm_consensus",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        *_times("recorded_at"),
        sa.PrimaryKeyConstraint("assessment_id", "indicator_id", name="pk_mlm_consensus"),
    )
    op.create_table(
        "mlm_roadmap",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due", sa.String(10), nullable=False),
        *_times("updated_at"),
        sa.PrimaryKeyConstraint("assessment_id", "indicator_id", name="pk_mlm_roadmap"),
    )


def downgrade() -> None:
    for name in (
        "mlm_roadmap",
        "mlm_consensus",
        "mlm_evidence",
        "mlm_ratings",
        "mlm_panel",
        "mlm_assessments",
        "mlm_system_roles",
        "mlm_systems",
        "mlm_models",
        "web_sessions",
    ):
        op.drop_table(name)

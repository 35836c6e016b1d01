"""The Stakeholder Coordination Portal: members, drafts and their versions, review rounds,
comments, verdicts, the document library, related actions and workshop invitations.

Revision ID: 0010_stakeholders
Revises: 0009_news
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_stakeholders"
down_revision = "0009_news"
branch_labels = None
depends_on = None

_T = sa.Text()
_BIG = sa.BigInteger()


def _fk(column: str, table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "stk_members",
        sa.Column("sub", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("groups", _T, nullable=False),
        sa.Column("expertise", _T, nullable=False),
        sa.Column("roles", _T, nullable=False),
        sa.Column("directory_opt_in", sa.Boolean(), nullable=False),
        sa.Column("named_in_reports", sa.Boolean(), nullable=False),
        sa.Column("consent_at", _BIG, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _BIG, nullable=False),
        sa.Column("decided_at", _BIG, nullable=True),
    )
    op.create_index("ix_stk_members_status", "stk_members", ["status"])
    op.create_table(
        "stk_drafts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("wp", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("created_at", _BIG, nullable=False),
    )
    op.create_table(
        "stk_draft_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("text", _T, nullable=False),
        sa.Column("note", _T, nullable=False),
        sa.Column("created_at", _BIG, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        _fk("draft_id", "stk_drafts", "CASCADE"),
    )
    op.create_index("ix_stk_draft_versions_draft_id", "stk_draft_versions", ["draft_id"])
    op.create_table(
        "stk_rounds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("groups", _T, nullable=False),
        sa.Column("comments_shared", sa.Boolean(), nullable=False),
        sa.Column("deadline", _BIG, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", _BIG, nullable=False),
        sa.Column("opened_by", sa.String(128), nullable=False),
        sa.Column("closed_at", _BIG, nullable=True),
        sa.Column("reminded_at", _BIG, nullable=True),
        _fk("draft_id", "stk_drafts", "CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["stk_draft_versions.id"]),
    )
    op.create_index("ix_stk_rounds_draft_id", "stk_rounds", ["draft_id"])
    op.create_table(
        "stk_comments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("paragraph", sa.String(32), nullable=False),
        sa.Column("body", _T, nullable=False),
        sa.Column("created_at", _BIG, nullable=False),
        sa.Column("disposition", sa.String(16), nullable=True),
        sa.Column("response", _T, nullable=False),
        sa.Column("disposed_at", _BIG, nullable=True),
        _fk("round_id", "stk_rounds", "CASCADE"),
    )
    op.create_index("ix_stk_comments_round_id", "stk_comments", ["round_id"])
    op.create_index("ix_stk_comments_author", "stk_comments", ["author"])
    op.create_table(
        "stk_verdicts",
        sa.Column("round_id", sa.Integer(), primary_key=True),
        sa.Column("author", sa.String(128), primary_key=True),
        sa.Column("verdict", sa.String(24), nullable=False),
        sa.Column("justification", _T, nullable=False),
        sa.Column("groups", _T, nullable=False),
        sa.Column("created_at", _BIG, nullable=False),
        _fk("round_id", "stk_rounds", "CASCADE"),
    )
    op.create_table(
        "stk_documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", _T, nullable=False),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("created_at", _BIG, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        _fk("round_id", "stk_rounds", "SET NULL"),
    )
    op.create_table(
        "stk_document_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", _BIG, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", _BIG, nullable=False),
        _fk("document_id", "stk_documents", "CASCADE"),
    )
    op.create_index(
        "ix_stk_document_versions_document_id", "stk_document_versions", ["document_id"]
    )
    op.create_table(
        "stk_actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("summary", _T, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "stk_workshop_invitations",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("sub", sa.String(128), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("invited_at", _BIG, nullable=False),
        sa.Column("answered_at", _BIG, nullable=True),
    )


def downgrade() -> None:
    for table in (
        "stk_workshop_invitations",
        "stk_actions",
        "stk_document_versions",
        "stk_documents",
        "stk_verdicts",
        "stk_comments",
        "stk_rounds",
        "stk_draft_versions",
        "stk_drafts",
        "stk_members",
    ):
        op.drop_table(table)

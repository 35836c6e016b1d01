"""Events of the community site: events, workshop sessions, registrations.

Revision ID: 0008_events
Revises: 0007_portal_notify
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_events"
down_revision = "0007_portal_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_events",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("wp", sa.String(64), nullable=False),
        sa.Column("organiser", sa.String(200), nullable=False),
        sa.Column("organiser_sub", sa.String(128), nullable=True),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("outcome_recorded_at", sa.BigInteger(), nullable=True),
        sa.Column("contact_email", sa.String(320), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("precision", sa.String(8), nullable=False),
        sa.Column("starts_at", sa.BigInteger(), nullable=False),
        sa.Column("ends_at", sa.BigInteger(), nullable=False),
        sa.Column("registration", sa.Boolean(), nullable=False),
        sa.Column("registration_opens_at", sa.BigInteger(), nullable=True),
        sa.Column("registration_deadline", sa.BigInteger(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("waiting_list", sa.Boolean(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_community_events"),
    )
    op.create_index("ix_community_events_starts_at", "community_events", ["starts_at"])
    op.create_table(
        "community_event_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["community_events.id"],
            ondelete="CASCADE",
            name="fk_community_event_sessions_event_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_community_event_sessions"),
        sa.UniqueConstraint("event_id", "key", name="uq_community_event_sessions_event_id"),
    )
    op.create_index(
        "ix_community_event_sessions_event_id", "community_event_sessions", ["event_id"]
    )
    op.create_table(
        "community_event_registrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("sub", sa.String(128), nullable=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queued_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["community_events.id"],
            ondelete="CASCADE",
            name="fk_community_event_registrations_event_id",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["community_event_sessions.id"],
            ondelete="SET NULL",
            name="fk_community_event_registrations_session_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_community_event_registrations"),
    )
    for column in ("event_id", "sub", "email"):
        op.create_index(
            f"ix_community_event_registrations_{column}",
            "community_event_registrations",
            [column],
        )


def downgrade() -> None:
    op.drop_table("community_event_registrations")
    op.drop_table("community_event_sessions")
    op.drop_index("ix_community_events_starts_at", "community_events")
    op.drop_table("community_events")

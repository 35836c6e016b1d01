"""The community site's news (posts, tags, images) and newsletter (subscribers, editions,
deliveries).

Revision ID: 0009_news
Revises: 0008_events
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_news"
down_revision = "0008_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "news_posts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("dated_at", sa.BigInteger(), nullable=False, index=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False, index=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("author_sub", sa.String(128), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "news_tags",
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("news_posts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(40), primary_key=True, index=True),
    )
    op.create_table(
        "news_images",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("news_posts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("alt", sa.String(300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "newsletter_subscribers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_at", sa.BigInteger(), nullable=True),
        sa.Column("left_at", sa.BigInteger(), nullable=True),
        sa.Column("asked_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "newsletter_editions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_sub", sa.String(128), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("sending_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "newsletter_deliveries",
        sa.Column(
            "edition_id",
            sa.Integer(),
            sa.ForeignKey("newsletter_editions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "subscriber_id",
            sa.Integer(),
            sa.ForeignKey("newsletter_subscribers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "newsletter_deliveries",
        "newsletter_editions",
        "newsletter_subscribers",
        "news_images",
        "news_tags",
        "news_posts",
    ):
        op.drop_table(table)

"""SQL tables of the newsletter (created by migration ``0009_news``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class Subscriber(Base):
    """One address: ``pending`` until confirmed, then ``confirmed``, ``unsubscribed`` or
    ``bouncing`` (the mail server refused it for good; never mailed again)."""

    __tablename__ = "newsletter_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Lower-cased, so one address is one subscriber.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    confirmed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    left_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: When the last confirmation mail went out (at most one per few minutes per address).
    asked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Edition(Base):
    """One edition: Markdown, mailed as HTML and plain text; public in the archive once sent."""

    __tablename__ = "newsletter_editions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_sub: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    #: When sending first started (the edition is then frozen and in the archive).
    sending_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Delivery(Base):
    """What happened to one edition for one subscriber; the row is the exactly-once ledger.

    ``sending``: claimed, handed to SMTP, outcome not yet recorded; ``sent``; ``failed``
    (temporary failure, retried); ``bounced`` (permanent refusal).
    """

    __tablename__ = "newsletter_deliveries"

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_editions.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The run (process) that claimed it; a claim by a dead run is taken over after a while.
    run_id: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[int] = mapped_column(BigInteger)
    error: Mapped[str] = mapped_column(Text, default="")

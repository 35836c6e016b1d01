"""SQL tables of the events (created by migration ``0008_events``).

Instants are stored as UTC epoch seconds (like every onemg table); each event also keeps its
IANA time zone, so dates are shown and exported in the zone the organiser meant. Every change
to an event's places starts by bumping ``community_events.version``: that row is the lock that
serialises concurrent registrations for the same event (see :mod:`.store`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from onemg.db.base import Base


class EventRow(Base):
    """One event: a forum, a general assembly, a country visit, a workshop."""

    __tablename__ = "community_events"

    #: Stable slug used in URLs, calendar UIDs and by the stakeholder portal.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    wp: Mapped[str] = mapped_column(String(64), default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    #: The hub account that organises it (organiser tools); None: coordinators only.
    organiser_sub: Mapped[str | None] = mapped_column(String(128), nullable=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_recorded_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    #: "time" (start and end instants), "day" (whole days), "month" (only the month is known).
    precision: Mapped[str] = mapped_column(String(8))
    starts_at: Mapped[int] = mapped_column(BigInteger, index=True)
    ends_at: Mapped[int] = mapped_column(BigInteger)
    registration: Mapped[bool] = mapped_column(Boolean, default=False)
    registration_opens_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    registration_deadline: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: Places for the whole event; None: no limit.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waiting_list: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger)
    #: Bumped by every change to the event's places (the row lock of registrations).
    version: Mapped[int] = mapped_column(Integer, default=0)


class WorkshopSessionRow(Base):
    """A parallel workshop session of an event, with its own capacity."""

    __tablename__ = "community_event_sessions"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("community_events.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class RegistrationRow(Base):
    """One person's registration: confirmed, waiting or cancelled."""

    __tablename__ = "community_event_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("community_events.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("community_event_sessions.id", ondelete="SET NULL"), nullable=True
    )
    #: The hub account, when the person registered logged in.
    sub: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    #: When the person joined (orders the waiting list: first come, first promoted).
    queued_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)

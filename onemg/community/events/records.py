"""What the events capability hands around: frozen records and the rule for a free place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from onemg.community.events.zones import in_zone, last_day

#: The parallel workshop sessions of the 1+MG stakeholder forums (one per use case).
WORKSHOP_AREAS: tuple[tuple[str, str], ...] = (
    ("rare-disease", "Rare disease"),
    ("cancer", "Cancer"),
    ("common-complex", "Common and complex disease"),
    ("infectious", "Infectious disease"),
    ("genome-of-europe", "Genome of Europe"),
    ("industry", "Industry"),
)

PRECISIONS = ("time", "day", "month")
#: Registration states: ``confirmed`` holds a place, ``waiting`` is queued for one.
CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"


@dataclass(frozen=True)
class WorkshopSession:
    """A parallel workshop session (``capacity`` None: no limit of its own)."""

    id: int
    event_id: str
    key: str
    title: str
    capacity: int | None


@dataclass(frozen=True)
class Event:
    """An event as pages, the calendar feed and the stakeholder portal see it."""

    id: str
    name: str
    wp: str
    organiser: str
    organiser_sub: str | None
    location: str
    online: bool
    description: str
    outcome: str
    outcome_recorded_at: datetime | None
    contact_email: str
    timezone: str
    precision: str
    starts_at: datetime
    ends_at: datetime
    registration: bool
    registration_opens_at: datetime | None
    registration_deadline: datetime | None
    capacity: int | None
    waiting_list: bool
    demo: bool
    sessions: tuple[WorkshopSession, ...] = ()

    @property
    def first_day(self) -> date:
        """The first local day (in the event's zone)."""
        return in_zone(self.starts_at, self.timezone).date()

    @property
    def last_day(self) -> date:
        """The last local day (in the event's zone)."""
        return last_day(self.starts_at, self.ends_at, self.timezone)

    def session(self, key: str) -> WorkshopSession | None:
        """The workshop session with ``key``, if the event has it."""
        return next((s for s in self.sessions if s.key == key), None)


@dataclass(frozen=True)
class Registration:
    """One person's registration for an event."""

    id: int
    event_id: str
    session_id: int | None
    sub: str | None
    email: str
    name: str
    status: str
    queued_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Places:
    """Who holds a place now: counts for the event and per session (confirmed only)."""

    event_taken: int
    session_taken: dict[int, int]


def has_room(event: Event, session_id: int | None, places: Places) -> bool:
    """True when the event (and the chosen session) has a free place."""
    if event.capacity is not None and places.event_taken >= event.capacity:
        return False
    if session_id is not None:
        session = next((s for s in event.sessions if s.id == session_id), None)
        if session is not None and session.capacity is not None:
            return places.session_taken.get(session_id, 0) < session.capacity
    return True

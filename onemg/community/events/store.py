"""SQL persistence of events (the only events module that imports SQLAlchemy).

Every change to an event's places (a registration, a cancellation and the promotions it makes)
runs in ONE transaction that first bumps the event row's ``version``. On PostgreSQL that UPDATE
takes the row lock, on SQLite the database write lock, so two registrations for the last place
are serialised: the second one counts the places after the first has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from onemg.community.events.models import EventRow, RegistrationRow, WorkshopSessionRow
from onemg.community.events.records import (
    CANCELLED,
    CONFIRMED,
    WAITING,
    Event,
    Places,
    Registration,
    WorkshopSession,
)
from onemg.community.events.zones import from_epoch
from onemg.db import make_sessionmaker
from onemg.errors import ConflictError, NotFoundError

#: Decides the status of a new registration from the event and its places (the service's rule).
Decide = Callable[[Event, int | None, Places], str]


def _opt(seconds: int | None):  # noqa: ANN202
    return from_epoch(seconds) if seconds is not None else None


def _session(row: WorkshopSessionRow) -> WorkshopSession:
    return WorkshopSession(row.id, row.event_id, row.key, row.title, row.capacity)


def _event(row: EventRow, sessions: Sequence[WorkshopSessionRow]) -> Event:
    return Event(
        id=row.id,
        name=row.name,
        wp=row.wp,
        organiser=row.organiser,
        organiser_sub=row.organiser_sub,
        location=row.location,
        online=row.online,
        description=row.description,
        outcome=row.outcome,
        outcome_recorded_at=_opt(row.outcome_recorded_at),
        contact_email=row.contact_email,
        timezone=row.timezone,
        precision=row.precision,
        starts_at=from_epoch(row.starts_at),
        ends_at=from_epoch(row.ends_at),
        registration=row.registration,
        registration_opens_at=_opt(row.registration_opens_at),
        registration_deadline=_opt(row.registration_deadline),
        capacity=row.capacity,
        waiting_list=row.waiting_list,
        demo=row.demo,
        sessions=tuple(_session(s) for s in sessions),
    )


def _registration(row: RegistrationRow) -> Registration:
    return Registration(
        id=row.id,
        event_id=row.event_id,
        session_id=row.session_id,
        sub=row.sub,
        email=row.email,
        name=row.name,
        status=row.status,
        queued_at=from_epoch(row.queued_at),
        updated_at=from_epoch(row.updated_at),
    )


class EventStore:
    """Events, their workshop sessions and registrations in the hub's database."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = make_sessionmaker(engine)

    # -- events -------------------------------------------------------------------------------

    def add(self, event: Event, *, created_at: int) -> None:
        """Store a new event with its sessions (ConflictError if the id is taken)."""
        values = asdict(event)
        sessions = values.pop("sessions")
        for key in (
            "starts_at",
            "ends_at",
            "registration_opens_at",
            "registration_deadline",
            "outcome_recorded_at",
        ):
            values[key] = int(values[key].timestamp()) if values[key] is not None else None
        with self._sessions.begin() as s:
            if s.get(EventRow, event.id) is not None:
                raise ConflictError(f"an event with id {event.id!r} exists; choose another id")
            s.add(EventRow(**values, created_at=created_at, version=0))
            s.flush()
            for position, ws in enumerate(sessions):
                s.add(
                    WorkshopSessionRow(
                        event_id=event.id,
                        key=ws["key"],
                        title=ws["title"],
                        capacity=ws["capacity"],
                        position=position,
                    )
                )

    def _load(self, s: Session, event_id: str) -> Event:
        row = s.get(EventRow, event_id)
        if row is None:
            raise NotFoundError(f"no event {event_id!r}; see /events for the list")
        sessions = s.scalars(
            select(WorkshopSessionRow)
            .where(WorkshopSessionRow.event_id == event_id)
            .order_by(WorkshopSessionRow.position)
        ).all()
        return _event(row, sessions)

    def get(self, event_id: str) -> Event:
        """The event ``event_id`` (NotFoundError if there is none)."""
        with self._sessions() as s:
            return self._load(s, event_id)

    def all(self) -> list[Event]:
        """Every event, earliest first."""
        with self._sessions() as s:
            rows = s.scalars(select(EventRow).order_by(EventRow.starts_at, EventRow.id)).all()
            sessions = s.scalars(
                select(WorkshopSessionRow).order_by(WorkshopSessionRow.position)
            ).all()
            return [_event(r, [x for x in sessions if x.event_id == r.id]) for r in rows]

    def set_outcome(self, event_id: str, text: str, *, at: int) -> None:
        """Record the outcome text of an event."""
        with self._sessions.begin() as s:
            row = s.get(EventRow, event_id)
            if row is None:
                raise NotFoundError(f"no event {event_id!r}")
            row.outcome, row.outcome_recorded_at = text, at

    # -- registrations ------------------------------------------------------------------------

    def _lock(self, s: Session, event_id: str) -> Event:
        # The first statement of the transaction is a write: it waits for any other change to
        # this event's places, and what we count next is what they committed.
        done = s.execute(
            update(EventRow).where(EventRow.id == event_id).values(version=EventRow.version + 1)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFoundError(f"no event {event_id!r}; see /events for the list")
        return self._load(s, event_id)

    @staticmethod
    def _places(s: Session, event_id: str) -> Places:
        rows = s.execute(
            select(RegistrationRow.session_id, func.count())
            .where(RegistrationRow.event_id == event_id, RegistrationRow.status == CONFIRMED)
            .group_by(RegistrationRow.session_id)
        ).all()
        per_session = {sid: n for sid, n in rows if sid is not None}
        return Places(sum(n for _, n in rows), per_session)

    def register(
        self,
        event_id: str,
        *,
        session_id: int | None,
        sub: str | None,
        email: str,
        name: str,
        now: int,
        decide: Decide,
    ) -> Registration:
        """Add a registration with the status ``decide`` gives, in one locked transaction.

        Raises:
            ConflictError: ``email`` already holds a place or waits for one at this event.
        """
        with self._sessions.begin() as s:
            event = self._lock(s, event_id)
            taken = s.scalar(
                select(func.count()).where(
                    RegistrationRow.event_id == event_id,
                    func.lower(RegistrationRow.email) == email.lower(),
                    RegistrationRow.status != CANCELLED,
                )
            )
            if taken:
                raise ConflictError(
                    f"{email} is already registered for {event.name}; the mail we sent has a "
                    "link to cancel or to see the registration"
                )
            status = decide(event, session_id, self._places(s, event_id))
            row = RegistrationRow(
                event_id=event_id,
                session_id=session_id,
                sub=sub,
                email=email,
                name=name,
                status=status,
                queued_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return _registration(row)

    def cancel(
        self, registration_id: int, *, now: int
    ) -> tuple[Registration, bool, list[Registration]]:
        """Cancel a registration and promote waiting people into the places it frees.

        One transaction: the cancellation and every promotion commit together. Returns the
        registration, whether it was active before, and the promoted registrations (oldest
        first). Cancelling twice changes nothing.
        """
        with self._sessions.begin() as s:
            row = s.get(RegistrationRow, registration_id)
            if row is None:
                raise NotFoundError(f"no registration {registration_id}")
            if row.status == CANCELLED:
                return _registration(row), False, []
            event = self._lock(s, row.event_id)
            s.refresh(row)
            was = row.status
            row.status, row.updated_at = CANCELLED, now
            s.flush()
            promoted = self._promote(s, event, now) if was == CONFIRMED else []
            return _registration(row), True, promoted

    def _promote(self, s: Session, event: Event, now: int) -> list[Registration]:
        from onemg.community.events.records import has_room

        places = self._places(s, event.id)
        promoted = []
        waiting = s.scalars(
            select(RegistrationRow)
            .where(RegistrationRow.event_id == event.id, RegistrationRow.status == WAITING)
            .order_by(RegistrationRow.queued_at, RegistrationRow.id)
        ).all()
        for row in waiting:
            if has_room(event, row.session_id, places):
                row.status, row.updated_at = CONFIRMED, now
                places = Places(
                    places.event_taken + 1,
                    {
                        **places.session_taken,
                        **(
                            {row.session_id: places.session_taken.get(row.session_id, 0) + 1}
                            if row.session_id is not None
                            else {}
                        ),
                    },
                )
                promoted.append(_registration(row))
        return promoted

    def registration(self, registration_id: int) -> Registration:
        """One registration (NotFoundError if there is none)."""
        with self._sessions() as s:
            row = s.get(RegistrationRow, registration_id)
            if row is None:
                raise NotFoundError(f"no registration {registration_id}")
            return _registration(row)

    def registrations(
        self,
        event_id: str,
        *,
        statuses: Sequence[str] = (CONFIRMED, WAITING),
        sub: str | None = None,
    ) -> list[Registration]:
        """The event's registrations with ``statuses`` (of ``sub`` only, if given), in order."""
        with self._sessions() as s:
            query = select(RegistrationRow).where(
                RegistrationRow.event_id == event_id, RegistrationRow.status.in_(statuses)
            )
            if sub is not None:
                query = query.where(RegistrationRow.sub == sub)
            rows = s.scalars(query.order_by(RegistrationRow.queued_at, RegistrationRow.id)).all()
            return [_registration(r) for r in rows]

    def registrations_by(
        self, *, sub: str | None = None, email: str | None = None
    ) -> list[Registration]:
        """Every registration (any event, any status) of account ``sub`` or address ``email``."""
        with self._sessions() as s:
            query = select(RegistrationRow)
            if sub is not None:
                query = query.where(RegistrationRow.sub == sub)
            if email is not None:
                query = query.where(func.lower(RegistrationRow.email) == email.lower())
            return [_registration(r) for r in s.scalars(query.order_by(RegistrationRow.id))]

    def delete_registrations(self, ids: Sequence[int]) -> None:
        """Delete registrations for good (after they were cancelled)."""
        with self._sessions.begin() as s:
            s.execute(delete(RegistrationRow).where(RegistrationRow.id.in_(list(ids))))

    def places(self, event_id: str) -> Places:
        """The confirmed places of the event now."""
        with self._sessions() as s:
            return self._places(s, event_id)

"""The rules of events: who may register when, the waiting list, cancelling, organiser tools.

:class:`EventService` is what routes, the demo seeding and the stakeholder portal call. It is
framework-free: it takes the store, the audit sink and a clock; mail is composed and sent by
:mod:`.notify` after a change has committed. The stakeholder portal (whose workshops are these
events) uses :meth:`EventService.get`, :meth:`sessions_of`, :meth:`participants`.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from onemg.access.accounts import check_email
from onemg.access.store import ThrottleStore
from onemg.community.events.records import (
    CONFIRMED,
    PRECISIONS,
    WAITING,
    Event,
    Places,
    Registration,
    WorkshopSession,
    has_room,
)
from onemg.community.events.store import EventStore
from onemg.community.events.zones import CET, format_instant, midnight_utc, to_utc, zone
from onemg.errors import AccessDeniedError, InvalidInputError, RateLimitedError, WorkflowError
from onemg.security import AuditSink

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


#: At most this many address-confirmation mails per address per quiet hour.
CONFIRM_MAILS_PER_WINDOW = 3
CONFIRM_WINDOW_S = 3600


class RegistrationRefusedError(WorkflowError):
    """Registration is closed (not yet open, past its deadline, or full with no waiting list)."""


@dataclass(frozen=True)
class SessionDraft:
    """A workshop session to create."""

    key: str
    title: str
    capacity: int | None = None


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InvalidInputError("name: write your name (at most 200 characters)")
    return name


def _parse_span(start: str, end: str | None, precision: str, tz: str) -> tuple[datetime, datetime]:
    if precision not in PRECISIONS:
        raise InvalidInputError(f"precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    try:
        if precision == "time":
            first = to_utc(start, tz)
            last = to_utc(end, tz) if end else first
        elif precision == "day":
            first = midnight_utc(date.fromisoformat(start), tz)
            last_day = date.fromisoformat(end) if end else date.fromisoformat(start)
            last = midnight_utc(date.fromordinal(last_day.toordinal() + 1), tz)
        else:
            year, month = (int(x) for x in start.split("-")[:2])
            first = midnight_utc(date(year, month, 1), tz)
            last = midnight_utc(date(year + month // 12, month % 12 + 1, 1), tz)
    except ValueError as exc:
        raise InvalidInputError(
            f"event dates {start!r}..{end!r}: {exc}; write days as "
            "2022-10-13, times as 2022-10-13 09:00, months as 2022-10"
        ) from None
    if last < first:
        raise InvalidInputError(f"the event ends ({end}) before it starts ({start})")
    return first, last


class EventService:
    """Events and registrations over an :class:`EventStore`, audited."""

    def __init__(
        self,
        store: EventStore,
        *,
        audit: AuditSink,
        clock: Callable[[], float] = time.time,
        throttle: ThrottleStore | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self.clock = clock
        self.throttle = throttle

    # -- reading ------------------------------------------------------------------------------

    def get(self, event_id: str) -> Event:
        """The event ``event_id`` (NotFoundError if none)."""
        return self.store.get(event_id)

    def events(self) -> list[Event]:
        """Every event, earliest first."""
        return self.store.all()

    def upcoming_and_past(self) -> tuple[list[Event], list[Event]]:
        """(events not yet over, soonest first; events over, latest first)."""
        now = self.clock()
        events = self.store.all()
        upcoming = [e for e in events if e.ends_at.timestamp() > now]
        past = [e for e in events if e.ends_at.timestamp() <= now]
        return upcoming, past[::-1]

    def sessions_of(self, event_id: str) -> tuple[WorkshopSession, ...]:
        """The event's parallel workshop sessions, in order."""
        return self.store.get(event_id).sessions

    def participants(self, event_id: str, *, session_key: str | None = None) -> list[Registration]:
        """Who holds a place (confirmed), optionally in one workshop session only."""
        regs = self.store.registrations(event_id, statuses=(CONFIRMED,))
        if session_key is None:
            return regs
        session = self.store.get(event_id).session(session_key)
        return [r for r in regs if session is not None and r.session_id == session.id]

    def waiting(self, event_id: str) -> list[Registration]:
        """The waiting list, first in line first."""
        return self.store.registrations(event_id, statuses=(WAITING,))

    def registrations(self, event_id: str) -> list[Registration]:
        """Confirmed and waiting registrations, in the order they came."""
        return self.store.registrations(event_id)

    def registrations_of(self, event_id: str, sub: str) -> list[Registration]:
        """The active registrations of account ``sub`` at the event."""
        return self.store.registrations(event_id, sub=sub)

    def registration(self, registration_id: int) -> Registration:
        """One registration."""
        return self.store.registration(registration_id)

    def places(self, event_id: str) -> Places:
        """Confirmed places now."""
        return self.store.places(event_id)

    def position(self, registration: Registration) -> int | None:
        """1-based place on the waiting list (None unless waiting)."""
        if registration.status != WAITING:
            return None
        ids = [r.id for r in self.waiting(registration.event_id)]
        return ids.index(registration.id) + 1 if registration.id in ids else None

    # -- creating ------------------------------------------------------------------------------

    def create(
        self,
        *,
        id: str,
        name: str,
        timezone: str,
        start: str,
        end: str | None = None,
        precision: str = "time",
        wp: str = "",
        organiser: str = "",
        organiser_sub: str | None = None,
        location: str = "",
        online: bool = False,
        description: str = "",
        outcome: str = "",
        contact_email: str = "",
        registration: bool = False,
        registration_opens: str | None = None,
        registration_deadline: str | None = None,
        capacity: int | None = None,
        waiting_list: bool = True,
        sessions: Sequence[SessionDraft] = (),
        demo: bool = False,
        actor: str | None = None,
    ) -> Event:
        """Create an event; local times are in ``timezone`` (see :mod:`.zones`).

        Raises:
            InvalidInputError: a field is wrong (the message names it and how to fix it).
            ConflictError: the id is taken.
        """
        if not _ID.match(id):
            raise InvalidInputError(
                f"event id {id!r}: use 2-64 lower-case letters, digits "
                "and dashes (it appears in URLs and calendars)"
            )
        if not name.strip():
            raise InvalidInputError("event name: must not be empty")
        zone(timezone)
        starts, ends = _parse_span(start, end, precision, timezone)
        opens = to_utc(registration_opens, timezone) if registration_opens else None
        deadline = to_utc(registration_deadline, timezone) if registration_deadline else None
        if opens and deadline and deadline <= opens:
            raise InvalidInputError("registration deadline: must be after the opening")
        for cap in (capacity, *(s.capacity for s in sessions)):
            if cap is not None and cap < 0:
                raise InvalidInputError(f"capacity {cap}: must be 0 or more (or no limit)")
        keys = [s.key for s in sessions]
        if len(set(keys)) != len(keys):
            raise InvalidInputError(f"workshop sessions: keys must differ ({', '.join(keys)})")
        event = Event(
            id=id,
            name=name.strip(),
            wp=wp,
            organiser=organiser,
            organiser_sub=organiser_sub,
            location=location,
            online=online,
            description=description,
            outcome=outcome,
            outcome_recorded_at=None,
            contact_email=check_email(contact_email) if contact_email else "",
            timezone=timezone,
            precision=precision,
            starts_at=starts,
            ends_at=ends,
            registration=registration,
            registration_opens_at=opens,
            registration_deadline=deadline,
            capacity=capacity,
            waiting_list=waiting_list,
            demo=demo,
            sessions=tuple(WorkshopSession(0, id, s.key, s.title, s.capacity) for s in sessions),
        )
        self.store.add(event, created_at=int(self.clock()))
        self.audit.record(
            user=actor,
            action="events.create",
            resource=f"event:{id}",
            result="granted",
            origin="hub-web",
        )
        return self.store.get(id)

    # -- registering ---------------------------------------------------------------------------

    def check_open(self, event: Event) -> None:
        """Raise :class:`RegistrationRefusedError` unless registration is open now."""
        now = self.clock()
        if not event.registration:
            raise RegistrationRefusedError(f"{event.name} takes no registrations here")
        if event.registration_opens_at and now < event.registration_opens_at.timestamp():
            raise RegistrationRefusedError(
                f"registration for {event.name} opens on "
                f"{format_instant(event.registration_opens_at, CET)}; come back then"
            )
        if event.registration_deadline and now >= event.registration_deadline.timestamp():
            raise RegistrationRefusedError(
                f"registration for {event.name} closed on "
                f"{format_instant(event.registration_deadline, CET)} (the deadline); "
                f"write to {event.contact_email or 'the organiser'} if you still need a place"
            )
        if now >= event.ends_at.timestamp():
            raise RegistrationRefusedError(f"{event.name} is over")

    def session_id(self, event: Event, session_key: str | None) -> int | None:
        """The id of the chosen workshop session (required when the event has sessions)."""
        if not event.sessions:
            return None
        if not session_key:
            raise InvalidInputError("workshop session: choose one of the parallel sessions")
        session = event.session(session_key)
        if session is None:
            raise InvalidInputError(
                f"workshop session {session_key!r}: {event.name} has "
                f"{', '.join(s.key for s in event.sessions)}"
            )
        return session.id

    def validate_request(
        self, event_id: str, *, email: str, name: str, session_key: str | None
    ) -> tuple[Event, str, str]:
        """Check a registration request before the address is confirmed (nothing stored)."""
        event = self.store.get(event_id)
        self.check_open(event)
        self.session_id(event, session_key)
        return event, check_email(email), _check_name(name)

    def allow_confirmation_mail(self, email: str) -> None:
        """Refuse a fourth confirmation mail to one address within an hour (no mail bombing).

        Raises:
            RateLimitedError: wait, or open one of the links already sent.
        """
        if self.throttle is None:
            return
        key = "events-confirm:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        sent = self.throttle.count_failure(key, now=int(self.clock()), window_s=CONFIRM_WINDOW_S)
        if sent > CONFIRM_MAILS_PER_WINDOW:
            raise RateLimitedError(
                f"we already sent {CONFIRM_MAILS_PER_WINDOW} confirmation mails to {email}; "
                "open the link in one of them, or try again in an hour",
                retry_after_s=CONFIRM_WINDOW_S,
            )

    def register(
        self,
        event_id: str,
        *,
        email: str,
        name: str,
        session_key: str | None = None,
        sub: str | None = None,
    ) -> Registration:
        """Register someone: a place if one is free, else the waiting list, else refused.

        ``email`` must be confirmed already (an account's verified address, or a signed link).

        Raises:
            RegistrationRefusedError: not open yet, past the deadline, or full without a
                waiting list (the message says which).
            ConflictError: this address already holds or waits for a place.
        """
        event, email, name = self.validate_request(
            event_id, email=email, name=name, session_key=session_key
        )

        def decide(current: Event, session_id: int | None, places: Places) -> str:
            if has_room(current, session_id, places):
                return CONFIRMED
            if current.waiting_list:
                return WAITING
            raise RegistrationRefusedError(
                f"{current.name} is full"
                + (f" in the {session_key} session" if session_key else "")
                + " and has no waiting list; choose another session or write to "
                + (current.contact_email or "the organiser")
            )

        try:
            reg = self.store.register(
                event_id,
                session_id=self.session_id(event, session_key),
                sub=sub,
                email=email,
                name=name,
                now=int(self.clock()),
                decide=decide,
            )
        except RegistrationRefusedError:
            self.audit.record(
                user=sub,
                action="events.register",
                resource=f"event:{event_id}",
                result="denied",
                reason="full",
                origin="hub-web",
            )
            raise
        self.audit.record(
            user=sub,
            action="events.register",
            resource=f"event:{event_id}/registration:{reg.id}",
            result="granted",
            reason=reg.status,
            origin="hub-web",
        )
        return reg

    def cancel(
        self, registration_id: int, *, actor_sub: str | None = None, link_email: str | None = None
    ) -> tuple[Registration, list[Registration]]:
        """Cancel a registration (its owner only) and promote from the waiting list.

        The owner proves who they are by their account (``actor_sub``) or by a signed link
        mailed to the registered address (``link_email``, verified by the caller).

        Returns:
            the cancelled registration and the registrations promoted in the same transaction.
        """
        current = self.store.registration(registration_id)
        by_link = link_email is not None and link_email.lower() == current.email.lower()
        by_account = actor_sub is not None and actor_sub == current.sub
        if not (by_link or by_account):
            self.audit.record(
                user=actor_sub,
                action="events.cancel",
                resource=f"event:{current.event_id}/registration:{current.id}",
                result="denied",
                reason="not the registrant",
                origin="hub-web",
            )
            raise AccessDeniedError(
                "this registration is not yours; use the cancel link in "
                "the mail you received, or log in with your account"
            )
        reg, changed, promoted = self.store.cancel(registration_id, now=int(self.clock()))
        if changed:
            self.audit.record(
                user=actor_sub,
                action="events.cancel",
                resource=f"event:{reg.event_id}/registration:{reg.id}",
                result="granted",
                origin="hub-web",
            )
            for p in promoted:
                self.audit.record(
                    user=None,
                    action="events.promote",
                    resource=f"event:{p.event_id}/registration:{p.id}",
                    result="granted",
                    origin="hub-web",
                )
        return reg, promoted

    def forget(self, *, sub: str | None = None, email: str | None = None) -> list[Registration]:
        """Delete every registration of an account or address (GDPR erasure).

        Active places are cancelled first, so the waiting list moves up as usual; then the rows
        are deleted. Returns the registrations promoted meanwhile (mail them).
        """
        if sub is None and email is None:
            raise InvalidInputError("forget: give an account or an e-mail address")
        promoted: list[Registration] = []
        regs = self.store.registrations_by(sub=sub, email=email)
        for reg in regs:
            if reg.status != "cancelled":
                promoted += self.store.cancel(reg.id, now=int(self.clock()))[2]
        self.store.delete_registrations([r.id for r in regs])
        self.audit.record(
            user=sub,
            action="events.forget",
            resource="events:registrations",
            result="granted",
            reason=f"{len(regs)} deleted",
            origin="hub",
        )
        return promoted

    # -- organiser tools -----------------------------------------------------------------------

    def may_organise(self, event: Event, sub: str, *, is_coordinator: bool) -> bool:
        """Coordinators and the event's own organiser may use its organiser tools."""
        return is_coordinator or (event.organiser_sub is not None and event.organiser_sub == sub)

    def require_organiser(
        self, event: Event, sub: str, *, is_coordinator: bool, action: str
    ) -> None:
        """Audit the access decision for organiser tool ``action``; 403 unless allowed."""
        allowed = self.may_organise(event, sub, is_coordinator=is_coordinator)
        self.audit.record(
            user=sub,
            action=f"events.{action}",
            resource=f"event:{event.id}",
            result="granted" if allowed else "denied",
            reason="" if allowed else "not an organiser",
            origin="hub-web",
        )
        if not allowed:
            raise AccessDeniedError(
                f"only the organiser of {event.name} or a coordinator can do this"
            )

    def record_outcome(self, event_id: str, text: str, *, actor: str) -> Event:
        """Record what came out of the event (Markdown), once it has started."""
        event = self.store.get(event_id)
        if self.clock() < event.starts_at.timestamp():
            raise WorkflowError(f"{event.name} has not started yet; record its outcome after it")
        if len(text) > 20000:
            raise InvalidInputError("outcome: at most 20000 characters")
        self.store.set_outcome(event_id, text.strip(), at=int(self.clock()))
        return self.store.get(event_id)

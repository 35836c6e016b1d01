"""iCalendar (RFC 5545) for events, made with the icalendar package.

- :func:`feed`: every event, ``METHOD:PUBLISH`` (``/events.ics``);
- :func:`invitation`: one registration's ``METHOD:REQUEST`` invitation (or ``CANCEL``), mailed
  as an ``.ics`` attachment.

Timed events carry ``DTSTART;TZID=<the event's zone>`` with a matching ``VTIMEZONE`` (calendar
clients show the right wall-clock time across daylight-saving changes); whole-day and
month-only events are ``VALUE=DATE`` spans with an exclusive end, as RFC 5545 defines them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from onemg.community.events.records import Event, Registration, WorkshopSession
from onemg.community.events.zones import in_zone

PRODID = "-//onemg//1+MG hub events//EN"
MIME = "text/calendar"


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _vevent(
    event: Event, *, uid: str, url: str, stamp: datetime, session: WorkshopSession | None = None
) -> VEvent:
    ve = VEvent()
    ve.add("uid", uid)
    ve.add("dtstamp", stamp.astimezone(UTC))
    summary = event.name + (f": {session.title} workshop" if session else "")
    ve.add("summary", summary)
    if event.precision == "time":
        ve.add("dtstart", in_zone(event.starts_at, event.timezone))
        ve.add("dtend", in_zone(event.ends_at, event.timezone))
    else:
        ve.add("dtstart", in_zone(event.starts_at, event.timezone).date())
        ve.add("dtend", in_zone(event.ends_at, event.timezone).date())
    where = "Online" if event.online and not event.location else event.location
    if event.online and event.location:
        where = f"{event.location} (online)"
    if where:
        ve.add("location", where)
    lines = [
        x
        for x in (
            event.description,
            f"Work package: {event.wp}" if event.wp else "",
            f"Organiser: {event.organiser}" if event.organiser else "",
            "Only the month is announced; the days follow." if event.precision == "month" else "",
            url,
        )
        if x
    ]
    ve.add("description", "\n\n".join(lines))
    ve.add("url", url)
    if event.contact_email:
        organiser = vCalAddress(f"mailto:{event.contact_email}")
        organiser.params["cn"] = vText(event.organiser or event.name)
        ve.add("organizer", organiser)
    return ve


def feed(events: list[Event], *, base_url: str, now: datetime) -> bytes:
    """The iCalendar feed of ``events`` (``base_url`` ends with ``/``)."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", "1+MG events")
    for event in events:
        cal.add_component(
            _vevent(
                event, uid=f"{event.id}@onemg-events", url=f"{base_url}events/{event.id}", stamp=now
            )
        )
    cal.add_missing_timezones()
    return cal.to_ical()


def invitation(
    event: Event,
    registration: Registration,
    *,
    base_url: str,
    now: datetime,
    method: str = "REQUEST",
    sequence: int = 0,
) -> bytes:
    """The calendar invitation for one registration (``METHOD:REQUEST``, or ``CANCEL``)."""
    session = next((s for s in event.sessions if s.id == registration.session_id), None)
    cal = _calendar(method)
    ve = _vevent(
        event,
        uid=f"{event.id}-r{registration.id}@onemg-events",
        url=f"{base_url}events/{event.id}",
        stamp=now,
        session=session,
    )
    ve.add("sequence", sequence)
    ve.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = vText(registration.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("DECLINED" if method == "CANCEL" else "ACCEPTED")
    ve.add("attendee", attendee)
    if "organizer" not in ve:
        ve.add("organizer", vCalAddress("mailto:noreply@localhost"))
    cal.add_component(ve)
    cal.add_missing_timezones()
    return cal.to_ical()

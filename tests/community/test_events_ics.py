"""The iCalendar feed and invitations, parsed back with the icalendar package."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar

from onemg.community.events import ics
from onemg.community.events.demo import seed_demo_events
from onemg.community.events.exports import attendees_csv, safe_cell
from tests.community.conftest import Clock, forum

NOW = datetime(2022, 10, 1, 12, 0, tzinfo=UTC)


def test_invitation_is_a_request_with_tzid_times_that_mean_the_stored_instants(
    events_factory,
) -> None:  # noqa: ANN001
    service, _ = events_factory(clock=Clock(NOW.timestamp()))
    forum(service)
    reg = service.register("forum", email="ana@example.org", name="Ana", session_key="cancer")
    event = service.get("forum")
    cal = Calendar.from_ical(ics.invitation(event, reg, base_url="http://hub/", now=NOW))
    assert cal["METHOD"] == "REQUEST"
    [vevent] = cal.walk("VEVENT")
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Brussels"]
    start = vevent.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Brussels"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert start.astimezone(UTC) == datetime(2022, 10, 13, 7, 30, tzinfo=UTC) == event.starts_at
    assert vevent.decoded("DTEND").astimezone(UTC) == event.ends_at
    assert vevent.decoded("DTSTAMP") == NOW
    assert str(vevent["SUMMARY"]) == "Stakeholder Forum: Cancer workshop"
    assert str(vevent["ATTENDEE"]) == "mailto:ana@example.org"
    assert vevent["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(vevent["ORGANIZER"]) == "mailto:coordination@example.org"
    assert str(vevent["UID"]) == f"forum-r{reg.id}@onemg-events"
    cancel = Calendar.from_ical(
        ics.invitation(event, reg, base_url="http://hub/", now=NOW, method="CANCEL", sequence=1)
    )
    [cancelled] = cancel.walk("VEVENT")
    assert cancel["METHOD"] == "CANCEL"
    assert str(cancelled["UID"]) == str(vevent["UID"])
    assert cancelled["SEQUENCE"] == 1


def test_the_feed_holds_every_demo_event_with_the_right_dates(events_factory) -> None:  # noqa: ANN001
    service, _ = events_factory(clock=Clock(NOW.timestamp()))
    made = seed_demo_events(service, clock=lambda: NOW.timestamp())
    assert made == len(service.events()) == 23
    assert seed_demo_events(service) == 0  # idempotent
    cal = Calendar.from_ical(ics.feed(service.events(), base_url="http://hub/", now=NOW))
    assert cal["METHOD"] == "PUBLISH"
    events = {str(v["UID"]): v for v in cal.walk("VEVENT")}
    assert len(events) == 23
    forum22 = events["stakeholder-forum-2022@onemg-events"]
    # a whole-day event: DATE values, exclusive end
    assert forum22.decoded("DTSTART") == date(2022, 10, 13)
    assert forum22.decoded("DTEND") == date(2022, 10, 14)
    forum21 = events["stakeholder-forum-2021@onemg-events"]
    assert (forum21.decoded("DTSTART"), forum21.decoded("DTEND")) == (
        date(2021, 11, 17),
        date(2021, 11, 19),
    )
    kickoff = events["b1mg-kick-off-2020@onemg-events"]
    assert (kickoff.decoded("DTSTART"), kickoff.decoded("DTEND")) == (
        date(2020, 6, 1),
        date(2020, 7, 1),
    )
    assert "Only the month is announced" in str(kickoff["DESCRIPTION"])
    deadline = service.get("stakeholder-forum-2022").registration_deadline
    assert deadline == datetime(2022, 10, 12, 10, 0, tzinfo=UTC)
    upcoming = events["stakeholder-forum-demo@onemg-events"]
    assert (
        upcoming.decoded("DTSTART").astimezone(UTC)
        == service.get("stakeholder-forum-demo").starts_at
    )


def test_attendee_csv_neutralises_formulas(events_factory) -> None:  # noqa: ANN001
    service, _ = events_factory(clock=Clock(NOW.timestamp()))
    forum(service, capacity=1, sessions=[])
    service.register("forum", email="a@example.org", name='=HYPERLINK("http://evil","x")')
    service.register("forum", email="b@example.org", name="+cmd|' /C calc'!A0")
    text = attendees_csv(service.get("forum"), service.registrations("forum"))
    lines = text.splitlines()
    assert lines[0] == "name,email,status,workshop_session,registered_at_utc,waiting_position"
    assert lines[1].startswith('"\'=HYPERLINK(""http://evil"",""x"")",a@example.org,confirmed')
    assert lines[2].startswith("'+cmd|' /C calc'!A0,b@example.org,waiting")
    assert lines[2].endswith(",1")
    for cell in ("-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(cell) == "'" + cell
    assert safe_cell("Ana") == "Ana"


def test_the_demo_hub_loads_the_events_once(tmp_path) -> None:  # noqa: ANN001
    from onemg.community.events.demo import load_demo_events

    said: list[str] = []
    assert load_demo_events(tmp_path / "hub", echo=said.append) == "/events"
    assert load_demo_events(tmp_path / "hub", echo=said.append) == "/events"
    assert said == ["loaded 23 demo events (the B1MG events table) ..."]

"""The events pages over HTTP against a real hub process: CSRF, signed links and their
forgeries, ownership of registrations, organiser tools (CSV, messages, outcome), escaping."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import httpx
import pytest
from icalendar import Calendar

from onemg.access.store import AuditStore
from onemg.community.events.wiring import build_service
from onemg.settings import Settings
from onemg.web.pages import WebServices
from onemg.web.signed_links import LinkSigner
from tests.community.events_hub import PASSWORD, EventsHub, start_events_hub
from tests.mailserver import text_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EventsHub]:
    yield from start_events_hub(tmp_path_factory.mktemp("events-pages"))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@contextlib.contextmanager
def _client(hub: EventsHub, username: str | None = None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.url, headers={"accept": "text/html"}, timeout=30) as client:
        if username:
            _login(client, username)
        yield client


def _login(client: httpx.Client, username: str) -> None:
    if username:
        token = _csrf(client.get("/login").text)
        r = client.post(
            "/login",
            data={
                "username": username,
                "password": PASSWORD,
                "csrf_token": token,
                "next": "/events",
            },
        )
        assert r.status_code == 303


def _register(client: httpx.Client, event: str, **fields: str) -> httpx.Response:
    token = _csrf(client.get(f"/events/{event}").text)
    return client.post(f"/events/{event}/register", data={"csrf_token": token, **fields})


def _service(hub: EventsHub):  # noqa: ANN202
    web = WebServices.for_settings(Settings(data_dir=hub.data_dir))
    return build_service(web), web


def test_feed_and_pages_are_public_with_a_strict_csp(hub: EventsHub) -> None:
    with _client(hub) as c:
        page = c.get("/events")
        assert page.status_code == 200
        assert "unsafe-inline" not in page.headers["content-security-policy"]
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert "src=" in tag
        feed = c.get("/events.ics")
        assert feed.headers["content-type"].startswith("text/calendar")
        cal = Calendar.from_ical(feed.content)
        assert {str(v["UID"]) for v in cal.walk("VEVENT")} >= {"workshop@onemg-events"}
        assert c.get("/events/no-such-event").status_code == 404


def test_forms_need_a_csrf_token(hub: EventsHub) -> None:
    with _client(hub) as c:
        r = c.post(
            "/events/workshop/register",
            data={"name": "X", "email": "x@example.org", "session": "cancer"},
        )
        assert r.status_code == 403
        assert "form has expired" in r.text
    assert not hub.smtp.to("x@example.org")


def test_cancel_links_cannot_be_forged_or_used_by_someone_else(hub: EventsHub) -> None:
    with _client(hub, "bob") as bob, _client(hub, "mallory") as mallory, _client(hub) as anon:
        r = _register(bob, "workshop", name="Bob", email="bob@example.org", session="rare-disease")
        assert r.status_code == 200
        assert "You are registered" in r.text
        link = hub.link(hub.mails("bob@example.org", 1)[0], "cancel")
        token = link.split("token=", 1)[1]
        service, web = _service(hub)
        try:
            [reg] = service.registrations_of("workshop", web.sub_of("bob"))

            # an altered token, one made with another key, one made for confirming: refused
            altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
            forged = LinkSigner(b"k" * 32).sign(
                "events.cancel", {"r": reg.id, "e": "bob@example.org"}
            )
            wrong_purpose = LinkSigner.for_data_dir(hub.data_dir).sign(
                "events.confirm", {"r": reg.id, "e": "bob@example.org"}
            )
            for bad in (altered, forged, wrong_purpose):
                got = anon.get(f"/events/workshop/cancel?token={bad}")
                assert got.status_code == 403, bad
                assert "not valid" in got.text
                page_token = _csrf(anon.get("/events").text)
                post = anon.post(
                    "/events/workshop/cancel", data={"csrf_token": page_token, "token": bad}
                )
                assert post.status_code == 403

            # another logged-in person cannot cancel Bob's registration by its id
            page_token = _csrf(mallory.get("/events/workshop").text)
            r = mallory.post(
                f"/events/workshop/registrations/{reg.id}/cancel", data={"csrf_token": page_token}
            )
            assert r.status_code == 403
            assert "not yours" in r.text
            assert service.registration(reg.id).status == "confirmed"
            # nor anonymously
            page_token = _csrf(anon.get("/events/workshop").text)
            r = anon.post(
                f"/events/workshop/registrations/{reg.id}/cancel", data={"csrf_token": page_token}
            )
            assert r.status_code == 303
            assert r.headers["location"].startswith("/login")
            assert service.registration(reg.id).status == "confirmed"
            denied = [
                e
                for e in AuditStore(web.engine).entries()
                if e.action == "events.cancel" and e.result == "denied"
            ]
            assert denied
        finally:
            web.dispose()
        # Bob's own link works
        assert "Cancel my registration" in anon.get(link).text


def test_organiser_tools_are_for_the_organiser_and_coordinators(hub: EventsHub) -> None:
    with (
        _client(hub, "olga") as olga,
        _client(hub, "coco") as coco,
        _client(hub, "mallory") as mallory,
        _client(hub) as anon,
    ):
        r = _register(
            mallory,
            "workshop",
            name="<img src=x onerror=alert(1)>",
            email="mallory@example.org",
            session="rare-disease",
        )
        assert "You are registered" in r.text
        assert mallory.get("/events/workshop/attendees.csv").status_code == 403
        assert mallory.get("/events/workshop/manage").status_code == 403
        assert anon.get("/events/workshop/attendees.csv").status_code == 303
        csv = olga.get("/events/workshop/attendees.csv")
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        assert "mallory@example.org" in csv.text
        assert coco.get("/events/workshop/attendees.csv").status_code == 200
        manage = olga.get("/events/workshop/manage")
        assert "&lt;img src=x onerror=alert(1)&gt;" in manage.text
        assert "<img src=x" not in manage.text

        # a message to the registrants: plain-text mail to each
        before = len(hub.smtp.to("mallory@example.org"))
        r = olga.post(
            "/events/workshop/message",
            data={
                "csrf_token": _csrf(manage.text),
                "to": "all",
                "subject": "Agenda",
                "body": "The agenda is online.",
            },
        )
        assert r.status_code == 303
        assert "went to" in olga.get(r.headers["location"]).text
        message = hub.mails("mallory@example.org", before + 1)[-1]
        assert str(message["Subject"]) == "[Genome of Europe workshop] Agenda"
        assert "The agenda is online." in text_of(message)
        r = mallory.post(
            "/events/workshop/message",
            data={
                "csrf_token": _csrf(mallory.get("/events/workshop").text),
                "subject": "spam",
                "body": "spam",
            },
        )
        assert r.status_code == 403

        # the outcome, after the event: Markdown, sanitised
        page = olga.get("/events/past-meeting/manage")
        r = olga.post(
            "/events/past-meeting/outcome",
            data={
                "csrf_token": _csrf(page.text),
                "outcome": "**Agreed** the roadmap <script>alert(1)</script>",
            },
        )
        assert r.status_code == 303
        shown = anon.get("/events/past-meeting").text
        assert "<strong>Agreed</strong>" in shown
        assert "<script>alert(1)" not in shown
        # not before the event has started
        r = olga.post(
            "/events/workshop/outcome",
            data={"csrf_token": _csrf(olga.get("/events/workshop/manage").text), "outcome": "x"},
        )
        assert r.status_code == 409
        assert "has not started" in r.text

    service, web = _service(hub)
    try:
        decisions = {(e.action, e.result) for e in AuditStore(web.engine).entries()}
    finally:
        web.dispose()
    assert ("events.attendees_csv", "denied") in decisions
    assert ("events.attendees_csv", "granted") in decisions
    assert ("events.message", "granted") in decisions
    assert ("events.outcome", "granted") in decisions


def test_a_confirmation_link_is_for_its_event_only(hub: EventsHub) -> None:
    with _client(hub) as anon:
        r = _register(anon, "workshop", name="Dora", email="dora@example.org", session="cancer")
        assert "Check your mail" in r.text
        link = hub.link(hub.mails("dora@example.org", 1)[0], "confirm")
        other = link.replace("/events/workshop/", "/events/closed-forum/")
        assert anon.get(other).status_code == 400
        assert "Register <strong>Dora</strong>" in anon.get(link).text


def test_coordinators_create_events_with_sessions_in_their_zone(hub: EventsHub) -> None:
    with _client(hub, "coco") as coco, _client(hub, "mallory") as mallory:
        assert mallory.get("/events/new").status_code == 403
        form = coco.get("/events/new")
        assert form.status_code == 200
        fields = {
            "id": "forum-2027",
            "name": "Forum 2027",
            "wp": "WP1",
            "organiser": "1+MG",
            "organiser_username": "olga",
            "timezone": "Europe/Brussels",
            "precision": "time",
            "start": "2027-03-28 02:30",
            "end": "2027-03-28 17:00",
            "registration": "1",
            "registration_deadline": "2027-03-20 12:00",
            "capacity": "40",
            "waiting_list": "1",
            "area-cancer": "1",
            "cap-cancer": "12",
            "area-industry": "1",
        }
        # 02:30 on 28 March 2027 does not exist in Brussels (clocks go forward)
        r = coco.post("/events/new", data={"csrf_token": _csrf(form.text), **fields})
        assert r.status_code == 400
        assert "does not exist in Europe/Brussels" in r.text
        assert 'value="Forum 2027"' in r.text  # the form keeps what was typed
        fields["start"] = "2027-03-28 09:30"
        r = coco.post("/events/new", data={"csrf_token": _csrf(r.text), **fields})
        assert r.status_code == 303
        assert r.headers["location"] == "/events/forum-2027"
        page = coco.get("/events/forum-2027?tz=UTC").text
        assert "Sun 28 March 2027, 07:30 to 15:00 UTC" in page
        assert "Sat 20 March 2027, 12:00 CET" in page  # winter time before the change
    service, web = _service(hub)
    try:
        event = service.get("forum-2027")
        assert [(s.key, s.capacity) for s in event.sessions] == [("cancer", 12), ("industry", None)]
        assert event.organiser_sub == web.sub_of("olga")
        assert event.capacity == 40
    finally:
        web.dispose()

"""Browser test 2 of issue 15, in Debian's Chromium against a real hub process and a real SMTP
server: register with a workshop session, get the .ics, fill the last place, wait, get promoted
after a cancellation; a registration after the deadline is refused. Every page passes axe-core.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from icalendar import Calendar

from onemg.community.events.wiring import build_service
from onemg.settings import Settings
from onemg.web.pages import WebServices
from tests.browser import assert_accessible
from tests.community.events_hub import PASSWORD, EventsHub, start_events_hub
from tests.mailserver import text_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EventsHub]:
    yield from start_events_hub(tmp_path_factory.mktemp("events-browser"))


def _shot(page, name: str) -> None:  # noqa: ANN001
    """Save a screenshot into $ONEMG_SCREENSHOTS (``make screenshots``: docs/images)."""
    folder = os.environ.get("ONEMG_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"events-{name}.png"), full_page=False)


def _ics(message) -> Calendar:  # noqa: ANN001
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invitation.ics"
    return Calendar.from_ical(part.get_content())


def _register(page, base: str, name: str, email: str, session: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/events/workshop")
    page.fill("#name", name)
    page.fill("#email", email)
    page.check(f"#s-{session}")
    page.click("button:has-text('Register')")


def _confirm_by_mail(page, hub: EventsHub, email: str, n: int) -> None:  # noqa: ANN001
    page.wait_for_selector("text=Check your mail")
    link = hub.link(hub.mails(email, n)[n - 1], "confirm")
    page.goto(link)
    assert_accessible(page)
    page.click("button:has-text('Confirm my registration')")
    page.wait_for_selector("#outcome-status")


def test_register_fill_wait_promote_and_the_deadline(browser, hub: EventsHub) -> None:  # noqa: ANN001
    base = hub.url
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    ana = phone.new_page()
    csp: list[str] = []
    ana.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)

    # The events table, on a phone, in the reader's chosen zone.
    ana.goto(f"{base}/events")
    assert ana.locator("table.events").first.is_visible()
    assert "Genome of Europe workshop" in ana.content()
    assert_accessible(ana)
    assert ana.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    ana.select_option("#tz", "America/New_York")
    ana.click("button:has-text('Use this zone')")
    ana.wait_for_url("**/events")
    ana.goto(f"{base}/events/workshop")
    deadline = ana.inner_text("#deadline")
    assert "EST" in deadline or "EDT" in deadline
    assert "EET" in deadline or "EEST" in deadline or "CET" in deadline  # and Central European
    assert_accessible(ana)
    assert ana.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # 1. Ana (no account) registers for the cancer workshop and confirms from the mail.
    _register(ana, base, "Ana Anonymous", "ana@example.org", "cancer")
    _confirm_by_mail(ana, hub, "ana@example.org", 1)
    assert "You are registered" in ana.inner_text("#outcome-status")
    registered = hub.mails("ana@example.org", 2)[1]
    assert "Registered:" in str(registered["Subject"])
    cal = _ics(registered)
    assert cal["METHOD"] == "REQUEST"
    [vevent] = cal.walk("VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Helsinki"
    service_view = WebServices.for_settings(Settings(data_dir=hub.data_dir))
    try:
        event = build_service(service_view).get("workshop")
    finally:
        service_view.dispose()
    assert vevent.decoded("DTSTART").astimezone(UTC) == event.starts_at
    assert "Cancer workshop" in str(vevent["SUMMARY"])
    assert str(vevent["ATTENDEE"]) == "mailto:ana@example.org"

    # 2. Bob, logged in with a confirmed address, takes the last cancer place at once.
    desk = browser.new_context(viewport={"width": 1100, "height": 900})
    bob = desk.new_page()
    bob.goto(f"{base}/login?next=/events/workshop")
    bob.fill("#username", "bob")
    bob.fill("#password", PASSWORD)
    bob.click("button:has-text('Log in')")
    bob.wait_for_url("**/events/workshop")
    assert bob.input_value("#email") == "bob@example.org"
    bob.fill("#name", "Bob Builder")
    bob.check("#s-cancer")
    bob.click("button:has-text('Register')")
    bob.wait_for_selector("#outcome-status")
    assert "You are registered" in bob.inner_text("#outcome-status")
    assert _ics(hub.mails("bob@example.org", 1)[0])["METHOD"] == "REQUEST"
    bob.goto(f"{base}/events/workshop")
    assert bob.inner_text("#free-cancer").strip() == "0"
    assert_accessible(bob)
    bob.locator("#sessions").scroll_into_view_if_needed()
    _shot(bob, "event")

    # 3. Carla is next: the cancer session is full, she goes to the waiting list.
    carla = phone.new_page()
    _register(carla, base, "Carla Queue", "carla@example.org", "cancer")
    _confirm_by_mail(carla, hub, "carla@example.org", 1)
    assert "number 1 on the waiting list" in carla.inner_text("#outcome-status")
    assert "Waiting list:" in str(hub.mails("carla@example.org", 2)[1]["Subject"])
    assert_accessible(carla)

    # 4. Ana cancels through the signed link in her mail; Carla is promoted and mailed.
    ana.goto(hub.link(registered, "cancel"))
    assert_accessible(ana)
    ana.click("button:has-text('Cancel my registration')")
    ana.wait_for_selector("text=Registration cancelled")
    cancelled = hub.mails("ana@example.org", 3)[2]
    assert _ics(cancelled)["METHOD"] == "CANCEL"
    promoted = hub.mails("carla@example.org", 3)[2]
    assert "You have a place" in str(promoted["Subject"])
    assert "a place at Genome of Europe workshop freed up" in text_of(promoted)
    assert _ics(promoted)["METHOD"] == "REQUEST"

    # 5. After the deadline: no form, a clear message, and a forged POST is refused too.
    late = phone.new_page()
    late.goto(f"{base}/events/closed-forum")
    assert "closed on" in late.inner_text("#closed")
    assert "(the deadline)" in late.inner_text("#closed")
    assert late.locator("form[action$='/register']").count() == 0
    assert_accessible(late)
    token = late.get_attribute("form.tz input[name=csrf_token]", "value")
    answer = late.request.post(
        f"{base}/events/closed-forum/register",
        form={"csrf_token": token, "name": "Late Larry", "email": "larry@example.org"},
        headers={"accept": "text/html"},
    )
    assert answer.status == 409
    assert "Registration refused" in answer.text()
    assert "(the deadline)" in answer.text()
    assert not hub.smtp.to("larry@example.org")

    # The organiser tools and the new-event form pass axe-core too (a coordinator).
    bob.goto(f"{base}/login?next=/events/workshop/manage")
    bob.fill("#username", "coco")
    bob.fill("#password", PASSWORD)
    bob.click("button:has-text('Log in')")
    bob.wait_for_url("**/events/workshop/manage")
    assert "Carla Queue" in bob.inner_text("main")
    assert_accessible(bob)
    bob.goto(f"{base}/events/new")
    assert_accessible(bob)

    # Every mail so far has a plain-text part.
    for message in hub.smtp.messages:
        assert text_of(message).strip()
    assert not csp, csp
    phone.close()
    desk.close()

"""A real hub process with events, accounts and a real SMTP server, for the events' end-to-end
tests (browser and HTTP attacks)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from onemg.community.events.service import SessionDraft
from onemg.community.events.wiring import build_service
from onemg.community.events.zones import in_zone
from onemg.datadir import creating
from onemg.demo.demo import hub_serve_argv
from onemg.demo.processes import ManagedProcess, free_port
from onemg.settings import Settings
from onemg.web.pages import WebServices
from tests.mailserver import SmtpServer, text_of

PASSWORD = "events-test-password"
TZ = "Europe/Helsinki"
#: Accounts: (username, e-mail, site roles)
ACCOUNTS = (
    ("olga", "olga@example.org", ()),  # the organiser of the workshop
    ("coco", "coco@example.org", ("coordinator",)),
    ("bob", "bob@example.org", ()),
    ("mallory", "mallory@example.org", ()),
)


@dataclass
class EventsHub:
    """The running hub: its URL, mail server and data directory."""

    url: str
    smtp: SmtpServer
    data_dir: Path
    process: ManagedProcess

    def mails(self, to: str, count: int) -> list[EmailMessage]:
        """Wait for ``count`` mails to ``to``; return them all."""
        return self.smtp.wait_for(count, to=to)

    def link(self, message: EmailMessage, kind: str) -> str:
        """The ``/confirm`` or ``/cancel`` link in a mail's plain-text part."""
        match = re.search(rf"(http://\S+/{kind}\?token=\S+)", text_of(message))
        assert match, f"no {kind} link in: {text_of(message)}"
        return match.group(1)


def _local(delta: timedelta, hour: str) -> str:
    return f"{in_zone(datetime.now(UTC) + delta, TZ).date()} {hour}"


def _seed(data_dir: Path) -> None:
    web = WebServices.for_settings(Settings(data_dir=data_dir))
    try:
        subs = {}
        for name, email, roles in ACCOUNTS:
            sub = web.accounts.create(name, PASSWORD).sub
            web.accounts.set_email(sub, email, verified=True)
            for role in roles:
                web.site_roles.grant(sub, role, at=int(time.time()))
            subs[name] = sub
        service = build_service(web)
        service.create(
            id="workshop",
            name="Genome of Europe workshop",
            timezone=TZ,
            start=_local(timedelta(days=20), "10:00"),
            end=_local(timedelta(days=20), "15:00"),
            wp="WP1",
            organiser="WP1 team",
            organiser_sub=subs["olga"],
            online=True,
            contact_email="wp1@example.org",
            registration=True,
            registration_opens=_local(timedelta(days=-2), "09:00"),
            registration_deadline=_local(timedelta(days=10), "12:00"),
            capacity=10,
            sessions=[
                SessionDraft("rare-disease", "Rare disease", 3),
                SessionDraft("cancer", "Cancer", 2),
            ],
        )
        service.create(
            id="closed-forum",
            name="Forum with a past deadline",
            timezone=TZ,
            start=_local(timedelta(days=5), "10:00"),
            end=_local(timedelta(days=5), "12:00"),
            wp="WP1",
            organiser="1+MG",
            registration=True,
            registration_deadline=_local(timedelta(days=-1), "12:00"),
            capacity=50,
        )
        service.create(
            id="past-meeting",
            name="Past meeting",
            timezone=TZ,
            precision="day",
            start=str((datetime.now(UTC) - timedelta(days=30)).date()),
            wp="WP4",
            organiser="WP4 team",
            organiser_sub=subs["olga"],
        )
    finally:
        web.dispose()


def start_events_hub(root: Path) -> Iterator[EventsHub]:
    """Seed a hub data directory, start ``onemg hub serve`` on it; stop it afterwards."""
    smtp = SmtpServer()
    smtp.start()
    data_dir = root / "hub"
    with creating(data_dir, "hub"):
        pass
    _seed(data_dir)
    port = free_port()
    config = root / "hub.toml"
    config.write_text(
        f'data_dir = "{data_dir}"\n\n[mail]\nsmtp_host = "{smtp.host}"\nsmtp_port = {smtp.port}\n'
        f'starttls = false\nsender = "1+MG hub <noreply@example.org>"\n'
        f'public_url = "http://127.0.0.1:{port}/"\n'
    )
    process = ManagedProcess(
        "hub",
        hub_serve_argv(config, port),
        ready_url=f"http://127.0.0.1:{port}/events.ics",
        log_path=root / "hub.log",
    )
    process.start()
    try:
        process.wait_ready(60)
        yield EventsHub(f"http://127.0.0.1:{port}", smtp, data_dir, process)
    finally:
        process.stop()
        smtp.stop()

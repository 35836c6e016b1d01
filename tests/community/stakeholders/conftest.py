"""Fixtures of the stakeholder portal tests: the portal over a real database with a real SMTP
server, and a real hub (uvicorn on a free loopback port) for the page and browser tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from onemg.community.stakeholders.context import Viewer
from onemg.community.stakeholders.registration import Profile
from onemg.community.stakeholders.service import StakeholderPortal
from onemg.community.stakeholders.wiring import build_portal
from onemg.mail import mailer_for
from onemg.settings import AccessSettings, MailSettings, Settings
from onemg.web.pages import WebServices
from onemg.web.signed_links import LinkSigner
from tests.appserver import free_port, serving
from tests.mailserver import SmtpServer

PASSWORD = "correct horse battery"


class Clock:
    """A clock the test moves by hand (epoch seconds)."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class Hub:
    """The portal on a hub database, with helpers to make people."""

    web: WebServices
    portal: StakeholderPortal
    clock: Clock
    smtp: SmtpServer

    def account(self, name: str, *, roles: tuple[str, ...] = (), email: bool = True) -> Viewer:
        """An account (with a confirmed address) holding the site ``roles``."""
        sub = self.web.accounts.create(name, PASSWORD).sub
        if email:
            self.web.accounts.set_email(sub, f"{name}@example.org", verified=True)
        for role in roles:
            self.web.site_roles.grant(sub, role, at=int(self.clock()))
        return Viewer(sub, frozenset(roles))

    def member(
        self,
        name: str,
        *,
        roles: tuple[str, ...] = ("early_reviewer",),
        groups: tuple[str, ...] = ("academics",),
        named: bool = False,
        listed: bool = False,
        coordinator: Viewer,
        country: str = "FI",
        expertise: tuple[str, ...] = ("rare diseases",),
    ) -> Viewer:
        """An approved member (registered, confirmed and approved by ``coordinator``)."""
        who = self.account(name)
        self.portal.registrations.register(
            who.sub,
            profile(
                name,
                roles=roles,
                groups=groups,
                named=named,
                listed=listed,
                country=country,
                expertise=expertise,
            ),
            consent=True,
        )
        self.portal.registrations.decide(coordinator, who.sub, approve=True)
        return Viewer(who.sub, frozenset({"stakeholder"}))


def profile(
    name: str,
    *,
    roles: tuple[str, ...] = ("early_reviewer",),
    groups: tuple[str, ...] = ("academics",),
    named: bool = False,
    listed: bool = False,
    country: str = "FI",
    expertise: tuple[str, ...] = ("rare diseases",),
) -> Profile:
    """A valid registration profile."""
    return Profile(
        name=f"{name.title()} Person",
        organisation=f"{name} institute",
        country=country,
        groups=groups,
        expertise=expertise,
        roles=roles,
        directory_opt_in=listed,
        named_in_reports=named,
    )


@pytest.fixture
def hub(tmp_path: Path, db_url: str, smtp_server: SmtpServer) -> Iterator[Hub]:
    """The portal over SQLite and PostgreSQL, mailing to a local SMTP server."""
    settings = Settings(data_dir=tmp_path / "hub", database_url=db_url).replace(
        mail=MailSettings(**smtp_server.mail_settings())
    )
    web = WebServices.for_settings(settings)
    clock = Clock()
    mailer = mailer_for(settings)
    signer = LinkSigner(b"k" * 32)
    service = build_portal(web, mailer=lambda: mailer, signer=lambda: signer)
    service.deps.clock = clock
    yield Hub(web, service, clock, smtp_server)
    web.dispose()


@dataclass
class LiveHub:
    """A running hub: its URL, its data directory and its services (same database)."""

    url: str
    web: WebServices
    smtp: SmtpServer
    settings: Settings

    def portal(self) -> StakeholderPortal:
        """The portal's services over the hub's database (mailing the local SMTP server)."""
        mailer = mailer_for(self.settings)
        return build_portal(
            self.web,
            mailer=lambda: mailer,
            signer=lambda: LinkSigner.for_data_dir(self.settings.data_dir),
        )

    def account(self, name: str, *, roles: tuple[str, ...] = ()) -> str:
        """Make an account with a confirmed address and site ``roles``; its subject."""
        sub = self.web.accounts.create(name, PASSWORD).sub
        self.web.accounts.set_email(sub, f"{name}@example.org", verified=True)
        for role in roles:
            self.web.site_roles.grant(sub, role, at=int(time.time()))
        return sub


@pytest.fixture
def live_hub(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[LiveHub]:
    """A real hub on a free loopback port, mailing to the local SMTP server."""
    from onemg.network.config import NetworkConfig
    from onemg.web.hub_app import create_hub_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=tmp_path / "hub").replace(
        access=AccessSettings(public_url=base + "/"),
        mail=MailSettings(**smtp_server.mail_settings(public_url=base + "/")),
    )
    app = create_hub_app(settings, NetworkConfig(), refresh_on_start=False)
    web = WebServices.for_settings(settings)
    with serving(app, port):
        yield LiveHub(base, web, smtp_server, settings)
    web.dispose()


MakeHub = Callable[..., Hub]

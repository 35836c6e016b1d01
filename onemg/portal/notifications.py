"""E-mail notifications of application state changes (submitted, returned, approved, ...).

Each national committee decides at its own node, and a node knows applicants only by their
pseudonymous subject; their e-mail addresses stay on the hub. So the hub watches: every
application sent through the portal is remembered with the last state the hub saw
(``portal_application_watch``). :class:`ApplicationNotifier` asks each node, with a passport the
broker mints for that node only (audited as ``broker.passport`` with origin ``hub-notifier``),
for the applicant's applications, and mails the applicant's **confirmed** address when a state
changed. The new state is recorded only after the mail went out (or when there is nobody to
mail), so a mail server that is down delays a notification but does not lose it.

The hub runs the check every ``[mail] notify_interval_s`` seconds; ``onemg hub notify`` runs it
once (for cron, or after a committee decision in a test).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine, select

from onemg.db import make_sessionmaker
from onemg.errors import OnemgError
from onemg.mail import Mailer, MailError, compose
from onemg.network.config import MemberConfig
from onemg.portal.applying import NodeApplications
from onemg.portal.tables import ApplicationWatch

log = logging.getLogger(__name__)

#: States after which nothing more happens to an application (the hub stops asking).
FINAL_STATES = frozenset({"rejected", "closed", "vetoed", "revoked", "expired"})

#: What each state means for the applicant, in plain words.
STATE_WORDS: dict[str, str] = {
    "submitted": "was received by the committee",
    "returned": "was returned to you for changes: correct the form and submit it again",
    "approved": "was approved: you can now query and download the data",
    "rejected": "was rejected by the committee",
    "closed": "was closed",
    "vetoed": "was vetoed by the national authority",
    "revoked": "had its access revoked",
    "expired": "has expired",
}


class Watches:
    """The applications the hub watches, with the last state it saw."""

    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.time) -> None:
        self._session = make_sessionmaker(engine)
        self._clock = clock

    def remember(self, sub: str, member_id: str, app_id: str, state: str) -> None:
        """Record ``state`` as the last one seen of an application (insert or update)."""
        with self._session.begin() as s:
            row = s.get(ApplicationWatch, (sub, member_id, app_id))
            if row is None:
                s.add(ApplicationWatch(sub=sub, member_id=member_id, app_id=app_id, state=state,
                                       seen_at=int(self._clock())))
            else:
                row.state, row.seen_at = state, int(self._clock())

    def open(self) -> dict[tuple[str, str], dict[str, str]]:
        """``{(sub, member_id): {app_id: state}}`` of every application not yet final."""
        out: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        with self._session() as s:
            for row in s.scalars(select(ApplicationWatch)
                                 .where(ApplicationWatch.state.not_in(FINAL_STATES))):
                out[(row.sub, row.member_id)][row.app_id] = row.state
        return dict(out)

    def state(self, sub: str, member_id: str, app_id: str) -> str | None:
        """The last state seen, or None when not watched."""
        with self._session() as s:
            row = s.get(ApplicationWatch, (sub, member_id, app_id))
            return row.state if row else None


@dataclass
class NotifyReport:
    """What one round of checks did."""

    checked: int = 0
    changed: int = 0
    mailed: int = 0
    #: Members that could not be asked, or mails that could not be sent (retried next round).
    failed: int = 0


def _one_line(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def notification(mailer: Mailer, to: str, member: MemberConfig, app: dict[str, Any]) -> Any:
    """The mail telling ``to`` that application ``app`` at ``member`` reached its state."""
    state = str(app.get("state"))
    title = _one_line(str((app.get("form") or {}).get("title") or app["id"]))
    where = f"the {member.country} node ({member.id})" if member.country else member.id
    link = mailer.link(f"applications/{member.id}/{app['id']}")
    words = STATE_WORDS.get(state, f"is now {state}")
    text = (
        f"Your access application \"{title}\" to {where} {words}.\n\n"
        f"Datasets: {', '.join(app.get('datasets') or [])}\n"
        f"See the application, the committee's comments and what to do next:\n{link}\n\n"
        "You get this mail because you applied through the 1+MG hub.\n"
    )
    return compose(sender=mailer.sender, to=to, subject=f"Application {state}: {title}",
                   text=text)


class ApplicationNotifier:
    """Finds state changes of watched applications at the nodes and mails the applicants."""

    def __init__(
        self,
        *,
        access: Any,
        members: Sequence[MemberConfig],
        watches: Watches,
        mailer: Mailer,
        http: httpx.AsyncClient,
    ) -> None:
        self._access = access
        self._members = {m.id: m for m in members}
        self._watches = watches
        self._mailer = mailer
        self._http = http

    async def _passport(self, sub: str, member: MemberConfig) -> str:
        access = self._access
        identity = await access.io.run(access.accounts.identity, sub)
        passport = await access.broker.member_passport(
            identity, member.passport_audience, node_urls=[member.passport_audience],
            http=access.http)
        await access.io.run(lambda: access.audit.record(
            user=sub, action="broker.passport", resource=member.passport_audience,
            result="granted", origin="hub-notifier"))
        return passport

    async def check_once(self) -> NotifyReport:
        """Ask the nodes about every open application once; mail each change."""
        report = NotifyReport()
        for (sub, member_id), known in self._watches.open().items():
            member = self._members.get(member_id)
            if member is None:
                continue
            try:
                passport = await self._passport(sub, member)
                apps = await NodeApplications(self._http, member, passport).mine()
            except OnemgError as exc:
                # An account deleted since, or a node down: try again next round.
                log.warning("notifier: cannot ask %s about %d application(s): %s",
                            member_id, len(known), exc)
                report.failed += 1
                continue
            for app in apps:
                if app.get("id") not in known:
                    continue
                report.checked += 1
                if app.get("state") == known[app["id"]]:
                    continue
                report.changed += 1
                if await self._mail(sub, member, app, report):
                    self._watches.remember(sub, member_id, app["id"], str(app["state"]))
        return report

    async def _mail(self, sub: str, member: MemberConfig, app: dict[str, Any],
                    report: NotifyReport) -> bool:
        address = await self._access.io.run(self._access.accounts.verified_email, sub)
        if address is None:
            return True  # nobody to tell; the page shows the state
        try:
            message = notification(self._mailer, address, member, app)
            await asyncio.to_thread(self._mailer.send, message)
        except MailError as exc:
            log.warning("notifier: mail about application %s not sent: %s", app["id"], exc)
            report.failed += 1
            return exc.permanent  # a bouncing address: do not retry for ever
        report.mailed += 1
        return True

    async def run_forever(self, interval_s: float) -> None:
        """Check now, then every ``interval_s`` seconds until cancelled; failures are logged."""
        while True:
            try:
                await self.check_once()
            except Exception:  # the loop must survive one bad round
                log.exception("notifier: a round of checks failed")
            await asyncio.sleep(interval_s)


async def notify_once(settings: Any, network: Any) -> NotifyReport:
    """One round of checks for a hub (``settings``, ``network``), outside the hub process.

    What ``onemg hub notify`` runs: the same checks as the hub's own loop, with the hub's
    database, signing key and ``[mail]`` settings.
    """
    from onemg.access.api import build_hub_access
    from onemg.db import open_database
    from onemg.mail import mailer_for

    engine = open_database(settings.db_url)
    members = list(network.enabled_members)
    try:
        async with httpx.AsyncClient(trust_env=False) as http:
            access = build_hub_access(settings, engine=engine, http=http,
                                      node_urls=lambda: [m.passport_audience for m in members])
            notifier = ApplicationNotifier(access=access, members=members,
                                           watches=Watches(engine), mailer=mailer_for(settings),
                                           http=http)
            return await notifier.check_once()
    finally:
        engine.dispose()

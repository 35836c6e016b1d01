"""What the portal's services share: the store, the hub's accounts, roles, audit and mail."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from onemg.community.stakeholders.store import StakeholderStore
from onemg.errors import AccessDeniedError
from onemg.security import AuditSink

ORIGIN = "hub-stakeholders"


@dataclass(frozen=True)
class Viewer:
    """Who is asking: an account's subject and site roles (None: a visitor)."""

    sub: str
    roles: frozenset[str] = frozenset()
    is_admin: bool = False

    def has(self, *roles: str) -> bool:
        """True when the viewer holds one of ``roles`` (administrators hold them all)."""
        return self.is_admin or any(r in self.roles for r in roles)

    @property
    def coordinator(self) -> bool:
        """A stakeholder coordinator (or an administrator)."""
        return self.has("coordinator")


def require(viewer: Viewer | None, *roles: str) -> Viewer:
    """``viewer`` if they hold one of ``roles``; AccessDeniedError otherwise."""
    if viewer is None or not viewer.has(*roles):
        raise AccessDeniedError(f"this needs the {' or '.join(roles)} role")
    return viewer


@dataclass
class Deps:
    """The collaborators of every portal service (built once per app, see :mod:`.wiring`).

    ``mailer``/``signer`` are providers (the hub makes them on first use); ``send`` is how a
    composed message leaves (the mailer's, unless a test swaps it).
    """

    store: StakeholderStore
    audit: AuditSink
    accounts: Any
    site_roles: Any
    usernames: Callable[[str], str]
    mailer: Callable[[], Any]
    signer: Callable[[], Any]
    clock: Callable[[], float] = field(default=time.time)
    #: The community site's event service provider (workshops), None without the events part.
    events: Callable[[], Any] | None = None

    def now(self) -> int:
        """The current time, epoch seconds."""
        return int(self.clock())

    def record(
        self, actor: str | None, action: str, resource: str, result: str, reason: str = ""
    ) -> None:
        """Append one audit entry (pseudonymous subjects only, never names or addresses)."""
        self.audit.record(
            user=actor,
            action=action,
            resource=resource,
            result=result,
            reason=reason,
            origin=ORIGIN,
        )

    def mail(self, to_sub: str, subject: str, text: str) -> bool:
        """Mail an account at its confirmed address; False when it has none."""
        from onemg.mail import compose

        address = self.accounts.verified_email(to_sub)
        if address is None:
            return False
        mailer = self.mailer()
        message: EmailMessage = compose(
            sender=mailer.sender, to=address, subject=subject, text=text
        )
        mailer.send(message)
        return True

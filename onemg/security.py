"""The contract between request handlers (Beacon, htsget, hub) and controlled access.

Handlers ask a :class:`CredentialVerifier` who the caller is, decide with the :class:`Principal`
it returns, and record every decision in an :class:`AuditSink`. The access capability supplies the
real verifier (GA4GH passports and visas) and the hash-chained audit log; until it is configured a
node runs with :class:`PublicOnlyVerifier`, which serves the PUBLIC tier only.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from onemg.errors import AuthenticationError

Tier = Literal["PUBLIC", "REGISTERED", "CONTROLLED"]
TIERS: tuple[Tier, ...] = ("PUBLIC", "REGISTERED", "CONTROLLED")


@dataclass(frozen=True)
class Principal:
    """Who is asking, as established from verified credentials.

    ``subject`` is a pseudonymous id (never an e-mail or name); ``None`` means anonymous.
    ``registered`` is true when a valid ResearcherStatus visa was presented; ``datasets``
    holds the ids of datasets with a valid ControlledAccessGrants visa.
    """

    subject: str | None = None
    registered: bool = False
    datasets: frozenset[str] = field(default_factory=frozenset)
    #: Effective expiry (epoch seconds): the minimum over the accepted passport and visas.
    expires_at: int | None = None

    @property
    def authenticated(self) -> bool:
        """True when credentials were presented and verified."""
        return self.subject is not None

    def tiers_for(self, dataset_id: str) -> frozenset[Tier]:
        """The access tiers this principal holds for ``dataset_id``."""
        tiers: set[Tier] = {"PUBLIC"}
        if self.registered or dataset_id in self.datasets:
            tiers.add("REGISTERED")
        if dataset_id in self.datasets:
            tiers.add("CONTROLLED")
        return frozenset(tiers)


ANONYMOUS = Principal()


#: True while a caller that records its own denial of a refused credential (the Beacon routes,
#: which log the request's scope with it) runs a verifier: the verifier then records nothing,
#: so a request with a bad token leaves one denial in the audit log, not two (issue 11 §5).
caller_audits_refusal: ContextVar[bool] = ContextVar("caller_audits_refusal", default=False)


class CredentialVerifier(Protocol):
    """Turns an ``Authorization`` bearer token into a :class:`Principal`."""

    async def verify(self, token: str | None) -> Principal:
        """Return ``ANONYMOUS`` for no token; raise ``AuthenticationError`` for a bad one."""
        ...


class AuditSink(Protocol):
    """Append-only record of access decisions and workflow events."""

    def record(
        self,
        *,
        user: str | None,
        action: str,
        resource: str,
        result: str,
        reason: str = "",
        origin: str | None = None,
    ) -> None:
        """Append one entry. ``user`` is pseudonymous; never pass tokens or personal data."""
        ...


class PublicOnlyVerifier:
    """The verifier of a node with no trusted issuers: anonymous callers only."""

    async def verify(self, token: str | None) -> Principal:
        if token:
            raise AuthenticationError(
                "this node trusts no passport issuers yet, so it cannot verify the bearer "
                "token; send the request without Authorization, or configure [access] "
                "trusted_issuers"
            )
        return ANONYMOUS


class DeferredVerifier:
    """A :class:`CredentialVerifier` whose real verifier is built on the first token.

    Anonymous requests never build it (no database or key is opened to serve public tiers).
    """

    def __init__(self, get: Callable[[], CredentialVerifier]) -> None:
        self._get = get

    async def verify(self, token: str | None) -> Principal:
        if not token:
            return ANONYMOUS
        return await self._get().verify(token)


class DeferredAudit:
    """An :class:`AuditSink` whose real sink is built on the first entry."""

    def __init__(self, get: Callable[[], AuditSink]) -> None:
        self._get = get

    def record(self, **entry: Any) -> None:
        self._get().record(**entry)


class IncompleteCredential(str):
    """A credential minted while one of its sources failed (e.g. a member's visa issuer was
    unreachable, so that member's grants are missing): good for the request at hand, never to
    be cached and reused (see :class:`onemg.network.credentials.CachedCredentials`)."""

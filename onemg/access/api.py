"""Wiring of the access capability for the node and hub app factories and the CLI.

``build_node_access`` / ``build_hub_access`` assemble stores, keys, the clearinghouse, the
workflow service and the audit log from one :class:`~onemg.settings.Settings`; the web factories
keep the result on ``app.state`` and mount :func:`~onemg.access.routes_node.node_router` /
:func:`~onemg.access.routes_hub.hub_router`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine

from onemg.access.accounts import LocalAccounts
from onemg.access.applications import ROLES, Actor, ApplicationService
from onemg.access.audit import ANCHOR_FILE, AnchorFile, HashChainAudit
from onemg.access.broker import Broker
from onemg.access.clearinghouse import PassportVerifier
from onemg.access.duo import DataUse
from onemg.access.entitlements import entitlement_check, issue_visas, node_issuer, node_jku
from onemg.access.keys import SigningKey, jwks, load_or_create_key
from onemg.access.store import (
    AccountStore,
    AuditRecord,
    AuditStore,
    EntitlementRecord,
    EntitlementStore,
    EventStore,
    RoleStore,
    ThrottleStore,
)
from onemg.access.throttle import LoginThrottle
from onemg.access.trust import JwksCache
from onemg.errors import AccessDeniedError
from onemg.security import AuditSink
from onemg.settings import Settings
from onemg.threads import ThreadLimit, cpu_bound_limit, io_bound_limit

NODE_KEY_FILE = Path("keys") / "node-visa-signing.pem"
HUB_KEY_FILE = Path("keys") / "hub-signing.pem"


def node_key(settings: Settings) -> SigningKey:
    """The node's visa signing key (created on first use under ``data_dir/keys``)."""
    return load_or_create_key(settings.data_dir / NODE_KEY_FILE)


def hub_key(settings: Settings) -> SigningKey:
    """The hub's passport signing key (created on first use under ``data_dir/keys``)."""
    return load_or_create_key(settings.data_dir / HUB_KEY_FILE)


def anchored_audit(settings: Settings, engine: Engine,
                   clock: Callable[[], float] = time.time) -> HashChainAudit:
    """The hash-chained audit log in ``engine``, anchored to ``data_dir/audit-anchors.jsonl``."""
    return HashChainAudit(AuditStore(engine), clock=clock,
                          anchor=AnchorFile(settings.data_dir / ANCHOR_FILE, clock=clock))


@dataclass
class NodeAccess:
    """Everything a node needs for controlled access; lives on ``app.state.access``."""

    settings: Settings
    key: SigningKey
    verifier: PassportVerifier
    audit: AuditSink
    applications: ApplicationService
    entitlements: EntitlementStore
    roles: RoleStore
    clock: Callable[[], float] = time.time
    #: Worker threads for the access routes' SQL (few: SQLite has one writer, and the audit
    #: chain's writers race for its head).
    io: ThreadLimit = field(default_factory=io_bound_limit)
    #: The hash-chained audit log's table, read for an application's audit trail.
    audit_store: AuditStore | None = None

    @property
    def issuer(self) -> str:
        """This node's visa issuer URL."""
        return node_issuer(self.settings.access.public_url)

    def jwks(self) -> dict:
        """This node's public JWKS."""
        return jwks(self.key)

    def visible_entitlements(self, who: Actor, user: str | None,
                             dataset: str | None) -> list[EntitlementRecord]:
        """Entitlements ``who`` may see: their own, or anyone's (``user``) for DAC members."""
        if not who.roles:
            user = who.subject
        return self.entitlements.find(subject=user, dataset_id=dataset)

    def audit_trail(self, app_id: str, who: Actor, *, limit: int = 200) -> list[AuditRecord]:
        """The audit log's entries about application ``app_id``, newest first (committee
        members only: the log names committee members and the refusals of forged actions).

        Raises:
            AccessDeniedError: ``who`` holds no committee role.
            NotFoundError: no such application.
        """
        if not who.roles & set(ROLES):
            raise AccessDeniedError("only the data access committee reads the audit trail")
        self.applications.get(app_id, who)
        if self.audit_store is None:
            return []
        return self.audit_store.about(f"application:{app_id}", limit=limit)

    def permissions(self, who: Actor, user: str) -> list[str]:
        """``user``'s current ControlledAccessGrants visas, read by ``who`` (audited).

        Users may read their own; handlers anyone's.

        Raises:
            AccessDeniedError: ``who`` is neither ``user`` nor a handler.
        """
        if who.subject != user and "handler" not in who.roles:
            self.audit.record(user=who.subject, action="permissions.read",
                              resource=f"user:{user}", result="denied",
                              reason="not self and not handler", origin=who.origin)
            raise AccessDeniedError("you can only fetch your own permissions")
        visas = issue_visas(self.entitlements, user, key=self.key,
                            public_url=self.settings.access.public_url, clock=self.clock)
        self.audit.record(user=who.subject, action="permissions.read", resource=f"user:{user}",
                          result="granted", reason=f"{len(visas)} visas", origin=who.origin)
        return visas


def build_node_access(
    settings: Settings,
    *,
    engine: Engine,
    http: httpx.AsyncClient,
    clock: Callable[[], float] = time.time,
    known_datasets: Callable[[], Iterable[str]] | None = None,
    data_use: Callable[[str], DataUse | None] | None = None,
    key: SigningKey | None = None,
    audit: AuditSink | None = None,
    request_audit: AuditSink | None = None,
) -> NodeAccess:
    """Assemble the node side: visa issuer key, clearinghouse, DAC workflow, audit.

    The clearinghouse trusts ``settings.access.trusted_issuers`` plus the node's own visa issuer
    (its keys are known locally, never fetched) and re-checks its own grants against the
    entitlement table. ``audit`` defaults to the hash-chained log in the same database;
    ``request_audit`` (default ``audit``) takes the clearinghouse's per-request decisions, so a
    node can buffer those (:class:`~onemg.access.audit.BufferedAudit`) while the DAC workflow
    writes its events synchronously.
    """
    key = key or node_key(settings)
    audit = audit or anchored_audit(settings, engine, clock)
    entitlements = EntitlementStore(engine)
    public_url = settings.access.public_url
    cache = JwksCache(http, clock=clock, static={node_jku(public_url): jwks(key)})
    verifier = PassportVerifier(
        settings.access, jwks=cache, clock=clock, known_datasets=known_datasets,
        own_issuer=node_issuer(public_url), own_jku=node_jku(public_url),
        entitlements=entitlement_check(entitlements), audit=request_audit or audit,
    )
    applications = ApplicationService(
        events=EventStore(engine), entitlements=entitlements, audit=audit,
        access=settings.access, clock=clock, known_datasets=known_datasets, data_use=data_use,
    )
    return NodeAccess(settings=settings, key=key, verifier=verifier, audit=audit,
                      applications=applications, entitlements=entitlements,
                      roles=RoleStore(engine), clock=clock, audit_store=AuditStore(engine))


@dataclass
class HubAccess:
    """Everything the hub needs for login and brokering; lives on ``app.state.access``."""

    broker: Broker
    accounts: LocalAccounts
    audit: HashChainAudit
    http: httpx.AsyncClient
    throttle: LoginThrottle
    #: Base URLs of the member nodes whose visa issuers the broker asks.
    node_urls: Callable[[], Sequence[str]] = field(default=lambda: ())
    #: Worker threads for password hashing (CPU-bound) and for SQL (I/O-bound).
    cpu: ThreadLimit = field(default_factory=cpu_bound_limit)
    io: ThreadLimit = field(default_factory=io_bound_limit)
    #: Called with a subject each time it takes a new passport, so whatever the hub keeps of
    #: that subject's credentials (the fan-out's passport cache) is refreshed: a researcher who
    #: was just approved takes a new passport and expects the hub to see the grant at once.
    passport_issued: list[Callable[[str], None]] = field(default_factory=list)


def build_hub_access(
    settings: Settings,
    *,
    engine: Engine,
    http: httpx.AsyncClient,
    node_urls: Callable[[], Sequence[str]] = lambda: (),
    clock: Callable[[], float] = time.time,
    key: SigningKey | None = None,
) -> HubAccess:
    """Assemble the hub side. Its issuer is ``settings.access.public_url``."""
    issuer = node_issuer(settings.access.public_url)
    broker = Broker(key=key or hub_key(settings), issuer=issuer,
                    jwks_url=hub_jwks_url(issuer), clock=clock)
    audit = anchored_audit(settings, engine, clock)
    throttle = LoginThrottle(ThrottleStore(engine), audit=audit, clock=clock)
    return HubAccess(broker=broker, accounts=LocalAccounts(AccountStore(engine), clock=clock),
                     audit=audit, http=http, throttle=throttle, node_urls=node_urls)


def hub_jwks_url(issuer: str) -> str:
    """Where the hub publishes its JWKS (the ``jku`` nodes allow-list for the hub)."""
    return node_issuer(issuer) + "oidc/jwks"

"""The hub's access service: login, token exchange, user info, terms and researcher status.

Every rule of the hub's ``/oidc/*`` API lives here, and every decision is audited here, granted
or denied, so the routes (``routes_hub``) only parse, call one method and answer, and the CLI
(``onemg access grant-researcher``) records exactly what the HTTP route records.

Blocking work never runs on the event loop: password hashing goes to a small CPU-bound thread
limit, SQL (accounts, throttle, audit) to an I/O-bound one (:mod:`onemg.threads`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from onemg.access.accounts import Identity, LocalAccounts
from onemg.access.api import HubAccess
from onemg.access.broker import ACCESS_TOKEN_TTL_S, PASSPORT_SCOPE, PASSPORT_TTL_S
from onemg.errors import AccessDeniedError, AuthenticationError, InvalidInputError
from onemg.security import AuditSink

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
PASSPORT_TOKEN_TYPE = "urn:ga4gh:params:oauth:token-type:passport"
ORIGIN = "hub-api"


class UnknownAudienceError(InvalidInputError):
    """The requested passport audience is not a member of this network."""

    #: RFC 8693 §2.2.2: the requested target is unknown to the authorisation server.
    oauth_error = "invalid_target"


@dataclass(frozen=True)
class LoginResult:
    """A successful login: the access token for the broker."""

    access_token: str
    sub: str
    expires_in: int = ACCESS_TOKEN_TTL_S
    scope: str = PASSPORT_SCOPE


@dataclass(frozen=True)
class PassportResult:
    """A passport minted for one member node."""

    passport: str
    audience: str
    expires_in: int = PASSPORT_TTL_S


def canonical_member_url(url: str) -> str:
    """A member's base URL as passports name it: ``scheme://host[:port]/``, without ``/api``.

    ``http://127.0.0.1:8101``, ``http://127.0.0.1:8101/`` and ``http://127.0.0.1:8101/api/``
    are the same member.
    """
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    path = path.removesuffix("/api")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}/"


def member_audience(audience: str, members: Sequence[str]) -> str:
    """The member passport audience that ``audience`` names.

    Raises:
        UnknownAudienceError: ``audience`` is no registered member; the message lists them.
    """
    wanted = canonical_member_url(audience) if audience.strip() else ""
    for member in members:
        if canonical_member_url(member) == wanted:
            return member
    valid = ", ".join(members) or "(none: this hub has no members)"
    raise UnknownAudienceError(
        f"audience {audience[:200]!r} is not a member node of this network; use one of: {valid}"
    )


def change_researcher_status(
    accounts: LocalAccounts,
    audit: AuditSink,
    *,
    actor: str,
    username: str,
    granted: bool,
    origin: str,
    by: str = "so",
) -> str:
    """Grant or withdraw bona fide researcher status, and audit it; returns the subject.

    The one implementation behind the admin HTTP route and ``onemg access grant-researcher``.
    """
    sub = accounts.sub_of(username)
    if granted:
        accounts.grant_researcher_status(sub, by=by)
    else:
        accounts.revoke_researcher_status(sub)
    audit.record(
        user=actor,
        action="admin.researcher-status",
        resource=f"user:{sub}",
        result="granted" if granted else "revoked",
        reason=f"by={by}" if granted else "",
        origin=origin,
    )
    return sub


class HubService:
    """The hub's rules over one :class:`~onemg.access.api.HubAccess`."""

    def __init__(self, access: HubAccess) -> None:
        self._a = access

    async def _audit(self, **entry: Any) -> None:
        await self._a.io.run(lambda: self._a.audit.record(origin=ORIGIN, **entry))

    # -- login -------------------------------------------------------------------------------

    async def login(self, username: str, password: str, *, client: str) -> LoginResult:
        """Check a username and password, within the rate limits.

        Unknown and known usernames take the same path (a dummy hash is checked for unknown
        ones, and both are counted and locked out alike), so neither the answer nor its timing
        tells whether an account exists.

        Raises:
            RateLimitedError: the account or the client is locked out (429, ``Retry-After``).
            AuthenticationError: wrong username or password (audited).
        """
        a = self._a
        had_failures = await a.io.run(a.throttle.check, username, client)
        try:
            identity = await a.cpu.run(a.accounts.authenticate, username, password)
        except AuthenticationError:
            await a.io.run(self._login_failed, username, client)
            raise
        await a.io.run(self._login_ok, username, identity, had_failures)
        token = await a.cpu.run(a.broker.access_token, identity)
        return LoginResult(access_token=token, sub=identity.sub)

    def _login_failed(self, username: str, client: str) -> None:
        self._a.audit.record(
            user=None,
            action="auth.login",
            resource="hub",
            result="denied",
            reason="wrong username or password",
            origin=ORIGIN,
        )
        self._a.throttle.failed(username, client)

    def _login_ok(self, username: str, identity: Identity, had_failures: bool) -> None:
        if had_failures:
            self._a.throttle.succeeded(username)
        self._a.audit.record(
            user=identity.sub, action="auth.login", resource="hub", result="granted", origin=ORIGIN
        )

    # -- bearer tokens -----------------------------------------------------------------------

    async def identity(self, token: str | None, *, action: str) -> Identity:
        """The caller behind a hub access token; a refused token is audited under ``action``.

        Raises:
            AuthenticationError: no token, or a forged, expired or orphaned one.
        """
        return await self._a.io.run(self._identity, token, action)

    def _identity(self, token: str | None, action: str) -> Identity:
        try:
            if not token:
                raise AuthenticationError(
                    "send Authorization: Bearer <access token from /oidc/login>"
                )
            return self._a.accounts.identity(self._a.broker.subject_of(token))
        except AuthenticationError as exc:
            self._a.audit.record(
                user=None,
                action=action,
                resource="hub",
                result="denied",
                reason=f"401: {exc}",
                origin=ORIGIN,
            )
            raise

    # -- broker ------------------------------------------------------------------------------

    async def exchange(
        self,
        *,
        grant_type: str,
        subject_token: str,
        subject_token_type: str,
        requested_token_type: str,
        audience: str,
    ) -> PassportResult:
        """RFC 8693 token exchange: a hub access token for a passport scoped to one member.

        Raises:
            InvalidInputError: another grant or token type.
            AuthenticationError: the subject token is refused (audited).
            UnknownAudienceError: ``audience`` is not a member node (audited).
        """
        if grant_type != TOKEN_EXCHANGE or requested_token_type != PASSPORT_TOKEN_TYPE:
            raise InvalidInputError(f"only {TOKEN_EXCHANGE} to {PASSPORT_TOKEN_TYPE} is supported")
        if subject_token_type != ACCESS_TOKEN_TYPE:
            raise InvalidInputError(f"subject_token_type must be {ACCESS_TOKEN_TYPE}")
        identity = await self.identity(subject_token, action="broker.passport")
        members = list(self._a.node_urls())
        try:
            target = member_audience(audience, members)
        except UnknownAudienceError:
            # The caller's value is not echoed into the log (it may hold anything).
            await self._audit(
                user=identity.sub,
                action="broker.passport",
                resource="hub",
                result="denied",
                reason="audience is not a member node",
            )
            raise
        passport = await self._a.broker.member_passport(
            identity, target, node_urls=members, http=self._a.http
        )
        await self._audit(
            user=identity.sub, action="broker.passport", resource=target, result="granted"
        )
        for listener in self._a.passport_issued:
            listener(identity.sub)
        return PassportResult(passport=passport, audience=target)

    async def userinfo(self, token: str | None) -> dict[str, Any]:
        """The caller's subject and current visas (AAI 1.0 UserInfo)."""
        identity = await self.identity(token, action="broker.userinfo")
        visas = await self._a.broker.collect_visas(identity, self._a.node_urls(), self._a.http)
        await self._audit(
            user=identity.sub,
            action="broker.userinfo",
            resource="hub",
            result="granted",
            reason=f"{len(visas)} visas",
        )
        return {"sub": identity.sub, "ga4gh_passport_v1": visas}

    async def accept_terms(self, token: str | None) -> None:
        """Record that the caller accepted the Registered Access terms."""
        identity = await self.identity(token, action="auth.accept-terms")
        await self._a.io.run(self._a.accounts.accept_terms, identity.sub)
        await self._audit(
            user=identity.sub, action="auth.accept-terms", resource="hub", result="ok"
        )

    # -- administration ----------------------------------------------------------------------

    async def set_researcher_status(
        self, token: str | None, username: str, *, granted: bool
    ) -> None:
        """An administrator grants or withdraws ``username``'s researcher status.

        Raises:
            AuthenticationError: the token is refused (audited).
            AccessDeniedError: the caller is no administrator (audited).
            NotFoundError: no such account.
        """
        admin = await self.identity(token, action="admin.researcher-status")
        if not admin.is_admin:
            await self._audit(
                user=admin.sub,
                action="admin.researcher-status",
                resource="hub",
                result="denied",
                reason="not an administrator",
            )
            raise AccessDeniedError("only hub administrators can change researcher status")
        await self._a.io.run(
            lambda: change_researcher_status(
                self._a.accounts,
                self._a.audit,
                actor=admin.sub,
                username=username,
                granted=granted,
                origin=ORIGIN,
            )
        )

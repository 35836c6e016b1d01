"""Hub-side adapters: verify callers' hub access tokens, mint member-scoped passports.

``create_hub_app(settings, network, verifier=..., member_credentials=...)`` takes these:

- :class:`HubTokenVerifier` turns the hub's own access tokens (from ``POST /oidc/login``) into a
  :class:`~onemg.security.Principal`;
- :class:`BrokerCredentials` implements ``onemg.network.credentials.MemberCredentials``: for
  each member it mints a passport with ``aud`` = that member, holding the hub's visas and that
  member's current ControlledAccessGrants (pulled from its ``/api/permissions/{sub}``). The
  caller's own token is never forwarded.
"""

from __future__ import annotations

from typing import Any

from onemg.access.api import HubAccess
from onemg.access.hub_service import HubService
from onemg.security import ANONYMOUS, Principal


class HubTokenVerifier:
    """A :class:`~onemg.security.CredentialVerifier` for the hub's own access tokens."""

    def __init__(self, access: HubAccess) -> None:
        self._access = access

    async def verify(self, token: str | None) -> Principal:
        """ANONYMOUS without a token; the account's subject for a valid one; 401 otherwise."""
        if not token:
            return ANONYMOUS
        identity = await HubService(self._access).identity(token, action="auth.verify")
        return Principal(subject=identity.sub, registered=bool(identity.researcher_status_at))


class BrokerCredentials:
    """Mints member-scoped passports for the hub's fan-out (``MemberCredentials``)."""

    def __init__(self, access: HubAccess) -> None:
        self._access = access

    async def for_member(self, member: Any, principal: Principal) -> str | None:
        """A passport for ``member.passport_audience``, or None for anonymous callers."""
        if not principal.authenticated:
            return None
        access = self._access
        identity = await access.io.run(access.accounts.identity, principal.subject)
        audience = member.passport_audience
        passport = await access.broker.member_passport(
            identity, audience, node_urls=[audience], http=access.http)
        await access.io.run(lambda: access.audit.record(
            user=identity.sub, action="broker.passport", resource=audience, result="granted",
            origin="hub-fanout"))
        return passport

"""The passport broker (hub side): access tokens, the hub's own visas, member-scoped passports.

Flow: a user logs in and receives a *Passport-Scoped Access Token* (``typ: at+jwt``, scope
``openid ga4gh_passport_v1``, no GA4GH claims). With it the user (or the hub acting for the user)
obtains a **member-scoped passport**: signed by the hub, ``aud`` = one member node's base URL,
holding the hub's own visas (ResearcherStatus, AcceptedTermsAndPolicies, AffiliationAndRole)
plus the ControlledAccessGrants visas pulled from every node's ``GET /api/permissions/{sub}``.
The hub never forwards a user's token to members; each member gets a passport scoped to it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
import jwt
from jwt.exceptions import InvalidTokenError

from onemg.access.accounts import Identity
from onemg.access.keys import SigningKey
from onemg.access.tokens import (
    ACCEPTED_TERMS,
    AFFILIATION_AND_ROLE,
    REGISTERED_ACCESS_DOI,
    RESEARCHER_STATUS,
    sign_passport,
    sign_visa,
)
from onemg.errors import AuthenticationError
from onemg.security import IncompleteCredential

log = logging.getLogger(__name__)

ACCESS_TOKEN_TTL_S = 3600
PASSPORT_TTL_S = 3600
PASSPORT_SCOPE = "openid ga4gh_passport_v1"


@dataclass(frozen=True)
class Broker:
    """The hub's issuer identity: its signing key, ``iss`` and JWKS URL."""

    key: SigningKey
    issuer: str
    jwks_url: str
    clock: Callable[[], float]

    def access_token(self, identity: Identity) -> str:
        """A Passport-Scoped Access Token for ``identity`` (audience: the hub itself)."""
        now = int(self.clock())
        payload = {"iss": self.issuer, "sub": identity.sub, "aud": [self.issuer], "iat": now,
                   "exp": now + ACCESS_TOKEN_TTL_S, "jti": secrets.token_urlsafe(12),
                   "scope": PASSPORT_SCOPE}
        return jwt.encode(payload, self.key.private, algorithm=self.key.alg,
                          headers={"typ": "at+jwt", "kid": self.key.kid})

    def subject_of(self, access_token: str) -> str:
        """Verify one of this hub's access tokens and return its subject.

        Raises:
            AuthenticationError: forged, expired, wrong type or wrong audience.
        """
        try:
            header = jwt.get_unverified_header(access_token)
            if header.get("typ") != "at+jwt" or header.get("kid") != self.key.kid:
                raise AuthenticationError("not an access token of this hub")
            claims = jwt.decode(access_token, self.key.private.public_key(),
                                algorithms=[self.key.alg], audience=self.issuer,
                                issuer=self.issuer,
                                options={"verify_exp": False, "verify_iat": False})
        except InvalidTokenError as exc:
            raise AuthenticationError(f"invalid access token: {exc}") from exc
        if claims.get("exp", 0) <= self.clock():
            raise AuthenticationError("access token expired; log in again")
        if claims.get("iat", 0) > self.clock() + 30:
            raise AuthenticationError("access token issued in the future; check clocks")
        if "openid" not in str(claims.get("scope", "")).split():
            raise AuthenticationError("access token lacks the openid scope")
        return str(claims["sub"])

    def own_visas(self, identity: Identity) -> list[str]:
        """The visas the hub itself asserts for ``identity``."""
        now = int(self.clock())
        common = {"iss": self.issuer, "jku": self.jwks_url, "sub": identity.sub, "iat": now,
                  "exp": now + PASSPORT_TTL_S}
        visas = []
        if identity.researcher_status_at:
            visas.append(sign_visa(self.key, visa_type=RESEARCHER_STATUS,
                                   value=REGISTERED_ACCESS_DOI, source=self.issuer,
                                   by=identity.researcher_status_by or "so",
                                   asserted=identity.researcher_status_at, **common))
        if identity.terms_accepted_at:
            visas.append(sign_visa(self.key, visa_type=ACCEPTED_TERMS,
                                   value=REGISTERED_ACCESS_DOI, source=self.issuer, by="self",
                                   asserted=identity.terms_accepted_at, **common))
        if identity.affiliation:
            org = identity.affiliation.split("@", 1)[1]
            visas.append(sign_visa(self.key, visa_type=AFFILIATION_AND_ROLE,
                                   value=identity.affiliation, source=f"https://{org}",
                                   by="system", asserted=now, **common))
        return visas

    def passport(self, identity: Identity, visas: Sequence[str], *, audience: str) -> str:
        """A passport for ``identity`` scoped to one clearinghouse (``aud``)."""
        now = int(self.clock())
        return sign_passport(self.key, iss=self.issuer, sub=identity.sub, visas=visas, iat=now,
                             exp=now + PASSPORT_TTL_S, aud=[audience])

    async def node_visas(self, identity: Identity, node_url: str,
                         http: httpx.AsyncClient) -> list[str] | None:
        """The user's current visas from one node's visa issuer.

        Empty when the node answers 4xx (nothing for this user); None when it could not be
        asked or failed (unreachable, 5xx, not JSON), so the passport is marked incomplete.

        The request carries a passport scoped to that node with only the hub's own visas, so
        the node can check the caller is the user the visas are for.
        """
        base = node_url if node_url.endswith("/") else node_url + "/"
        bearer = self.passport(identity, self.own_visas(identity), audience=base)
        try:
            resp = await http.get(f"{base}api/permissions/{identity.sub}",
                                  headers={"Authorization": f"Bearer {bearer}"})
            if 400 <= resp.status_code < 500:
                # The node answered: it issues nothing to this user (or runs no visa issuer).
                log.warning("visa issuer %s refused: HTTP %d", base, resp.status_code)
                return []
            resp.raise_for_status()
            visas = resp.json().get("ga4gh_passport_v1", [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            # One unreachable node must not lock the user out of the others.
            log.warning("visa issuer %s unavailable: %s", base, type(exc).__name__)
            return None
        return [v for v in visas if isinstance(v, str)]

    async def collect_visas(self, identity: Identity, node_urls: Sequence[str],
                            http: httpx.AsyncClient) -> list[str]:
        """The hub's own visas plus every node's ControlledAccessGrants for ``identity``."""
        visas, _complete = await self._collect(identity, node_urls, http)
        return visas

    async def _collect(self, identity: Identity, node_urls: Sequence[str],
                       http: httpx.AsyncClient) -> tuple[list[str], bool]:
        visas = self.own_visas(identity)
        complete = True
        for url in node_urls:
            got = await self.node_visas(identity, url, http)
            complete = complete and got is not None
            visas.extend(got or [])
        return visas, complete

    async def member_passport(self, identity: Identity, member_url: str, *,
                              node_urls: Sequence[str], http: httpx.AsyncClient) -> str:
        """A passport for ``member_url`` with every current visa of ``identity``.

        Returns an :class:`~onemg.security.IncompleteCredential` when a node's visa issuer
        failed: usable now, but not to be cached, so the missing grants come back as soon as
        that node answers.
        """
        base = member_url if member_url.endswith("/") else member_url + "/"
        visas, complete = await self._collect(identity, node_urls, http)
        token = self.passport(identity, visas, audience=base)
        return token if complete else IncompleteCredential(token)

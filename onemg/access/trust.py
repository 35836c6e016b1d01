"""Who a clearinghouse trusts: the (iss, jku) allow-list and a cache of allow-listed JWKS.

The allow-list is checked *before* any key is fetched, so a token can never make the node call
a URL the token itself names. Keys are chosen by ``kid`` only from the JWKS of an allow-listed
pair; a ``kid`` that is not there after one refresh is an authentication failure.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from onemg.access.keys import ALLOWED_ALGS
from onemg.errors import AuthenticationError
from onemg.settings import TrustedIssuer


def shown(value: object, limit: int = 80) -> str:
    """A value read from an unverified token, as messages and the audit log may show it.

    Its ``repr`` (quotes, control characters escaped) when short; otherwise its length and a
    digest, so a crafted token can neither flood the log nor write into it at will.
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    raw = str(value).encode("utf-8", "surrogatepass")
    return f"<{len(raw)} bytes, sha256:{hashlib.sha256(raw).hexdigest()[:16]}>"


@dataclass(frozen=True)
class TrustList:
    """The (iss, jku) pairs a node accepts passports and visas from."""

    pairs: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, issuers: Iterable[TrustedIssuer]) -> TrustList:
        """Build from ``settings.access.trusted_issuers``."""
        return cls(frozenset((t.iss, t.jku) for t in issuers))

    def jkus_for(self, iss: str, jku: str | None) -> tuple[str, ...]:
        """The JWKS URLs to use for a token from ``iss`` whose header names ``jku``.

        Raises:
            AuthenticationError: ``iss`` is not trusted, or ``jku`` is not allow-listed for it.
        """
        allowed = sorted(j for i, j in self.pairs if i == iss)
        if not allowed:
            raise AuthenticationError(f"issuer {shown(iss)} is not in this node's trusted issuers")
        if jku is None:
            return tuple(allowed)
        if jku not in allowed:
            raise AuthenticationError(
                f"jku {shown(jku)} is not allow-listed for issuer {shown(iss)}; keys are only "
                "fetched from "
                "allow-listed (iss, jku) pairs"
            )
        return (jku,)


_MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass
class _Entry:
    keys: dict[str, PyJWK]
    fetched_at: float
    expires_at: float


@dataclass
class JwksCache:
    """Fetches and caches JWKS documents through an injected ``httpx.AsyncClient``.

    One instance lives per app (on ``app.state``), never at module level. ``static`` holds JWKS
    known out of band (a node's own keys), which are never fetched.
    """

    http: httpx.AsyncClient
    clock: Callable[[], float] = time.time
    ttl_s: float = 300.0
    #: A kid missing from a cached JWKS triggers at most one refetch per this many seconds.
    min_refresh_s: float = 30.0
    static: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    _entries: dict[str, _Entry] = field(default_factory=dict)

    async def key(self, jku: str, kid: str) -> PyJWK:
        """The key ``kid`` from the JWKS at the (already allow-listed) URL ``jku``.

        Raises:
            AuthenticationError: the JWKS cannot be fetched or holds no usable key ``kid``.
        """
        if jku in self.static:
            keys = _parse_jwks(self.static[jku], jku)
            if kid not in keys:
                raise AuthenticationError(f"unknown kid {shown(kid)} for {jku}")
            return keys[kid]
        now = self.clock()
        entry = self._entries.get(jku)
        stale = entry is None or now >= entry.expires_at
        if not stale and kid not in entry.keys and now - entry.fetched_at >= self.min_refresh_s:
            stale = True  # the issuer may have rotated its key
        if stale:
            entry = await self._fetch(jku, now)
        if kid not in entry.keys:
            raise AuthenticationError(f"unknown kid {shown(kid)}: not in the JWKS at {jku}")
        return entry.keys[kid]

    async def _fetch(self, jku: str, now: float) -> _Entry:
        try:
            resp = await self.http.get(jku, headers={"Accept": "application/json"})
            resp.raise_for_status()
            doc = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthenticationError(f"cannot fetch the JWKS at {jku}: {exc}") from exc
        ttl = self.ttl_s
        match = _MAX_AGE.search(resp.headers.get("cache-control", ""))
        if match:
            ttl = min(ttl, float(match.group(1)))
        entry = _Entry(keys=_parse_jwks(doc, jku), fetched_at=now, expires_at=now + ttl)
        self._entries[jku] = entry
        return entry


def _parse_jwks(doc: Any, jku: str) -> dict[str, PyJWK]:
    """Usable signature keys of a JWKS by kid; keys without kid or with other algs are skipped."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("keys"), list):
        raise AuthenticationError(f"the document at {jku} is not a JWKS")
    keys: dict[str, PyJWK] = {}
    for raw in doc["keys"]:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("kid"), str):
            continue
        if raw.get("use", "sig") != "sig" or raw.get("alg", "ES256") not in ALLOWED_ALGS:
            continue
        alg = raw.get("alg") or ("ES256" if raw.get("kty") == "EC" else "RS256")
        try:
            keys[raw["kid"]] = PyJWK(dict(raw), algorithm=alg)
        except PyJWKError:
            continue
    return keys

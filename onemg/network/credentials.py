"""What the hub sends each member on behalf of the caller: never the caller's own token.

The hub verifies the caller (their passport or login) itself, then asks a
:class:`MemberCredentials` provider for a credential scoped to one member: a passport whose
``aud`` is that member (or an RFC 8693 token exchange). Until the access capability plugs in its
provider (``create_hub_app(..., member_credentials=...)``), the hub uses :class:`PublicView` and
members answer at their PUBLIC tier. :class:`CachedCredentials` wraps a provider so a passport is
reused across queries instead of minted per member per query.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import orjson

from onemg.network.config import MemberConfig
from onemg.security import IncompleteCredential, Principal


class MemberCredentials(Protocol):
    """Mints the bearer token the hub presents to one member for one verified caller."""

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        """A token with ``aud == member.passport_audience``, or ``None`` for a public query."""
        ...


class PublicView:
    """The hook's default: forward no credentials, so every member answers publicly."""

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        return None


@dataclass(frozen=True)
class _Cached:
    token: str
    #: Clock time after which the token is minted afresh.
    valid_until: float


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verifying it (the hub minted it); else None."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, orjson.JSONDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class CachedCredentials:
    """Reuses each member-scoped credential until shortly before it expires.

    Minting a passport per member per query means collecting the caller's visas from the
    member and signing a JWT, for every member and every query. A passport is valid for an hour
    and bound to one member (``aud``) and one caller, so the hub keeps it, keyed by member and
    verified :class:`~onemg.security.Principal`, for at most ``max_age_s`` and never later than
    ``margin_s`` before its ``exp``. ``max_age_s`` bounds how long a newly granted or revoked
    visa takes to show in what the hub presents. Concurrent queries of one caller share one
    minting. Anonymous callers, tokens without a readable ``exp`` and
    :class:`~onemg.security.IncompleteCredential` (minted while a visa issuer was down) are
    never cached.

    Args:
        inner: the provider that mints (e.g. the passport broker's).
        max_age_s: the longest a credential is reused.
        margin_s: stop reusing a credential this long before it expires, so it never arrives
            at a member already expired (clock skew, slow networks).
        max_entries: above this many cached credentials the oldest are dropped.
        clock: epoch seconds (``exp`` is epoch seconds); injectable for tests.
    """

    def __init__(
        self,
        inner: MemberCredentials,
        *,
        max_age_s: float = 60.0,
        margin_s: float = 30.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._max_age = max_age_s
        self._margin = margin_s
        self._max_entries = max_entries
        self._clock = clock
        self._cache: dict[tuple[str, str, Principal], _Cached] = {}
        self._minting: dict[tuple[str, str, Principal], asyncio.Future[str | None]] = {}

    def forget(self, subject: str) -> None:
        """Drop every credential cached for ``subject`` (it took a new passport: its visas may
        have changed, e.g. a committee just approved it)."""
        for key in [k for k in self._cache if k[2].subject == subject]:
            del self._cache[key]

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        """The cached credential for ``member`` and ``principal``, minted when due."""
        if not principal.authenticated:
            return await self._inner.for_member(member, principal)
        key = (member.id, member.passport_audience, principal)
        cached = self._cache.get(key)
        if cached is not None and self._clock() < cached.valid_until:
            return cached.token
        minting = self._minting.get(key)
        if minting is None:
            minting = asyncio.ensure_future(self._mint(key, member, principal))
            self._minting[key] = minting
            minting.add_done_callback(lambda done: self._minted(key, done))
        # Shielded: a caller that times out must not cancel the minting others wait for.
        return await asyncio.shield(minting)

    async def _mint(
        self, key: tuple[str, str, Principal], member: MemberConfig, principal: Principal
    ) -> str | None:
        token = await self._inner.for_member(member, principal)
        expiry = token_expiry(token) if token else None
        if token is None or expiry is None or isinstance(token, IncompleteCredential):
            self._cache.pop(key, None)
            return token
        now = self._clock()
        valid_until = min(now + self._max_age, expiry - self._margin)
        if valid_until > now:
            self._cache.pop(key, None)  # re-insert at the end: the dict stays oldest-first
            self._cache[key] = _Cached(token, valid_until)
            self._evict(now)
        return token

    def _minted(self, key: tuple[str, str, Principal], done: asyncio.Future[str | None]) -> None:
        self._minting.pop(key, None)
        if not done.cancelled():
            done.exception()  # marks it retrieved even when every waiter has gone away

    def _evict(self, now: float) -> None:
        if len(self._cache) <= self._max_entries:
            return
        for key in [k for k, v in self._cache.items() if v.valid_until <= now]:
            del self._cache[key]
        while len(self._cache) > self._max_entries:
            del self._cache[next(iter(self._cache))]

    def clear(self) -> None:
        """Forget every cached credential (e.g. after a visa was revoked)."""
        self._cache.clear()

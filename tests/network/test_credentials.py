"""Member-scoped credentials are reused until shortly before they expire, never across callers."""

from __future__ import annotations

import asyncio

import jwt
import pytest

from onemg.network.config import MemberConfig
from onemg.network.credentials import CachedCredentials, token_expiry
from onemg.security import ANONYMOUS, IncompleteCredential, Principal

FI = MemberConfig(id="fi", base_url="http://fi.node/api", country="FI")
EE = MemberConfig(id="ee", base_url="http://ee.node/api", country="EE")
ALICE = Principal(subject="alice", registered=True)
BOB = Principal(subject="bob")


class Clock:
    """A settable epoch clock."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Minter:
    """Mints a real (HS256) JWT per call, valid ``ttl`` seconds, and counts the calls."""

    def __init__(self, clock: Clock, ttl: float = 3600, delay: float = 0.0) -> None:
        self.clock = clock
        self.ttl = ttl
        self.delay = delay
        self.calls: list[tuple[str, str | None]] = []

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        self.calls.append((member.id, principal.subject))
        if self.delay:
            await asyncio.sleep(self.delay)
        if not principal.authenticated:
            return None
        claims = {
            "sub": principal.subject,
            "aud": [member.passport_audience],
            "exp": int(self.clock() + self.ttl),
            "n": len(self.calls),
        }
        return jwt.encode(claims, "k" * 32, algorithm="HS256")


async def test_reused_within_max_age_and_reminted_after() -> None:
    clock = Clock()
    minter = Minter(clock)
    cache = CachedCredentials(minter, max_age_s=60, margin_s=30, clock=clock)
    first = await cache.for_member(FI, ALICE)
    assert await cache.for_member(FI, ALICE) == first
    clock.now += 59
    assert await cache.for_member(FI, ALICE) == first
    assert len(minter.calls) == 1
    clock.now += 2
    assert await cache.for_member(FI, ALICE) != first
    assert len(minter.calls) == 2


async def test_never_reused_past_expiry_minus_margin() -> None:
    clock = Clock()
    minter = Minter(clock, ttl=40)
    cache = CachedCredentials(minter, max_age_s=600, margin_s=30, clock=clock)
    first = await cache.for_member(FI, ALICE)
    assert token_expiry(first or "") == clock.now + 40
    clock.now += 9
    assert await cache.for_member(FI, ALICE) == first
    clock.now += 1  # 30 s before exp: minted afresh
    assert await cache.for_member(FI, ALICE) != first
    # A token that would be due at once (ttl <= margin) is used once and not kept.
    short = CachedCredentials(Minter(clock, ttl=20), margin_s=30, clock=clock)
    await short.for_member(FI, ALICE)
    await short.for_member(FI, ALICE)
    assert len(short._inner.calls) == 2  # type: ignore[attr-defined]


async def test_scoped_to_member_and_caller_and_anonymous_not_cached() -> None:
    clock = Clock()
    minter = Minter(clock)
    cache = CachedCredentials(minter, clock=clock)
    tokens = {
        (m.id, p.subject): await cache.for_member(m, p) for m in (FI, EE) for p in (ALICE, BOB)
    }
    assert len(set(tokens.values())) == 4
    for (member, subject), token in tokens.items():
        claims = jwt.decode(token or "", options={"verify_signature": False})
        assert claims["sub"] == subject
        assert claims["aud"] == [f"http://{member}.node/"]
    # The same subject with other verified rights is another principal: minted anew.
    await cache.for_member(FI, Principal(subject="alice", datasets=frozenset({"d1"})))
    assert len(minter.calls) == 5
    assert await cache.for_member(FI, ANONYMOUS) is None
    assert await cache.for_member(FI, ANONYMOUS) is None
    assert len(minter.calls) == 7


async def test_concurrent_queries_share_one_minting_and_failures_are_not_cached() -> None:
    clock = Clock()
    minter = Minter(clock, delay=0.05)
    cache = CachedCredentials(minter, clock=clock)
    tokens = await asyncio.gather(*(cache.for_member(FI, ALICE) for _ in range(5)))
    assert len(set(tokens)) == 1
    assert len(minter.calls) == 1

    # A caller that gives up (member timeout) does not cancel the minting for the others.
    waiter = asyncio.create_task(cache.for_member(EE, ALICE))
    other = asyncio.create_task(cache.for_member(EE, ALICE))
    await asyncio.sleep(0.01)
    waiter.cancel()
    assert await other
    assert len(minter.calls) == 2

    class Failing:
        calls = 0

        async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
            Failing.calls += 1
            raise RuntimeError("visa issuer down")

    failing = CachedCredentials(Failing(), clock=clock)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            await failing.for_member(FI, ALICE)
    assert Failing.calls == 2


async def test_tokens_without_expiry_are_not_cached_and_size_is_bounded() -> None:
    assert token_expiry("not-a-jwt") is None
    assert token_expiry(jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256")) is None

    class Opaque:
        calls = 0

        async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
            Opaque.calls += 1
            return "opaque-token"

    cache = CachedCredentials(Opaque())
    await cache.for_member(FI, ALICE)
    await cache.for_member(FI, ALICE)
    assert Opaque.calls == 2

    clock = Clock()
    bounded = CachedCredentials(Minter(clock), max_entries=3, clock=clock)
    for i in range(10):
        await bounded.for_member(FI, Principal(subject=f"user{i}"))
    assert len(bounded._cache) == 3  # the three newest
    assert {key[2].subject for key in bounded._cache} == {"user7", "user8", "user9"}


async def test_incomplete_credentials_are_not_cached() -> None:
    clock = Clock()
    minter = Minter(clock)

    class Partial:
        async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
            token = await minter.for_member(member, principal)
            return IncompleteCredential(token) if token else None

    cache = CachedCredentials(Partial(), clock=clock)
    first = await cache.for_member(FI, ALICE)
    assert isinstance(first, IncompleteCredential)
    assert await cache.for_member(FI, ALICE) != first
    assert len(minter.calls) == 2


async def test_broker_marks_a_passport_minted_while_a_visa_issuer_is_down() -> None:
    import socket
    import time

    import httpx

    from onemg.access.accounts import Identity
    from onemg.access.broker import Broker
    from onemg.access.keys import generate_key

    with socket.socket() as s:  # a port nobody listens on: a node that is down, for real
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}/"
    broker = Broker(key=generate_key(), issuer="https://hub.test/", jwks_url="https://hub.test/jwks",
                    clock=time.time)
    async with httpx.AsyncClient(timeout=2) as http:
        token = await broker.member_passport(Identity(sub="alice"), down, node_urls=[down],
                                             http=http)
        complete = await broker.member_passport(Identity(sub="alice"), down, node_urls=[],
                                                http=http)
    assert isinstance(token, IncompleteCredential)
    assert not isinstance(complete, IncompleteCredential)
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "alice"


async def test_forget_drops_only_that_subjects_credentials() -> None:
    clock = Clock()
    minter = Minter(clock)
    cache = CachedCredentials(minter, max_age_s=60, margin_s=30, clock=clock)
    alice_fi, alice_ee = await cache.for_member(FI, ALICE), await cache.for_member(EE, ALICE)
    bob_fi = await cache.for_member(FI, BOB)
    cache.forget("alice")
    assert await cache.for_member(FI, ALICE) != alice_fi
    assert await cache.for_member(EE, ALICE) != alice_ee
    assert await cache.for_member(FI, BOB) == bob_fi
    assert len(minter.calls) == 5

"""Attack: login flooding and brute force (issue 11 §4).

Originally 200 wrong passwords in a row got 401 each time and the right one still worked, and
argon2 ran on the event loop. Now failures are counted per account and per client in the
database, lockouts answer 429 with ``Retry-After``, unknown and known usernames are treated
alike, and password hashing runs in worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from onemg.access.accounts import LocalAccounts
from onemg.access.api import build_hub_access
from onemg.access.hub_service import HubService
from onemg.access.store import AccountStore, ThrottleStore
from onemg.access.throttle import LoginThrottle, ThrottlePolicy, account_key
from onemg.errors import AuthenticationError, RateLimitedError
from onemg.settings import AccessSettings, Settings
from tests.access.conftest import Clock, migrated
from tests.security.conftest import PASSWORD, Apps, hub_audit


async def _attempt(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/oidc/login", json={"username": username, "password": password})


async def test_brute_force_is_locked_out_with_429_and_retry_after(
    apps: Apps, make_user: Callable[..., str]
) -> None:
    make_user("alice")
    free = ThrottlePolicy().account_free
    statuses = [
        (await _attempt(apps.hub_client, "alice", f"guess-{i}")).status_code for i in range(200)
    ]
    assert statuses[:free] == [401] * free
    assert statuses[free] == 429
    # Each lockout that ends lets one more guess through, and doubles the next one (1, 2, 4 s
    # ...): a handful of guesses in the time 200 used to take.
    assert statuses.count(401) <= free + 4
    assert set(statuses) == {401, 429}
    # The right password is refused too while the account is locked out.
    resp = await _attempt(apps.hub_client, "alice", PASSWORD)
    assert resp.status_code == 429
    assert int(resp.headers["retry-after"]) >= 1
    assert resp.json()["error"] == "temporarily_unavailable"
    assert "try again in" in resp.json()["error_description"]
    # The lockout is audited once per lockout, not once per refused attempt.
    lockouts = [e for e in hub_audit(apps) if e.action == "auth.lockout"]
    assert len(lockouts) == statuses.count(401) - free + 1  # the 5th failure, then each one
    assert lockouts[0].resource == account_key("alice")
    assert "alice" not in lockouts[0].resource  # a digest, never the typed-in name


async def test_unknown_and_known_usernames_get_the_same_answers(tmp_path: Path) -> None:
    # A fixed clock: on a loaded machine real seconds would end the 1 s lockouts mid-run and
    # make the two sequences differ for reasons that have nothing to do with the username.
    access, _ = _hub(tmp_path, Clock())
    access.accounts.create("bob", PASSWORD)
    service = HubService(access)

    async def answers(name: str) -> list[tuple[str, str, int | None]]:
        out = []
        for i in range(8):
            with pytest.raises((AuthenticationError, RateLimitedError)) as exc:
                await service.login(name, f"guess-{i}", client=f"192.0.2.{len(name)}")
            out.append((type(exc.value).__name__, str(exc.value),
                        getattr(exc.value, "retry_after_s", None)))  # fmt: skip
        return out

    known, unknown = await answers("bob"), await answers("nobody")
    assert known == unknown
    assert [kind for kind, _, _ in known].count("RateLimitedError") == 3


def _hub(tmp_path: Path, clock: Clock, *, hasher: PasswordHasher | None = None, engine=None):  # noqa: ANN001, ANN202
    engine = engine or migrated(f"sqlite:///{tmp_path / 'hub.db'}")
    access = build_hub_access(
        Settings(data_dir=tmp_path, access=AccessSettings(public_url="http://hub.test/")),
        engine=engine,
        http=httpx.AsyncClient(),
        clock=clock,
    )
    if hasher is not None:
        access.accounts = LocalAccounts(AccountStore(engine), clock=clock, hasher=hasher)
    return access, engine


class _RecordingHasher(PasswordHasher):
    """argon2 as is, noting which hash each verify used and on which thread it ran."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.calls: list[tuple[str, bool]] = []

    def verify(self, hash: str, password: str) -> bool:  # noqa: A002 - argon2's name
        self.calls.append((hash, threading.current_thread() is threading.main_thread()))
        return super().verify(hash, password)


async def test_unknown_user_costs_a_full_hash_off_the_event_loop(tmp_path: Path) -> None:
    hasher = _RecordingHasher()
    access, _ = _hub(tmp_path, Clock(), hasher=hasher)
    access.accounts.create("carol", PASSWORD)
    service = HubService(access)
    for name in ("carol", "nobody"):
        with pytest.raises(AuthenticationError, match="wrong username or password"):
            await service.login(name, "wrong-password", client="198.51.100.7")
    # Both checked a real argon2 hash (a dummy one for the unknown user), in a worker thread.
    assert len(hasher.calls) == 2
    assert all(h.startswith("$argon2") and not on_main for h, on_main in hasher.calls)


async def test_lockout_expires_with_backoff_and_is_shared_by_workers(tmp_path: Path) -> None:
    clock = Clock()
    one, engine = _hub(tmp_path, clock)
    two, _ = _hub(tmp_path, clock, engine=engine)  # a second worker process: same database
    one.accounts.create("dora", PASSWORD)
    a, b = HubService(one), HubService(two)
    free = one.throttle.policy.account_free
    for _ in range(free):
        with pytest.raises(AuthenticationError):
            await a.login("dora", "wrong-password", client="203.0.113.1")
    with pytest.raises(RateLimitedError) as first:
        await b.login("dora", PASSWORD, client="203.0.113.2")  # other worker, other client
    assert first.value.retry_after_s == 1
    clock.advance(2)
    with pytest.raises(AuthenticationError):  # the lock ended; one more failure doubles it
        await b.login("dora", "wrong-password", client="203.0.113.2")
    with pytest.raises(RateLimitedError) as second:
        await a.login("dora", PASSWORD, client="203.0.113.1")
    assert second.value.retry_after_s == 2
    clock.advance(3)
    assert (await a.login("dora", PASSWORD, client="203.0.113.1")).sub
    # Success clears the account's count: the next failure is free again.
    with pytest.raises(AuthenticationError):
        await a.login("dora", "wrong-password", client="203.0.113.1")


async def test_one_client_spraying_many_accounts_is_locked_out(tmp_path: Path) -> None:
    clock = Clock()
    access, engine = _hub(tmp_path, clock)
    access.throttle = LoginThrottle(
        ThrottleStore(engine), audit=access.audit, clock=clock, policy=ThrottlePolicy(client_free=6)
    )
    service = HubService(access)
    for i in range(6):
        with pytest.raises(AuthenticationError):
            await service.login(f"user-{i}", "password-spray", client="192.0.2.9")
    with pytest.raises(RateLimitedError):
        await service.login("user-99", "password-spray", client="192.0.2.9")
    # Another client is not affected.
    with pytest.raises(AuthenticationError):
        await service.login("user-99", "password-spray", client="192.0.2.10")

"""Login throttle counters on SQLite and PostgreSQL: atomic counts, windows, locks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from onemg.access.store import ThrottleStore
from onemg.access.throttle import LoginThrottle, ThrottlePolicy
from onemg.errors import RateLimitedError
from onemg.testing import MemoryAuditSink
from tests.access.conftest import Clock


def test_counts_are_atomic_and_restart_after_the_window(any_engine: Engine) -> None:
    store = ThrottleStore(any_engine)
    with ThreadPoolExecutor(8) as pool:  # concurrent workers never lose a failure
        counts = list(pool.map(lambda _: store.count_failure("k", now=100, window_s=60), range(40)))
    assert sorted(counts) == list(range(1, 41))
    assert store.count_failure("k", now=200, window_s=60) == 1  # quiet for longer than 60 s
    store.lock("k", until=500)
    store.lock("k", until=300)  # never shortens a lock
    assert [(r.failures, r.locked_until) for r in store.get(["k", "other"])] == [(1, 500)]
    store.clear("k")
    assert store.get(["k"]) == []


def test_lockout_doubles_and_is_audited_once_per_lockout(any_engine: Engine) -> None:
    clock, audit = Clock(), MemoryAuditSink()
    throttle = LoginThrottle(
        ThrottleStore(any_engine),
        audit=audit,
        clock=clock,
        policy=ThrottlePolicy(account_free=3, client_free=100),
    )
    for _ in range(3):
        throttle.check("erin", "10.0.0.1")
        throttle.failed("erin", "10.0.0.1")
    waits = []
    for _ in range(3):
        try:
            throttle.check("ERIN ", "10.0.0.2")  # the same account, however it is typed
        except RateLimitedError as exc:
            waits.append(exc.retry_after_s)
            clock.advance(exc.retry_after_s)
        throttle.failed("erin", "10.0.0.2")
    assert waits == [1, 2, 4]
    lockouts = [e for e in audit.entries if e["action"] == "auth.lockout"]
    assert [e["reason"] for e in lockouts] == [
        "3 failed logins; locked for 1 s",
        "4 failed logins; locked for 2 s",
        "5 failed logins; locked for 4 s",
        "6 failed logins; locked for 8 s",
    ]

"""Login rate limits: per-account and per-client backoff lockouts, kept in the database.

Each failed login counts once against the account (a digest of the username, so unknown
usernames are counted the same way and no typed-in name is stored) and once against the client
address. Past ``account_free`` (or ``client_free``) failures in a row the key is locked out,
first for ``base_s`` seconds, doubling with each further failure up to ``max_s``. A locked key is
refused with :class:`~onemg.errors.RateLimitedError` (HTTP 429 with ``Retry-After``) before any
password is checked, so a flood costs no argon2. Counts restart after ``window_s`` seconds
without a failure; a successful login clears its account's count (not its client's, or one
attacker account would reset the client's). Each lockout is audited once, when it starts: a
flood of refused attempts writes no audit rows.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

from onemg.access.store import ThrottleStore
from onemg.errors import RateLimitedError
from onemg.security import AuditSink


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free, and how long lockouts last."""

    account_free: int = 5
    client_free: int = 20
    base_s: int = 1
    max_s: int = 900
    window_s: int = 900

    def lock_for(self, failures: int, free: int) -> int:
        """Seconds of lockout after ``failures`` failures (0 while still free)."""
        if failures < free:
            return 0
        return int(min(self.max_s, self.base_s * 2 ** min(failures - free, 20)))


def account_key(username: str) -> str:
    """The throttle key of a username (a digest: typed-in names are never stored)."""
    return "account:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def client_key(client: str) -> str:
    """The throttle key of a client address."""
    return "client:" + client[:64]


class LoginThrottle:
    """Decides whether a login may be tried, and counts the failures."""

    def __init__(
        self,
        store: ThrottleStore,
        *,
        audit: AuditSink,
        clock: Callable[[], float],
        policy: ThrottlePolicy | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock
        self.policy = policy or ThrottlePolicy()

    def check(self, username: str, client: str) -> bool:
        """Refuse while the account or the client is locked out.

        Returns whether the account has failures on record (so a success knows whether there
        is anything to clear).

        Raises:
            RateLimitedError: locked; ``retry_after_s`` says for how long.
        """
        now = self._clock()
        account = account_key(username)
        records = self._store.get((account, client_key(client)))
        until = max((r.locked_until for r in records), default=0)
        if until > now:
            wait = math.ceil(until - now)
            raise RateLimitedError(
                f"too many failed logins; try again in {wait} s", retry_after_s=wait
            )
        return any(r.key == account for r in records)

    def failed(self, username: str, client: str) -> None:
        """Count one failed login against the account and the client; lock them out past the
        free attempts."""
        now = int(self._clock())
        p = self.policy
        for key, free in (
            (account_key(username), p.account_free),
            (client_key(client), p.client_free),
        ):
            failures = self._store.count_failure(key, now=now, window_s=p.window_s)
            seconds = p.lock_for(failures, free)
            if seconds:
                self._store.lock(key, until=now + seconds)
                self._audit.record(
                    user=None,
                    action="auth.lockout",
                    resource=key,
                    result="locked",
                    reason=f"{failures} failed logins; locked for {seconds} s",
                    origin="hub-api",
                )

    def succeeded(self, username: str) -> None:
        """Clear the account's failures after a successful login."""
        self._store.clear(account_key(username))

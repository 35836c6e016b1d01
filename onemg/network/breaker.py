"""A per-member circuit breaker: stop calling a member that keeps failing, retry it later.

States follow the usual pattern. ``closed``: calls go through and consecutive failures are
counted. After ``failure_threshold`` of them the circuit is ``open``: calls are refused without
touching the network, so a dead member costs the hub nothing. Once ``cooldown_s`` has passed the
circuit is ``half-open``: exactly one trial call is let through; its success closes the circuit
and its failure opens it again for another cool-down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half-open"]


class CircuitBreaker:
    """Failure accounting for one member. Owned by the registry on ``app.state``; not shared."""

    def __init__(
        self,
        *,
        failure_threshold: int,
        cooldown_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failure_threshold
        self._cooldown = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        # True while the single half-open trial call is in flight.
        self._trial_in_flight = False
        self.last_error: str | None = None

    @property
    def state(self) -> BreakerState:
        """The state as of now."""
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._cooldown:
            return "half-open"
        return "open"

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        return self._failures

    def retry_in_s(self) -> float:
        """Seconds until an open circuit allows its half-open trial (0 when not open)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - self._opened_at))

    def allow(self) -> bool:
        """Whether a call may go out now; a ``True`` in half-open state claims the trial."""
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False
        self.last_error = None

    def record_failure(self, reason: str) -> None:
        """A call failed: count it, and open (or re-open) the circuit when due."""
        self._failures += 1
        self.last_error = reason
        if self._trial_in_flight or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._trial_in_flight = False

    def release(self) -> None:
        """A call ended without a verdict (cancelled): free the half-open trial slot."""
        self._trial_in_flight = False

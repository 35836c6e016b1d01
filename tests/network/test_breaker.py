"""Circuit breaker: open after N failures, one half-open trial after the cool-down."""

from __future__ import annotations

from onemg.network.breaker import CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_and_half_opens_after_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=10, clock=clock)
    assert breaker.allow()
    breaker.record_failure("boom")
    assert breaker.state == "closed"
    breaker.record_failure("boom again")
    assert breaker.state == "open"
    assert not breaker.allow()
    assert breaker.retry_in_s() == 10
    clock.now += 10
    assert breaker.state == "half-open"
    assert breaker.allow()  # the single trial
    assert not breaker.allow()  # no second call while the trial is in flight
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.consecutive_failures == 0


def test_failed_trial_reopens_for_another_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=5, clock=clock)
    breaker.record_failure("down")
    clock.now += 5
    assert breaker.allow()
    breaker.record_failure("still down")
    assert breaker.state == "open"
    assert breaker.last_error == "still down"
    clock.now += 4.9
    assert not breaker.allow()


def test_released_trial_can_be_retried() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=1, clock=clock)
    breaker.record_failure("x")
    clock.now += 1
    assert breaker.allow()
    breaker.release()
    assert breaker.allow()

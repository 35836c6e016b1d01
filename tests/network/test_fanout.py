"""Fan-out: per-member timeouts, the network deadline, breakers, caller cancellation."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from onemg.demo.stub import StubConfig, entry_body
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.network.credentials import PublicView
from onemg.network.fanout import fan_out
from onemg.network.query import from_get
from onemg.network.registry import MemberRegistry
from onemg.security import ANONYMOUS

QUERY = from_get("individuals", {}, "", max_page=1000)
OK = orjson.dumps(entry_body(StubConfig(country="FI", beacon_id="b"), "boolean"))


def _registry(**policy: float) -> MemberRegistry:
    members = tuple(
        MemberConfig(id=m, base_url=f"http://{m}.node/api", country="FI") for m in ("fast", "hang")
    )
    return MemberRegistry(NetworkConfig(members=members, **policy))


async def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.host == "hang.node":
        await asyncio.sleep(10)
    return httpx.Response(200, content=OK)


async def _fan_out(registry: MemberRegistry) -> list:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_handler)) as client:
        return await fan_out(client, registry, QUERY, principal=ANONYMOUS, credentials=PublicView())


async def test_member_timeout_and_deadline() -> None:
    registry = _registry(member_timeout_s=0.1, deadline_s=5)
    fast, hang = await _fan_out(registry)
    assert (fast.status, hang.status) == ("ok", "failed")
    assert hang.reason == "timed out after 0.1 s"
    registry = _registry(member_timeout_s=5, deadline_s=0.1)
    fast, hang = await _fan_out(registry)
    assert hang.reason == "no answer within the network deadline of 0.1 s"
    assert registry.members[1].breaker.consecutive_failures == 1


async def test_open_circuit_is_skipped_without_a_call() -> None:
    registry = _registry(member_timeout_s=0.05, failure_threshold=1, cooldown_s=60)
    await _fan_out(registry)
    fast, hang = await _fan_out(registry)
    assert hang.status == "skipped"
    assert "circuit open after 1 consecutive failures" in hang.reason


async def test_caller_going_away_frees_the_half_open_trial() -> None:
    registry = _registry(member_timeout_s=0.05, failure_threshold=1, cooldown_s=0.0)
    await _fan_out(registry)
    breaker = registry.members[1].breaker
    assert breaker.state == "half-open"  # cool-down of 0 s
    task = asyncio.create_task(_fan_out(_swap_timeout(registry, 5)))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert breaker.allow()  # the trial slot was released, not leaked


def _swap_timeout(registry: MemberRegistry, timeout: float) -> MemberRegistry:
    # Same member states (and breakers), longer timeout: the trial call is still in flight
    # when the caller goes away.
    registry.config = NetworkConfig(
        members=registry.config.members, member_timeout_s=timeout, deadline_s=timeout
    )
    return registry


async def test_answer_from_an_unexpected_beacon_is_rejected() -> None:
    member = MemberConfig(
        id="fi", base_url="http://fast.node/api", country="FI", beacon_id="eu.onemg.node.fi"
    )
    registry = MemberRegistry(NetworkConfig(members=(member,)))
    (outcome,) = await _fan_out(registry)
    assert outcome.status == "failed"
    assert outcome.reason == "untrusted answer: meta.beaconId 'b', expected 'eu.onemg.node.fi'"

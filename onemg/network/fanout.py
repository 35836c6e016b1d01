"""Concurrent fan-out of one query to every member, with timeouts and circuit breakers.

Each member gets its own task and its own timeout; the whole fan-out is bounded by the network
deadline, after which unfinished calls are cancelled and reported. Every call ends in exactly
one :class:`MemberOutcome`, and nothing a member does (hang, reset, 500, garbage) escapes as an
exception: the hub always has something to merge.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import orjson

from onemg.errors import UpstreamError
from onemg.network.credentials import MemberCredentials
from onemg.network.query import NetworkQuery
from onemg.network.registry import MemberRegistry, MemberState
from onemg.network.validation import check_entry_response, check_error_response, parse_json
from onemg.network.wire import Answer, HttpxWire, HubBusyError, MemberWire
from onemg.security import Principal

#: ``ok``: a valid answer. ``failed``: down, slow, 5xx or invalid (counts against the breaker).
#: ``rejected``: the member answered properly but refused (4xx, e.g. a query it cannot serve).
#: ``skipped``: not asked (circuit open, or the entry type is not in its /map).
OutcomeStatus = Literal["ok", "failed", "rejected", "skipped"]


@dataclass(frozen=True)
class MemberOutcome:
    """How one member answered one query."""

    member: MemberState
    status: OutcomeStatus
    reason: str | None = None
    elapsed_ms: float | None = None
    http_status: int | None = None
    body: dict[str, Any] | None = None

    @property
    def beacon_id(self) -> str | None:
        """The member's beaconId: trusted/learned from /info, else the one its answer names."""
        if self.member.beacon_id:
            return self.member.beacon_id
        return self.body["meta"]["beaconId"] if self.body else None

    def describe(self) -> dict[str, Any]:
        """A JSON summary for the response's ``info.network.members``."""
        out: dict[str, Any] = {
            "id": self.member.config.id,
            "country": self.member.config.country,
            "beaconId": self.beacon_id,
            "status": self.status,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.http_status is not None:
            out["httpStatus"] = self.http_status
        if self.elapsed_ms is not None:
            out["elapsedMs"] = round(self.elapsed_ms, 2)
        return out


def _snippet(content: bytes) -> str:
    body = parse_json(content) if content[:1] in (b"{", b"[") else None
    message = check_error_response(body) if body is not None else None
    return message or content[:80].decode("utf-8", "replace").strip() or "empty body"


def _classify(member: MemberState, answer: Answer) -> tuple[OutcomeStatus, Any, str]:
    status = answer.status
    if status == 200:
        body = check_entry_response(parse_json(answer.content), expected_beacon_id=member.beacon_id)
        return "ok", body, ""
    try:
        detail = _snippet(answer.content)
    except UpstreamError:
        detail = "unreadable error body"
    if 400 <= status < 500 and status not in (408, 429):
        return "rejected", None, f"HTTP {status}: {detail}"
    raise UpstreamError(f"HTTP {status}: {detail}")


async def _call(
    wire: MemberWire,
    member: MemberState,
    query: NetworkQuery,
    *,
    credential: Callable[[], Awaitable[str | None]],
    timeout: float,
    payload: bytes,
) -> MemberOutcome:
    url = f"{member.config.api_url}/{query.path}"
    headers = {"Accept": "application/json"}
    started = time.perf_counter()
    http_status = None
    try:
        async with asyncio.timeout(timeout):
            # Minting may itself ask the member (its visas), so it runs inside the timeout.
            token = await credential()
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if query.method == "GET":
                if query.query_string:
                    url = f"{url}?{query.query_string}"
                answer = await wire.fetch("GET", url, headers=headers, timeout=timeout)
            else:
                headers["Content-Type"] = "application/json"
                answer = await wire.fetch(
                    "POST", url, headers=headers, body=payload, timeout=timeout
                )
        http_status = answer.status
        status, body, reason = _classify(member, answer)
    except TimeoutError:
        status, body, reason = "failed", None, f"timed out after {timeout:g} s"
    except HubBusyError as exc:
        # The hub itself is saturated: not the member's fault, so not held against it.
        status, body, reason = "skipped", None, str(exc)
    except UpstreamError as exc:  # WireError included
        # The wire already words the failure (refused, reset, malformed, oversized...).
        status, body, reason = "failed", None, str(exc)
    except httpx.HTTPError as exc:
        # From minting (a member-scoped credential may need the member's visas over httpx).
        status, body, reason = "failed", None, f"unreachable ({type(exc).__name__}: {exc})"
    except Exception as exc:  # noqa: BLE001 - whatever a member sends must not crash the hub
        status, body, reason = "failed", None, f"unusable answer ({type(exc).__name__}: {exc})"
    elapsed = (time.perf_counter() - started) * 1000
    return MemberOutcome(
        member, status, reason or None, elapsed_ms=elapsed, http_status=http_status, body=body
    )


def _record(outcome: MemberOutcome) -> None:
    breaker = outcome.member.breaker
    if outcome.status == "failed":
        breaker.record_failure(outcome.reason or "failed")
    elif outcome.status == "skipped":
        breaker.release()
    else:
        breaker.record_success()


async def _call_and_record(
    wire: MemberWire,
    member: MemberState,
    query: NetworkQuery,
    *,
    credential: Callable[[], Awaitable[str | None]],
    timeout: float,
    payload: bytes,
) -> MemberOutcome:
    # The verdict is recorded here, not by the caller, so it is kept even when the caller
    # goes away (client disconnect); a cancelled call frees a half-open trial slot.
    try:
        outcome = await _call(
            wire, member, query, credential=credential, timeout=timeout, payload=payload
        )
    except asyncio.CancelledError:
        member.breaker.release()
        raise
    _record(outcome)
    return outcome


def _skip_reason(member: MemberState, query: NetworkQuery) -> str | None:
    if member.serves(query.entry_segment) is False:
        return f"does not serve /{query.entry_segment} (per its /map)"
    if not member.breaker.allow():
        return (
            f"circuit open after {member.breaker.consecutive_failures} consecutive failures "
            f"(last: {member.breaker.last_error}); next try in {member.breaker.retry_in_s():.0f} s"
        )
    return None


async def fan_out(
    client: MemberWire | httpx.AsyncClient,
    registry: MemberRegistry,
    query: NetworkQuery,
    *,
    principal: Principal,
    credentials: MemberCredentials,
) -> list[MemberOutcome]:
    """Send ``query`` to every member concurrently; one outcome per member, in config order.

    ``client`` is the hub's :class:`~onemg.network.wire.AiohttpWire` (or any
    :class:`~onemg.network.wire.MemberWire`), or an ``httpx.AsyncClient``.
    """
    config = registry.config
    wire = HttpxWire(client) if isinstance(client, httpx.AsyncClient) else client
    # Serialised once for all members, not once per member.
    body = {} if query.body is None else query.body
    payload = orjson.dumps(body) if query.method == "POST" else b""
    outcomes: dict[str, MemberOutcome] = {}
    tasks: dict[str, asyncio.Task[MemberOutcome]] = {}
    for member in registry.members:
        reason = _skip_reason(member, query)
        if reason:
            outcomes[member.config.id] = MemberOutcome(member, "skipped", reason)
            continue
        tasks[member.config.id] = asyncio.create_task(
            _call_and_record(
                wire,
                member,
                query,
                credential=functools.partial(credentials.for_member, member.config, principal),
                timeout=config.timeout_for(member.config),
                payload=payload,
            )
        )
    try:
        if tasks:
            await asyncio.wait(tasks.values(), timeout=config.deadline_s)
    except asyncio.CancelledError:
        # The caller went away: stop the calls without blaming the members.
        for task in tasks.values():
            task.cancel()
        raise
    late = f"no answer within the network deadline of {config.deadline_s:g} s"
    for member in registry.members:
        task = tasks.get(member.config.id)
        if task is None:
            continue
        if task.done():
            outcomes[member.config.id] = task.result()
            continue
        task.cancel()
        member.breaker.record_failure(late)
        outcomes[member.config.id] = MemberOutcome(member, "failed", late)
    return [outcomes[m.config.id] for m in registry.members]

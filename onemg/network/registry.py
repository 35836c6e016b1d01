"""The hub's view of its members: configuration, circuit breakers and cached metadata.

The registry lives on ``app.state`` (built in the hub's lifespan). It caches each member's
``/info``, ``/map``, ``/configuration`` and ``/filtering_terms``; :meth:`MemberRegistry.refresh`
re-reads them (the lifespan calls it periodically). A failed refresh keeps the last good copy and
records why, so a member that blips does not vanish from the merged filtering terms.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from onemg.errors import UpstreamError
from onemg.network.breaker import CircuitBreaker
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.network.validation import check_informational, parse_json
from onemg.times import iso_utc

log = logging.getLogger(__name__)

#: Cached endpoint -> attribute of :class:`MemberMetadata`.
METADATA_ENDPOINTS = {
    "info": "info",
    "map": "map",
    "configuration": "configuration",
    "filtering_terms": "filtering_terms",
}


@dataclass(frozen=True)
class MemberMetadata:
    """What the hub last learned about a member (``None`` where never fetched)."""

    info: dict[str, Any] | None = None
    map: dict[str, Any] | None = None
    configuration: dict[str, Any] | None = None
    filtering_terms: dict[str, Any] | None = None
    #: Wall-clock time (epoch seconds) of the last refresh attempt.
    refreshed_at: float | None = None
    #: Why parts of the last refresh failed; empty when all four endpoints answered.
    errors: tuple[str, ...] = ()


class MemberState:
    """A member's configuration together with its breaker and metadata cache."""

    def __init__(self, config: MemberConfig, breaker: CircuitBreaker) -> None:
        self.config = config
        self.breaker = breaker
        self.metadata = MemberMetadata()

    @property
    def beacon_id(self) -> str | None:
        """The beaconId answers must carry: configured, else learned from ``/info``."""
        if self.config.beacon_id:
            return self.config.beacon_id
        info = self.metadata.info
        if info:
            learned = info.get("response", {}).get("id") or info.get("meta", {}).get("beaconId")
            return str(learned) if learned else None
        return None

    @property
    def name(self) -> str | None:
        """The member's display name from ``/info``."""
        info = self.metadata.info
        return info.get("response", {}).get("name") if info else None

    def serves(self, entry_segment: str) -> bool | None:
        """Whether the member's ``/map`` lists ``entry_segment``; ``None`` if no map is known."""
        beacon_map = self.metadata.map
        if not beacon_map:
            return None
        endpoint_sets = beacon_map.get("response", {}).get("endpointSets")
        if not isinstance(endpoint_sets, dict):
            return None
        for endpoint in endpoint_sets.values():
            root = endpoint.get("rootUrl", "") if isinstance(endpoint, dict) else ""
            if str(root).rstrip("/").rsplit("/", 1)[-1] == entry_segment:
                return True
        return False

    def describe(self) -> dict[str, Any]:
        """A JSON summary for the hub's ``/api/info``."""
        return {
            "id": self.config.id,
            "country": self.config.country,
            "beaconId": self.beacon_id,
            "name": self.name,
            "apiUrl": self.config.api_url,
            "passportAudience": self.config.passport_audience,
            "circuit": self.breaker.state,
            "consecutiveFailures": self.breaker.consecutive_failures,
            "lastError": self.breaker.last_error,
            "metadataRefreshedAt": iso_utc(self.metadata.refreshed_at),
            "metadataErrors": list(self.metadata.errors),
        }


class MemberRegistry:
    """All members of one hub, in configuration order."""

    def __init__(
        self, config: NetworkConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self._members = tuple(
            MemberState(
                m,
                CircuitBreaker(
                    failure_threshold=config.failure_threshold,
                    cooldown_s=config.cooldown_s,
                    clock=clock,
                ),
            )
            for m in config.enabled_members
        )
        # Background refreshes in flight (kept referenced so they are not garbage-collected).
        self._pending: dict[str, asyncio.Task[None]] = {}

    @property
    def members(self) -> tuple[MemberState, ...]:
        """Enabled members."""
        return self._members

    async def refresh(self, client: httpx.AsyncClient) -> None:
        """Re-read every member's metadata concurrently (bounded by the network deadline)."""
        await asyncio.gather(*(self._refresh_one(client, m) for m in self._members))

    async def _refresh_one(self, client: httpx.AsyncClient, member: MemberState) -> None:
        timeout = self.config.timeout_for(member.config)
        names = list(METADATA_ENDPOINTS)
        results = await asyncio.gather(
            *(self._fetch(client, member.config, name, timeout) for name in names),
            return_exceptions=True,
        )
        changes: dict[str, Any] = {"refreshed_at": time.time()}
        errors: list[str] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, dict):
                changes[METADATA_ENDPOINTS[name]] = result
            else:
                errors.append(f"/{name}: {result}")
        changes["errors"] = tuple(errors)
        member.metadata = replace(member.metadata, **changes)
        if errors:
            log.warning("member %s metadata refresh: %s", member.config.id, "; ".join(errors))

    async def _fetch(
        self, client: httpx.AsyncClient, member: MemberConfig, name: str, timeout: float
    ) -> dict[str, Any]:
        url = f"{member.api_url}/{name}"
        try:
            async with asyncio.timeout(timeout):
                response = await client.get(url, timeout=timeout)
        except TimeoutError as exc:
            raise UpstreamError(f"timed out after {timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(f"unreachable ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise UpstreamError(f"HTTP {response.status_code}")
        return check_informational(parse_json(response.content), what=f"/{name}")

    def refresh_soon(self, client: httpx.AsyncClient, member: MemberState) -> None:
        """Re-read ``member``'s metadata in the background (once at a time per member).

        Used when a member that had no metadata (down at start-up) answers again, so its
        filtering terms and beaconId do not wait for the next periodic refresh.
        """
        key = member.config.id
        last = member.metadata.refreshed_at
        # At most one retry per cool-down: a member missing an endpoint for good must not turn
        # every query into four extra requests.
        if key in self._pending or (last and time.time() - last < self.config.cooldown_s):
            return
        task = asyncio.create_task(self._refresh_one(client, member))
        self._pending[key] = task
        task.add_done_callback(lambda _: self._pending.pop(key, None))

    async def refresh_forever(self, client: httpx.AsyncClient) -> None:
        """Refresh every ``refresh_interval_s`` until cancelled (run as a lifespan task)."""
        while True:
            await asyncio.sleep(self.config.refresh_interval_s)
            try:
                await self.refresh(client)
            except Exception:  # a refresh bug must not kill the loop; the cache stays usable
                log.exception("member metadata refresh failed")

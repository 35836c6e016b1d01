"""The hub's network service: verify the caller, fan out, merge. Routes call only this."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from onemg.network import metadata
from onemg.network.credentials import MemberCredentials, PublicView
from onemg.network.fanout import fan_out
from onemg.network.merge import merge_entry
from onemg.network.query import NetworkQuery
from onemg.network.registry import MemberRegistry
from onemg.network.wire import HttpxWire, MemberWire
from onemg.security import CredentialVerifier, Principal, PublicOnlyVerifier
from onemg.settings import BeaconSettings

log = logging.getLogger(__name__)


class NetworkService:
    """Everything the hub's Beacon routes need, built once in the app lifespan."""

    def __init__(
        self,
        *,
        beacon: BeaconSettings,
        registry: MemberRegistry,
        client: httpx.AsyncClient,
        verifier: CredentialVerifier | None = None,
        credentials: MemberCredentials | None = None,
        wire: MemberWire | None = None,
    ) -> None:
        self.beacon = beacon
        self.registry = registry
        self.client = client
        #: What member queries go through: the hub's aiohttp session when it has one (the hot
        #: path; much cheaper per request than httpx), else ``client`` (unit tests' mocks).
        self.wire: MemberWire = wire or HttpxWire(client)
        self.verifier: CredentialVerifier = verifier or PublicOnlyVerifier()
        self.credentials: MemberCredentials = credentials or PublicView()

    async def query(self, query: NetworkQuery, *, token: str | None) -> tuple[int, dict[str, Any]]:
        """Answer ``query`` from every member; returns the HTTP status and the Beacon body.

        The caller's ``token`` is verified here and never leaves the hub: members receive only
        what :attr:`credentials` mints for them.
        """
        return await self.query_as(query, await self.verifier.verify(token))

    async def query_as(
        self, query: NetworkQuery, principal: Principal
    ) -> tuple[int, dict[str, Any]]:
        """Answer ``query`` for an already verified ``principal`` (the hub's own web pages)."""
        outcomes = await fan_out(
            self.wire, self.registry, query, principal=principal, credentials=self.credentials
        )
        for outcome in outcomes:
            if outcome.status == "ok" and outcome.member.metadata.errors:
                self.registry.refresh_soon(self.client, outcome.member)
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            log.info(
                "network query /%s: %s",
                query.path,
                "; ".join(f"{o.member.config.id}: {o.reason}" for o in failed),
            )
        return merge_entry(outcomes, query, beacon_id=self.beacon.beacon_id)

    async def refresh(self) -> None:
        """Re-read every member's cached metadata now."""
        await self.registry.refresh(self.client)

    def info(self) -> dict[str, Any]:
        """The network ``/info`` response."""
        return metadata.info_response(self.beacon, self.registry)

    def map(self, *, hub_api_url: str) -> dict[str, Any]:
        """The network ``/map`` response, with URLs under ``hub_api_url``."""
        return metadata.map_response(self.beacon, self.registry, hub_api_url=hub_api_url)

    def configuration(self) -> dict[str, Any]:
        """The network ``/configuration`` response."""
        return metadata.configuration_response(self.beacon, self.registry)

    def entry_types(self) -> dict[str, Any]:
        """The network ``/entry_types`` response."""
        return metadata.entry_types_response(self.beacon, self.registry)

    def filtering_terms(self) -> dict[str, Any]:
        """The merged ``/filtering_terms`` response."""
        return metadata.filtering_terms_response(self.beacon, self.registry)

    def service_info(self) -> dict[str, Any]:
        """GA4GH service-info for the hub."""
        return metadata.service_info(self.beacon)

"""Wiring the access capability's passport broker into the hub, opened on first use.

With ``broker`` on, the hub serves login and the broker (``onemg.access.hub_router``), verifies
callers' hub access tokens (``HubTokenVerifier``) and sends each member a passport minted for
that member only (``BrokerCredentials``, reused for up to a minute through
``CachedCredentials``). The hub database and signing key are opened on the first request that
needs them, so creating the app touches no disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from onemg.network.config import MemberConfig, NetworkConfig
from onemg.network.credentials import CachedCredentials
from onemg.security import Principal
from onemg.settings import Settings


class HubAccessProvider:
    """Builds the hub's ``HubAccess`` once, with the hub's own HTTP client."""

    def __init__(
        self, settings: Settings, network: NetworkConfig, client: Callable[[], httpx.AsyncClient]
    ) -> None:
        self._settings = settings
        self._network = network
        self._client = client
        self._lock = threading.Lock()
        self._access: Any = None

    def __call__(self) -> Any:
        if self._access is None:
            with self._lock:
                if self._access is None:
                    self._access = self._build()
        return self._access

    def _build(self) -> Any:
        from onemg.access import build_hub_access
        from onemg.db import make_engine, migrate

        self._settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self._settings.db_url)
        migrate(engine)
        audiences = [m.passport_audience for m in self._network.enabled_members]
        return build_hub_access(
            self._settings, engine=engine, http=self._client(), node_urls=lambda: audiences
        )


class BrokerVerifier:
    """``CredentialVerifier`` over the hub's access tokens (``onemg.access.HubTokenVerifier``)."""

    def __init__(self, provider: HubAccessProvider) -> None:
        self._provider = provider

    async def verify(self, token: str | None) -> Principal:
        from onemg.access import HubTokenVerifier

        if not token:  # anonymous: no need to open the hub's database
            return Principal()
        return await HubTokenVerifier(self._provider()).verify(token)


class BrokerMemberCredentials:
    """``MemberCredentials`` minting member-scoped passports (``onemg.access``'s broker)."""

    def __init__(self, provider: HubAccessProvider) -> None:
        self._provider = provider

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        from onemg.access import BrokerCredentials

        if not principal.authenticated:  # anonymous: no need to open the hub's database
            return None
        return await BrokerCredentials(self._provider()).for_member(member, principal)


def wire_broker(
    app: FastAPI, settings: Settings, network: NetworkConfig
) -> tuple[BrokerVerifier, CachedCredentials]:
    """Mount the login/broker routes on ``app``; return the verifier and credential minter.

    Minted passports are reused across queries (:class:`CachedCredentials`), so a caller's
    visas are collected from a member about once a minute, not on every query.
    """
    from onemg.access import hub_router

    provider = HubAccessProvider(settings, network, lambda: app.state.network.client)
    app.include_router(hub_router(provider))  # type: ignore[arg-type]  # accepts a provider
    app.state.hub_access = provider
    return BrokerVerifier(provider), CachedCredentials(BrokerMemberCredentials(provider))

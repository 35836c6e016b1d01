"""Wiring the access capability's passport broker into the hub, opened on first use.

With ``broker`` on, the hub serves login and the broker (``onemg.access.hub_router``), verifies
callers' hub access tokens (``HubTokenVerifier``) and sends each member a passport minted for
that member only (``BrokerCredentials``, reused for up to a minute through
``CachedCredentials``). The hub database and signing key are opened on the first request that
needs them, so creating the app touches no disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from onemg.lazy import Lazy
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.network.credentials import CachedCredentials
from onemg.security import DeferredAudit, DeferredVerifier, Principal
from onemg.settings import Settings


def hub_access(
    settings: Settings,
    network: NetworkConfig,
    database: Lazy[Engine],
    client: Callable[[], httpx.AsyncClient],
    *,
    on_passport: Callable[[str], None] | None = None,
) -> Lazy[Any]:
    """The hub's ``HubAccess``, built on first use over the hub's one engine and HTTP client.

    ``on_passport`` is told the subject of every passport the broker issues.
    """

    def build() -> Any:
        from onemg.access.api import build_hub_access

        engine = database()
        audiences = [m.passport_audience for m in network.enabled_members]
        hub = build_hub_access(settings, engine=engine, http=client(), node_urls=lambda: audiences)
        if on_passport is not None:
            hub.passport_issued.append(on_passport)
        return hub

    return Lazy(build)


class BrokerMemberCredentials:
    """``MemberCredentials`` minting member-scoped passports (``onemg.access``'s broker)."""

    def __init__(self, access: Lazy[Any]) -> None:
        self._access = access

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        from onemg.access.hub import BrokerCredentials

        if not principal.authenticated:  # anonymous: no need to open the hub's database
            return None
        return await BrokerCredentials(self._access()).for_member(member, principal)


def wire_broker(
    app: FastAPI, settings: Settings, network: NetworkConfig, database: Lazy[Engine]
) -> tuple[DeferredVerifier, CachedCredentials]:
    """Mount the login/broker routes on ``app``; return the verifier and credential minter.

    Minted passports are reused across queries (:class:`CachedCredentials`), so a caller's
    visas are collected from a member about once a minute, not on every query. ``database``
    is the hub's one engine, opened on first use and disposed of by ``create_hub_app``.
    """
    from onemg.access.hub import HubTokenVerifier
    from onemg.access.routes_hub import hub_router

    # Lazy: the minter needs ``access``, and ``access`` tells the cache about new passports.
    credentials = Lazy(lambda: CachedCredentials(BrokerMemberCredentials(access)))
    access = hub_access(
        settings,
        network,
        database,
        lambda: app.state.network.client,
        on_passport=lambda subject: credentials().forget(subject),
    )
    app.include_router(hub_router(access))
    app.state.hub_access = access
    # Where unexpected errors are recorded (onemg.web.errors).
    app.state.audit = DeferredAudit(lambda: access().audit)
    verifier = DeferredVerifier(lambda: HubTokenVerifier(access()))
    return verifier, credentials()

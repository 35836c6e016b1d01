"""Controlled access: GA4GH passports and visas, the clearinghouse, DUO matching, the DAC
workflow, entitlements and the hash-chained audit log (see ``docs/access.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from onemg.access.api import (
    HubAccess,
    NodeAccess,
    build_hub_access,
    build_node_access,
    hub_jwks_url,
)
from onemg.access.audit import HashChainAudit, verify_chain, verify_store
from onemg.access.clearinghouse import PassportVerifier
from onemg.access.duo import Advice, DataUse, ResearchPurpose, Verdict, match
from onemg.access.hub import BrokerCredentials, HubTokenVerifier
from onemg.access.routes_node import node_router
from onemg.access.wiring import attach_node_access
from onemg.settings import Settings


def hub_router(access: HubAccess | Settings | Callable[[], HubAccess]) -> APIRouter:
    """The hub's login/broker routes for a :class:`HubAccess`, a provider of one, or settings.

    Given bare settings it opens the hub database (``settings.db_url``) and asks no member
    nodes for visas; pass a :class:`HubAccess` built with ``node_urls`` for the full broker.
    """
    from onemg.access import routes_hub

    if isinstance(access, Settings):
        return routes_hub.hub_router(_LazyHubAccess(access))
    return routes_hub.hub_router(access)


class _LazyHubAccess:
    """Opens the hub database and key on the first request, not at app creation."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._access: HubAccess | None = None

    def __call__(self) -> HubAccess:
        if self._access is None:
            import httpx

            from onemg.db import make_engine, migrate

            self._settings.data_dir.mkdir(parents=True, exist_ok=True)
            engine = make_engine(self._settings.db_url)
            migrate(engine)
            self._access = build_hub_access(self._settings, engine=engine,
                                            http=httpx.AsyncClient(timeout=10.0))
        return self._access


__all__: list[Any] = [
    "Advice",
    "BrokerCredentials",
    "DataUse",
    "HashChainAudit",
    "HubAccess",
    "HubTokenVerifier",
    "NodeAccess",
    "PassportVerifier",
    "ResearchPurpose",
    "Verdict",
    "attach_node_access",
    "build_hub_access",
    "build_node_access",
    "hub_jwks_url",
    "hub_router",
    "match",
    "node_router",
    "verify_chain",
    "verify_store",
]

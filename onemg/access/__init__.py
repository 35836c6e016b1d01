"""Controlled access: GA4GH passports and visas, the clearinghouse, DUO matching, the DAC
workflow, entitlements and the hash-chained audit log (see ``docs/access.md``).

Names are imported on first use (PEP 562), so ``import onemg.access.duo`` (the DUO matcher)
loads neither the web stack nor SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "HubAccess": "onemg.access.api",
    "NodeAccess": "onemg.access.api",
    "build_hub_access": "onemg.access.api",
    "build_node_access": "onemg.access.api",
    "hub_jwks_url": "onemg.access.api",
    "HashChainAudit": "onemg.access.audit",
    "verify_chain": "onemg.access.audit",
    "verify_store": "onemg.access.audit",
    "PassportVerifier": "onemg.access.clearinghouse",
    "Advice": "onemg.access.duo",
    "DataUse": "onemg.access.duo",
    "ResearchPurpose": "onemg.access.duo",
    "Verdict": "onemg.access.duo",
    "match": "onemg.access.duo",
    "BrokerCredentials": "onemg.access.hub",
    "HubTokenVerifier": "onemg.access.hub",
    "hub_router": "onemg.access.routes_hub",
    "node_router": "onemg.access.routes_node",
    "attach_node_access": "onemg.access.wiring",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'onemg.access' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

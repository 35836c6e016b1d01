"""Beacon v2 on the national node: granularity/privacy policy, answers, responses, routes.

The request model and the vocabulary (entry types, granularities, version) are shared with the
hub and live in :mod:`onemg.protocol`. The web layer uses ``build_router()`` and ``NodeData``.

Names are imported on first use (PEP 562), so importing a light submodule such as
``onemg.beacon.policy`` does not load the web stack or numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "ReportedCount": "onemg.beacon.policy",
    "decide": "onemg.beacon.policy",
    "floor_count": "onemg.beacon.policy",
    "BeaconJSON": "onemg.beacon.routes",
    "build_router": "onemg.beacon.routes",
    "Source": "onemg.beacon.service",
    "answer": "onemg.beacon.service",
    "DatasetHandle": "onemg.beacon.store",
    "NodeData": "onemg.beacon.store",
    "VariantRequest": "onemg.beacon.variants",
    "parse_variant": "onemg.beacon.variants",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'onemg.beacon' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

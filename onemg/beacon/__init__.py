"""Beacon v2 on the national node: request parsing, granularity/privacy policy, responses, routes.

The web layer uses ``build_router()`` and ``NodeData``; everything else is reachable for tests and
for the hub (which reuses the request model and the privacy floor).
"""

from onemg.beacon.audit import MemoryAuditSink
from onemg.beacon.entries import ENTRY_TYPES, EntryType
from onemg.beacon.policy import ReportedCount, decide, floor_count
from onemg.beacon.request import BeaconRequest, BeaconRequestBody, from_body, from_query_string
from onemg.beacon.routes import BeaconJSON, build_router
from onemg.beacon.service import Source, answer
from onemg.beacon.store import DatasetHandle, NodeData
from onemg.beacon.variants import VariantRequest, parse_variant

__all__ = [
    "ENTRY_TYPES",
    "BeaconJSON",
    "BeaconRequest",
    "BeaconRequestBody",
    "DatasetHandle",
    "EntryType",
    "MemoryAuditSink",
    "NodeData",
    "ReportedCount",
    "Source",
    "VariantRequest",
    "answer",
    "build_router",
    "decide",
    "floor_count",
    "from_body",
    "from_query_string",
    "parse_variant",
]

"""The hub's Beacon Network: member registry, concurrent fan-out, honest merging (see
``docs/network.md``).

Requests are parsed with the node's own code (:mod:`onemg.protocol`, through
:mod:`onemg.network.query`). The web app is built by :func:`onemg.web.hub_app.create_hub_app`.
The local demo network lives in :mod:`onemg.demo`.
"""

from __future__ import annotations

from onemg.network.breaker import CircuitBreaker
from onemg.network.config import MemberConfig, NetworkConfig, load_hub_config, parse_hub_config
from onemg.network.counts import CountPart, CountTotal, read_count, read_member_total, total
from onemg.network.credentials import CachedCredentials, MemberCredentials, PublicView
from onemg.network.fanout import MemberOutcome, fan_out
from onemg.network.merge import merge_entry
from onemg.network.query import NetworkQuery, from_get, from_post
from onemg.network.registry import MemberRegistry, MemberState
from onemg.network.service import NetworkService
from onemg.network.wire import AiohttpWire, MemberWire, WireError

__all__ = [
    "AiohttpWire",
    "CachedCredentials",
    "CircuitBreaker",
    "CountPart",
    "CountTotal",
    "MemberConfig",
    "MemberCredentials",
    "MemberOutcome",
    "MemberRegistry",
    "MemberState",
    "MemberWire",
    "NetworkConfig",
    "NetworkQuery",
    "NetworkService",
    "PublicView",
    "WireError",
    "fan_out",
    "from_get",
    "from_post",
    "load_hub_config",
    "merge_entry",
    "parse_hub_config",
    "read_count",
    "read_member_total",
    "total",
]

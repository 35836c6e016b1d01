"""The Beacon contract between a node and the hub: one corpus, the same answers.

Every request of :data:`CORPUS` (GET and POST, valid and invalid, with each case where the hub
once drifted from the nodes) goes to a real node process and to the real hub in front of real
nodes. Both must accept or refuse it alike (same status) and answer at the same granularity,
echoing the same ``requestedGranularity`` and ``includeResultsetResponses``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from onemg.demo.demo import DemoNetwork
from onemg.protocol import API_VERSION

pytestmark = pytest.mark.slow

F508DEL = {
    "referenceName": "7",
    "start": "117559589",
    "referenceBases": "ATCT",
    "alternateBases": "A",
}

#: (id, method, path, GET params or POST JSON body (or raw bytes), expected status)
CORPUS: list[tuple[str, str, str, Any, int]] = [
    # Valid GET
    ("get-default", "GET", "individuals", {}, 200),
    ("get-count", "GET", "individuals", {"requestedGranularity": "count"}, 200),
    ("get-COUNT-upper", "GET", "individuals", {"requestedGranularity": "COUNT"}, 200),
    ("get-record-anonymous", "GET", "individuals", {"requestedGranularity": "record"}, 200),
    (
        "get-include-ALL",
        "GET",
        "individuals",
        {"requestedGranularity": "count", "includeResultsetResponses": "ALL"},
        200,
    ),
    (
        "get-include-miss-lower",
        "GET",
        "individuals",
        {"requestedGranularity": "count", "includeResultsetResponses": "miss"},
        200,
    ),
    (
        "get-filter",
        "GET",
        "individuals",
        {"filters": "HP:0000822", "requestedGranularity": "count"},
        200,
    ),
    ("get-variant", "GET", "g_variants", {**F508DEL, "requestedGranularity": "count"}, 200),
    (
        "get-variant-carriers",
        "GET",
        "individuals",
        {**F508DEL, "requestedGranularity": "Count"},
        200,
    ),
    ("get-page", "GET", "individuals", {"skip": "1", "limit": "0"}, 200),
    ("get-testmode", "GET", "individuals", {"testMode": "true"}, 200),
    ("get-datasets", "GET", "datasets", {"requestedGranularity": "count"}, 200),
    # Invalid GET
    ("get-bad-granularity", "GET", "individuals", {"requestedGranularity": "all"}, 400),
    ("get-bad-include", "GET", "individuals", {"includeResultsetResponses": "SOME"}, 400),
    ("get-negative-skip", "GET", "individuals", {"skip": "-1"}, 400),
    ("get-limit-text", "GET", "individuals", {"limit": "ten"}, 400),
    ("get-testmode-maybe", "GET", "individuals", {"testMode": "maybe"}, 400),
    ("get-unknown-filter", "GET", "individuals", {"filters": "NOPE:123"}, 400),
    ("get-bad-start", "GET", "g_variants", {"referenceName": "7", "start": "x"}, 400),
    ("get-unknown-endpoint", "GET", "nonsense", {}, 404),
    ("get-unknown-lookup", "GET", "individuals/x/cohorts", {}, 404),
    # Valid POST
    ("post-empty", "POST", "individuals", b"", 200),
    (
        "post-count-beside-query",
        "POST",
        "individuals",
        {"requestedGranularity": "count", "query": {}},
        200,
    ),
    ("post-count-upper", "POST", "individuals", {"query": {"requestedGranularity": "COUNT"}}, 200),
    (
        "post-include-all-lower",
        "POST",
        "individuals",
        {"query": {"requestedGranularity": "count", "includeResultsetResponses": "all"}},
        200,
    ),
    (
        "post-full",
        "POST",
        "individuals",
        {
            "meta": {"apiVersion": "v2.0.0"},
            "query": {
                "filters": [{"id": "HP:0000822"}],
                "requestedGranularity": "count",
                "pagination": {"skip": 0, "limit": 5},
            },
        },
        200,
    ),
    (
        "post-variant-nested",
        "POST",
        "g_variants",
        {"query": {"requestParameters": {"g_variant": F508DEL}, "requestedGranularity": "count"}},
        200,
    ),
    (
        "post-record-anonymous",
        "POST",
        "individuals",
        {"query": {"requestedGranularity": "record"}},
        200,
    ),
    # Invalid POST
    ("post-not-object", "POST", "individuals", [1, 2], 400),
    ("post-not-json", "POST", "individuals", b"{not json", 400),
    (
        "post-bad-granularity",
        "POST",
        "individuals",
        {"query": {"requestedGranularity": "yes"}},
        400,
    ),
    (
        "post-bad-include",
        "POST",
        "individuals",
        {"query": {"includeResultsetResponses": "SOME"}},
        400,
    ),
    ("post-negative-skip", "POST", "individuals", {"query": {"pagination": {"skip": -1}}}, 400),
    ("post-empty-filter-id", "POST", "individuals", {"query": {"filters": [{"id": ""}]}}, 400),
    ("post-unknown-filter", "POST", "individuals", {"query": {"filters": ["NOPE:1"]}}, 400),
    ("post-unknown-endpoint", "POST", "nonsense", {}, 404),
]


def _send(client: httpx.Client, api: str, method: str, path: str, payload: Any) -> httpx.Response:
    url = f"{api}/{path}"
    if method == "GET":
        return client.get(url, params=payload)
    if isinstance(payload, bytes):
        return client.post(url, content=payload, headers={"Content-Type": "application/json"})
    return client.post(url, json=payload)


@pytest.mark.parametrize(
    ("name", "method", "path", "payload", "status"), CORPUS, ids=[c[0] for c in CORPUS]
)
def test_node_and_hub_agree(
    real_network: DemoNetwork, name: str, method: str, path: str, payload: Any, status: int
) -> None:
    plan = real_network.plan
    node_api = plan.node_url(plan.countries[0]) + "/api"
    hub_api = plan.hub_url + "/api"
    with httpx.Client(timeout=30, trust_env=False) as client:
        node = _send(client, node_api, method, path, payload)
        hub = _send(client, hub_api, method, path, payload)
    assert (node.status_code, hub.status_code) == (status, status), (node.text, hub.text)
    node_body, hub_body = node.json(), hub.json()
    assert hub_body["meta"]["apiVersion"] == node_body["meta"]["apiVersion"] == API_VERSION
    if status != 200:
        assert hub_body["error"]["errorCode"] == node_body["error"]["errorCode"] == status
        return
    node_meta, hub_meta = node_body["meta"], hub_body["meta"]
    assert hub_meta["returnedGranularity"] == node_meta["returnedGranularity"]
    for key in ("requestedGranularity", "includeResultsetResponses", "pagination"):
        assert (
            hub_meta["receivedRequestSummary"][key] == node_meta["receivedRequestSummary"][key]
        ), key
    if node_meta["returnedGranularity"] != "boolean":
        assert "numTotalResults" in hub_body["responseSummary"]
    assert hub_meta["returnedSchemas"] == node_meta["returnedSchemas"]


def test_filtering_terms_paths_are_served_by_both(real_network: DemoNetwork) -> None:
    plan = real_network.plan
    with httpx.Client(timeout=30, trust_env=False) as client:
        for path in ("filtering_terms", "individuals/filtering_terms"):
            node = client.get(f"{plan.node_url(plan.countries[0])}/api/{path}")
            hub = client.get(f"{plan.hub_url}/api/{path}")
            assert (node.status_code, hub.status_code) == (200, 200), path
            node_ids = {t["id"] for t in node.json()["response"]["filteringTerms"]}
            hub_ids = {t["id"] for t in hub.json()["response"]["filteringTerms"]}
            assert node_ids <= hub_ids  # the network offers every term of each member


def test_count_beside_query_is_a_count_on_both(real_network: DemoNetwork) -> None:
    """The drift that downgraded the hub's merge: granularity given beside ``query``."""
    plan = real_network.plan
    body = {"requestedGranularity": "count", "query": {}}
    with httpx.Client(timeout=30, trust_env=False) as client:
        hub = client.post(f"{plan.hub_url}/api/individuals", json=body).json()
        nodes = [
            client.post(f"{plan.node_url(c)}/api/individuals", json=body).json()
            for c in plan.countries
        ]
    assert hub["meta"]["returnedGranularity"] == "count"
    # The network total is the sum of the members' (exact, above the floor) totals.
    assert hub["responseSummary"]["numTotalResults"] == sum(
        n["responseSummary"]["numTotalResults"] for n in nodes
    )

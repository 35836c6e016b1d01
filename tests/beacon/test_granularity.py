"""Each dataset answers at its own tier; the answer says which were coarser and why.

A node with ds-fi (count needs REGISTERED) and ds-ee (count PUBLIC). Before, the anonymous count
answer fell to boolean for both datasets; now ds-ee keeps its count and ds-fi is listed in
``info.coarserDatasets`` with what would unlock it. Responses are checked against the official
Beacon v2 schemas.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from onemg.web.node_app import create_node_app
from tests.beacon.conftest import TOKENS, TokenVerifier, auth, node_settings, serve
from tests.beacon.node_data import DatasetSpec, ingest_node
from tests.beacon_schema import validate_beacon_response

REGISTERED_COUNT = {"boolean": "PUBLIC", "count": "REGISTERED", "record": "CONTROLLED"}


@pytest.fixture(scope="module")
def mixed_node(node_specs: list[DatasetSpec], tmp_path_factory: pytest.TempPathFactory) -> Path:
    fi = dataclasses.replace(node_specs[0], access=REGISTERED_COUNT)
    return ingest_node(
        tmp_path_factory.mktemp("mixed"),
        [fi, node_specs[1]],
        tmp_path_factory.mktemp("mixed_sources"),
    )


async def _get(client: httpx.AsyncClient, url: str, **kwargs: object) -> dict:
    r = await client.get(url, **kwargs)
    assert r.status_code == 200, r.text
    body = r.json()
    validate_beacon_response(body)
    return body


async def test_restrictive_dataset_does_not_lower_the_others(
    mixed_node: Path, node_specs: list[DatasetSpec]
) -> None:
    fi, ee = node_specs
    app = create_node_app(node_settings(mixed_node, k=1), verifier=TokenVerifier(TOKENS))
    async with serve(app) as c:
        body = await _get(
            c, "/api/individuals?requestedGranularity=count&includeResultsetResponses=ALL"
        )
        assert body["meta"]["returnedGranularity"] == "count"
        sets = {rs["id"]: rs for rs in body["response"]["resultSets"]}
        assert set(sets) == {"ds-ee"}  # a boolean-only dataset has no count to put in a set
        assert sets["ds-ee"]["resultsCount"] == ee.n
        assert body["responseSummary"]["numTotalResults"] == ee.n
        assert body["responseSummary"]["exists"] is True
        (coarse,) = body["info"]["coarserDatasets"]
        assert coarse["datasetId"] == "ds-fi"
        assert coarse["returnedGranularity"] == "boolean"
        assert coarse["requestedGranularity"] == "count"
        assert coarse["exists"] is True
        assert coarse["unlockedBy"] == "REGISTERED"
        assert "onemg passport --node FI" in coarse["howToUnlock"]

        # the same query with a ResearcherStatus visa: both counts, nothing coarser
        body = await _get(
            c, "/api/individuals?requestedGranularity=count", headers=auth("researcher")
        )
        assert body["responseSummary"]["numTotalResults"] == fi.n + ee.n
        assert "coarserDatasets" not in (body.get("info") or {})

        # record asked anonymously: both at count; CONTROLLED named as the key for records
        body = await _get(c, "/api/individuals?requestedGranularity=record")
        assert body["meta"]["returnedGranularity"] == "count"
        reasons = {d["datasetId"]: d["unlockedBy"] for d in body["info"]["coarserDatasets"]}
        assert reasons == {"ds-fi": "CONTROLLED", "ds-ee": "CONTROLLED"}


async def test_record_response_marks_count_only_sets(
    mixed_node: Path, node_specs: list[DatasetSpec]
) -> None:
    """A record answer for a caller granted ds-fi only, with registered status for ds-ee."""
    app = create_node_app(node_settings(mixed_node, k=1), verifier=TokenVerifier(TOKENS))
    async with serve(app) as c:
        r = await c.get("/api/individuals?requestedGranularity=record", headers=auth("granted-fi"))
    # an authenticated caller short on one dataset is told, never silently downgraded
    assert r.status_code == 403
    message = r.json()["error"]["errorMessage"]
    assert "ds-ee" in message
    assert "take a new passport" in message
    assert "onemg passport" in message


async def test_one_based_start_gets_a_hint(
    client: httpx.AsyncClient, node_specs: list[DatasetSpec]
) -> None:
    # a variant with enough carriers to be disclosed (k=5); a rare one gets no hint (below)
    site = next(
        s for s in node_specs[0].sites if len(s.ref) == len(s.alt) == 1 and len(s.carriers) >= 10
    )
    base = (
        f"/api/individuals?referenceName={site.contig}&referenceBases={site.ref}"
        f"&alternateBases={site.alt}&start="
    )
    # the VCF POS (1-based) given as Beacon start: nothing there, and a hint saying why
    body = await _get(client, base + str(site.pos))
    assert body["responseSummary"]["exists"] is False
    (hint,) = body["info"]["hints"]
    assert "0-based" in hint
    assert f"start={site.pos - 1}" in hint
    body = await _get(client, base + str(site.pos - 1))
    assert body["responseSummary"]["exists"] is True
    assert "hints" not in (body.get("info") or {})


async def test_no_hint_for_a_variant_the_floor_hides(
    client: httpx.AsyncClient, node_specs: list[DatasetSpec]
) -> None:
    rare = [
        s
        for spec in node_specs
        for s in spec.sites
        if len(s.ref) == len(s.alt) == 1 and 0 < len(s.carriers) < 5
    ]
    site = next(
        s
        for s in rare
        if not any(
            o.key == s.key and len(o.carriers) >= 5 for spec in node_specs for o in spec.sites
        )
    )
    body = await _get(
        client,
        f"/api/individuals?referenceName={site.contig}&referenceBases="
        f"{site.ref}&alternateBases={site.alt}&start={site.pos}",
    )
    assert "hints" not in (body.get("info") or {})

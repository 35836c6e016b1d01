"""The hub app over mocked members (httpx.MockTransport): merging, provenance, schemas."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import orjson
import pytest

from onemg.demo.stub import StubConfig, entry_body
from onemg.network.config import NetworkConfig
from onemg.settings import Settings
from onemg.web.hub_app import create_hub_app
from tests.beacon_schema import validate, validate_beacon_response

STUBS = {
    "fi.test": StubConfig(country="FI", beacon_id="eu.onemg.node.fi", counts=(12, 3)),
    "ee.test": StubConfig(country="EE", beacon_id="eu.onemg.node.ee", counts=(40,)),
    "pt.test": StubConfig(country="PT", beacon_id="eu.onemg.node.pt", counts=(0,)),
}


def _handler(seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        cfg = STUBS[request.url.host]
        path = request.url.path.removeprefix("/api").strip("/")
        if path in ("info", "map", "configuration", "filtering_terms"):
            return httpx.Response(404)
        if request.method == "POST":
            granularity = orjson.loads(request.content)["query"]["requestedGranularity"]
        else:
            granularity = request.url.params.get("requestedGranularity", "boolean")
        return httpx.Response(200, content=orjson.dumps(entry_body(cfg, granularity)))

    return handle


@pytest.fixture
async def hub(
    hub_settings: Settings, network_config: Callable[..., NetworkConfig]
) -> AsyncIterator[tuple[httpx.AsyncClient, list[httpx.Request]]]:
    seen: list[httpx.Request] = []
    config = network_config({f"{h[:2]}": f"http://{h}/api" for h in STUBS})
    app = create_hub_app(hub_settings, config, transport=httpx.MockTransport(_handler(seen)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            yield client, seen


async def test_count_query_merges_with_provenance_and_honest_total(hub) -> None:
    client, _ = hub
    response = await client.get(
        "/api/g_variants",
        params={
            "referenceName": "7",
            "start": "117559590",
            "referenceBases": "ATCT",
            "alternateBases": "A",
            "requestedGranularity": "count",
        },
    )
    assert response.status_code == 200
    body = response.json()
    validate_beacon_response(body)
    assert body["meta"]["beaconId"] == "eu.onemg.test-hub"
    summary = body["responseSummary"]
    # 12 exact + 3 floored to 5 + 40 exact + 0: never reported as an exact 57.
    assert summary == {
        "exists": True,
        "numTotalResults": 57,
        "countPrecision": "imprecise",
        "countAdjustedTo": ["52-56"],
    }
    by_country = {
        (rs["info"]["country"], rs["id"]): rs["resultsCount"]
        for rs in body["response"]["resultSets"]
    }
    assert by_country == {("FI", "stub-fi-0"): 12, ("FI", "stub-fi-1"): 5, ("EE", "stub-ee-0"): 40}
    assert {rs["beaconId"] for rs in body["response"]["resultSets"]} == {
        "eu.onemg.node.fi",
        "eu.onemg.node.ee",
    }
    network = body["info"]["network"]
    assert network["answered"] == ["fi", "ee", "pt"]
    assert network["unavailable"] == []
    assert network["count"]["byMember"]["fi"] == {
        "reported": 17,
        "precision": "imprecise",
        "lowerBound": 12,
        "upperBound": 16,
    }


async def test_post_query_forwards_body_and_validates(hub) -> None:
    client, seen = hub
    request = {
        "meta": {"apiVersion": "v2.0.0"},
        "query": {
            "requestParameters": {
                "referenceName": "7",
                "start": [117559590],
                "alternateBases": "A",
            },
            "filters": [{"id": "HP:0001250"}],
            "requestedGranularity": "count",
        },
    }
    response = await client.post("/api/g_variants", json=request)
    assert response.status_code == 200
    validate(response.json(), "beaconCountResponse")
    forwarded = [r for r in seen if r.method == "POST"]
    assert len(forwarded) == 3
    assert all(orjson.loads(r.content) == request for r in forwarded)


async def test_boolean_query_has_no_counts(hub) -> None:
    client, _ = hub
    response = await client.get("/api/individuals", params={"filters": "HP:0001250"})
    body = response.json()
    validate(body, "beaconBooleanResponse")
    assert body["responseSummary"] == {"exists": True}
    assert body["meta"]["returnedGranularity"] == "boolean"


async def test_caller_token_is_never_forwarded(hub) -> None:
    client, seen = hub
    response = await client.get("/api/individuals", headers={"Authorization": "Bearer abc.def.ghi"})
    # No issuer is trusted yet: a token is refused (401), never downgraded or passed on.
    assert response.status_code == 401
    validate(response.json(), "beaconErrorResponse")
    assert not any("authorization" in r.headers for r in seen)


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("post", "/api/individuals", {"content": b"{not json"}),
        ("post", "/api/individuals", {"content": b"[1, 2]"}),
        ("get", "/api/individuals", {"params": {"requestedGranularity": "everything"}}),
        ("get", "/api/individuals", {"params": {"skip": "-1"}}),
    ],
)
async def test_bad_requests_get_beacon_errors(hub, method: str, path: str, kwargs: dict) -> None:
    client, _ = hub
    response = await getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    validate(response.json(), "beaconErrorResponse")


async def test_unknown_endpoint_is_404(hub) -> None:
    client, _ = hub
    response = await client.get("/api/not_an_entry")
    assert response.status_code == 404
    validate(response.json(), "beaconErrorResponse")
    assert "/api/g_variants" in response.json()["error"]["errorMessage"]


async def test_informational_endpoints_validate(hub) -> None:
    client, _ = hub
    validate((await client.get("/api/info")).json(), "beaconInfoResponse")
    validate((await client.get("/api/map")).json(), "beaconMapResponse")
    validate((await client.get("/api/configuration")).json(), "beaconConfigurationResponse")
    validate((await client.get("/api/entry_types")).json(), "beaconEntryTypesResponse")
    validate((await client.get("/api/filtering_terms")).json(), "beaconFilteringTermsResponse")
    info = (await client.get("/api/info")).json()["response"]["info"]
    assert info["isBeaconNetwork"] is True
    assert info["countries"] == ["EE", "FI", "PT"]

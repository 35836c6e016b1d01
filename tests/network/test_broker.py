"""Cross-border authorization: the hub never forwards the caller's token; members get passports
minted for them alone (audience = the member)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import orjson
import pytest

from onemg.demo.stub import StubConfig, entry_body
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import AccessSettings, BeaconSettings, Settings
from onemg.web.hub_app import create_hub_app
from tests.beacon_schema import validate

MEMBERS = ("fi", "ee")


@pytest.fixture
async def broker_hub(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, list, object]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if "/permissions/" in path or path.endswith(
            ("info", "map", "configuration", "filtering_terms")
        ):
            return httpx.Response(404)
        cfg = StubConfig(country=request.url.host[:2].upper(), beacon_id=f"b.{request.url.host}")
        return httpx.Response(200, content=orjson.dumps(entry_body(cfg, "count")))

    settings = Settings(
        data_dir=tmp_path / "hub",
        beacon=BeaconSettings(beacon_id="eu.onemg.test-hub"),
        access=AccessSettings(public_url="http://hub.test/"),
    )
    network = NetworkConfig(
        members=tuple(
            MemberConfig(id=m, base_url=f"http://{m}.node/api", country=m.upper()) for m in MEMBERS
        ),
        broker=True,
    )
    app = create_hub_app(settings, network, transport=httpx.MockTransport(handle))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client, seen, app


async def test_members_get_member_scoped_passports_not_the_callers_token(broker_hub) -> None:
    client, seen, app = broker_hub
    discovery = await client.get("/.well-known/openid-configuration")
    assert discovery.status_code == 200
    app.state.hub_access().accounts.create("alice", "correct horse battery")
    login = await client.post(
        "/oidc/login", json={"username": "alice", "password": "correct horse battery"}
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    seen.clear()
    response = await client.get(
        "/api/individuals",
        params={"requestedGranularity": "count"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    validate(response.json(), "beaconCountResponse")
    queries = [r for r in seen if r.url.path == "/api/individuals"]
    assert len(queries) == len(MEMBERS)
    for request in queries:
        presented = request.headers["authorization"].removeprefix("Bearer ")
        assert presented != token
        claims = jwt.decode(presented, options={"verify_signature": False})
        assert claims["aud"] == [f"http://{request.url.host}/"]
        assert claims["iss"] == "http://hub.test/"


async def test_bad_token_is_refused_and_anonymous_is_public(broker_hub) -> None:
    client, seen, _ = broker_hub
    response = await client.get("/api/individuals", headers={"Authorization": "Bearer x.y.z"})
    assert response.status_code == 401
    validate(response.json(), "beaconErrorResponse")
    seen.clear()
    response = await client.get("/api/individuals")
    assert response.status_code == 200
    assert not any("authorization" in r.headers for r in seen)


async def test_member_passports_are_reused_across_queries(broker_hub) -> None:
    client, seen, app = broker_hub
    app.state.hub_access().accounts.create("bob", "correct horse battery")
    login = await client.post(
        "/oidc/login", json={"username": "bob", "password": "correct horse battery"}
    )
    token = login.json()["access_token"]
    seen.clear()
    for _ in range(3):
        response = await client.get(
            "/api/individuals",
            params={"requestedGranularity": "count"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
    presented = [r.headers["authorization"] for r in seen if r.url.path == "/api/individuals"]
    # One passport per member, minted (visas collected from the member) for the first query
    # only and presented on every query.
    assert len(presented) == 3 * len(MEMBERS)
    assert len(set(presented)) == len(MEMBERS)
    assert len([r for r in seen if "/permissions/" in r.url.path]) == len(MEMBERS)

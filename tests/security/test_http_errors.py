"""Attack: requests that used to end in unhandled 500s (issue 11 §5).

- ``GET /api/individuals?skip=1e30`` got a 500 from the hub (orjson could not echo the value).
- A trusted-signed passport or visa with ``exp`` NaN, Infinity or 1e999 got a 500, and NaN
  even passed the expiry check.
- Any error nobody expected must be audited and answered with a 500 that names no internals.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import Engine

from onemg.access.keys import SigningKey
from onemg.access.store import AuditStore
from onemg.access.tokens import PASSPORT_TYP, RESEARCHER_STATUS, sign_passport, sign_visa
from tests.access.conftest import HUB, NODE, Clock, Network, migrated
from tests.beacon_schema import validate
from tests.security.conftest import Apps, hub_audit

BOTH = pytest.mark.parametrize("which", ["node", "hub"])


@BOTH
@pytest.mark.parametrize(
    "query",
    ["skip=1e30", "limit=1e30", "skip=99999999999999999999999", "skip=-1", "limit=NaN", "skip=inf"],
)
async def test_out_of_range_pagination_is_a_400(apps: Apps, which: str, query: str) -> None:
    resp = await apps.client(which).get(f"/api/individuals?{query}")
    assert resp.status_code == 400, resp.text[:300]
    validate(resp.json(), "beaconErrorResponse")


SECRET = "db-password=hunter2"


def _boom() -> None:
    raise RuntimeError(f"connection failed ({SECRET})")


@BOTH
async def test_unexpected_error_is_a_safe_500_and_audited(apps: Apps, which: str) -> None:
    app = apps.node if which == "node" else apps.hub
    app.add_api_route("/boom/{anything}", _boom)
    # Starlette re-raises after answering (for servers to log): take the answer, not the raise.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        resp = await client.get("/boom/x%1b%0ay")
    assert resp.status_code == 500
    assert SECRET not in resp.text
    assert "RuntimeError" not in resp.text
    validate(resp.json(), "beaconErrorResponse")
    if which == "node":
        lazy = apps.node.state.access
        lazy.buffered.flush()
        entries = list(AuditStore(lazy._database()).entries())  # noqa: SLF001
    else:
        entries = hub_audit(apps)
    last = entries[-1]
    assert (last.action, last.result) == ("http.error", "error")
    assert last.reason == "500: RuntimeError"
    assert SECRET not in last.reason + last.resource
    assert "\x1b" not in last.resource  # control characters never reach the log
    assert "\n" not in last.resource


# -- numeric claims ------------------------------------------------------------------------


@pytest.fixture
async def net(tmp_path: Path, hub_key: SigningKey, node_key: SigningKey) -> AsyncIterator[Network]:
    engine: Engine = migrated(f"sqlite:///{tmp_path / 'access.db'}")
    network = Network(tmp_path, engine, Clock(), hub_key, node_key)
    yield network
    await network.http.aclose()
    engine.dispose()


@pytest.fixture(scope="module")
def hub_key() -> SigningKey:
    from onemg.access.keys import generate_key

    return generate_key("ES256")


@pytest.fixture(scope="module")
def node_key() -> SigningKey:
    from onemg.access.keys import generate_key

    return generate_key("RS256")


def _resign(token: str, key: SigningKey, claim: str, raw: str, *, typ: str | None) -> str:
    """``token`` with ``claim`` set to the raw JSON text ``raw`` (e.g. NaN), signed by ``key``."""
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims[claim] = "__RAW__"
    payload = json.dumps(claims).replace('"__RAW__"', raw).encode()
    headers = {k: v for k, v in header.items() if k not in ("alg",)}
    if typ:
        headers["typ"] = typ
    return jwt.api_jws.PyJWS().encode(payload, key.private, algorithm=key.alg, headers=headers)


RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "1e30", "true", '"1790000600"', "0"]


@pytest.mark.parametrize("raw", RAW_NUMBERS)
@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
async def test_passport_with_non_finite_time_claim_is_a_401(
    net: Network, hub_key: SigningKey, raw: str, claim: str
) -> None:
    now = int(net.clock())
    good = sign_passport(
        hub_key, iss=HUB, sub="sub-1", visas=[], iat=now, exp=now + 600, aud=[NODE]
    )
    token = _resign(good, hub_key, claim, raw, typ=PASSPORT_TYP)
    resp = await net.records("synth-fi-1", token)
    assert resp.status_code == 401, resp.text
    assert claim in resp.json()["error"]["errorMessage"]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "1e999"])
async def test_visa_with_non_finite_exp_is_a_401(
    net: Network, hub_key: SigningKey, raw: str
) -> None:
    now = int(net.clock())
    visa = sign_visa(
        hub_key,
        iss=HUB,
        jku=f"{HUB}oidc/jwks",
        sub="sub-1",
        visa_type=RESEARCHER_STATUS,
        value="https://doi.org/10.1038/s41431-018-0219-y",
        source=HUB,
        by="so",
        asserted=now - 60,
        iat=now,
        exp=now + 600,
    )
    bad = _resign(visa, hub_key, "exp", raw, typ=None)
    passport = sign_passport(
        hub_key, iss=HUB, sub="sub-1", visas=[bad], iat=now, exp=now + 600, aud=[NODE]
    )
    resp = await net.records("synth-fi-1", passport)
    assert resp.status_code == 401, resp.text

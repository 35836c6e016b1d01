"""Security headers, and absolute URLs from ``public_url`` never from ``Host`` (issue 11 §5).

Originally no security header was set, and the ``Host`` header a client sent was echoed in
``/api/map`` and in trailing-slash redirects (so a forged Host could plant links elsewhere).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from onemg.web.hub_app import create_hub_app
from onemg.web.middleware import API_CSP, DOCS_CSP
from onemg.web.node_app import create_node_app
from tests.security.conftest import HUB, NODE, Apps, hub_settings, network, node_settings

BOTH = pytest.mark.parametrize("which", ["node", "hub"])
ORIGIN = {"node": NODE.rstrip("/"), "hub": HUB.rstrip("/")}
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@BOTH
@pytest.mark.parametrize("path", ["/api/info", "/api/nowhere", "/api/individuals"])
async def test_security_headers_on_every_answer(apps: Apps, which: str, path: str) -> None:
    resp = await apps.client(which).get(path)
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["content-security-policy"] == API_CSP
    assert "strict-transport-security" not in resp.headers  # plain http: no HSTS


async def test_api_docs_get_a_policy_that_lets_them_run(apps: Apps) -> None:
    resp = await apps.node_client.get("/api/docs")
    assert resp.status_code == 200
    assert resp.headers["content-security-policy"] == DOCS_CSP
    assert "frame-ancestors 'none'" in DOCS_CSP


@BOTH
async def test_map_urls_come_from_public_url_not_host(apps: Apps, which: str) -> None:
    resp = await apps.client(which).get("/api/map", headers=EVIL)
    assert resp.status_code == 200
    assert "evil.example" not in resp.text
    urls = [
        e["url"]
        for s in resp.json()["response"]["endpointSets"].values()
        for e in s.get("endpoints", {}).values()
    ]
    urls += [s["rootUrl"] for s in resp.json()["response"]["endpointSets"].values()]
    assert urls
    assert all(u.startswith(ORIGIN[which] + "/api/") for u in urls), urls[:3]


@BOTH
async def test_trailing_slash_redirect_points_at_public_url(apps: Apps, which: str) -> None:
    path = "/api/info/" if which == "node" else "/oidc/jwks/"
    resp = await apps.client(which).get(path, headers=EVIL)
    assert resp.status_code in (307, 308), resp.text
    assert resp.headers["location"].startswith(ORIGIN[which] + "/")
    assert "evil.example" not in resp.headers["location"]


@pytest.mark.parametrize("which", ["node", "hub"])
async def test_hsts_and_https_urls_behind_tls(tmp_path: Path, which: str) -> None:
    """A deployment whose public_url is https (nginx terminates TLS) sends HSTS."""
    (tmp_path / "node").mkdir()
    if which == "node":
        app = create_node_app(node_settings(tmp_path, public_url="https://fi.example.eu/"))
    else:
        app = create_hub_app(
            hub_settings(tmp_path, public_url="https://hub.example.eu/"),
            network(),
            transport=httpx.MockTransport(lambda r: httpx.Response(404)),
            refresh_on_start=False,
        )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as c,
    ):
        resp = await c.get("/api/map", headers=EVIL)
    assert resp.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "https://" in resp.text
    assert "http://127.0.0.1" not in resp.text

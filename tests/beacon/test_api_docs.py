"""API docs pages work offline: every asset is served by the app itself, on node and hub."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from onemg.network.config import parse_hub_config
from onemg.web.hub_app import create_hub_app
from tests.beacon.conftest import serve

_ASSET_RE = re.compile(r"""(?:src|href)\s*[=:]\s*['"]([^'"]+)['"]""")


async def _check_docs(client: httpx.AsyncClient) -> None:
    spec = await client.get("/api/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["openapi"].startswith("3.")
    for page in ("/api/docs", "/api/redoc"):
        html = (await client.get(page)).text
        assert "/api/openapi.json" in html
        assets = _ASSET_RE.findall(html)
        assert any(a.endswith(".js") for a in assets), page
        for url in assets:
            assert url.startswith("/api/docs/static/"), f"{page} loads {url} from elsewhere"
            got = await client.get(url)
            assert got.status_code == 200, url
            assert len(got.content) > 1000, url
        assert "cdn" not in html.lower()
        assert "fonts.googleapis" not in html


async def test_node_docs_offline(client: httpx.AsyncClient) -> None:
    await _check_docs(client)


async def test_hub_docs_offline(tmp_path: Path) -> None:
    settings, network = parse_hub_config(
        {
            "data_dir": str(tmp_path / "hub"),
            "members": [{"id": "fi", "base_url": "http://127.0.0.1:9/api", "country": "FI"}],
        }
    )
    async with serve(create_hub_app(settings, network)) as client:
        await _check_docs(client)

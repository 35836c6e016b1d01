"""Attack: oversized request bodies and headers (issue 11 §5), on the node and on the hub.

Originally a 50 MB POST body got a 200 from both, and a 36 MB JSON body took 1.9 s to parse
on the hub. Now bodies over the limit get 413 before anything parses them (a declared length
is refused unread; a chunked body is cut at the first chunk past the limit), and oversized
headers get 431.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest

from onemg.web.middleware import MAX_BODY_BYTES, MAX_HEADER_BYTES
from tests.beacon_schema import validate
from tests.security.conftest import Apps

BOTH = pytest.mark.parametrize("which", ["node", "hub"])
#: Beacon POST and the access APIs: each must refuse the flood before parsing.
PATHS = {
    "node": ["/api/individuals", "/api/access/applications"],
    "hub": ["/api/individuals", "/oidc/login"],
}


def _big_json(size: int) -> bytes:
    return orjson.dumps(
        {"meta": {"apiVersion": "v2.0.0"}, "query": {"filters": [{"id": "x" * size}]}}
    )


@BOTH
async def test_declared_oversized_body_is_refused_with_413(apps: Apps, which: str) -> None:
    for path in PATHS[which]:
        resp = await apps.client(which).post(
            path, content=_big_json(50 * 1024 * 1024), headers={"Content-Type": "application/json"}
        )
        assert resp.status_code == 413, (path, resp.text[:200])
        message = (
            resp.json().get("error_description")
            if path.startswith("/oidc/")
            else resp.json()["error"]["errorMessage"]
        )
        assert f"limit of {MAX_BODY_BYTES} bytes" in message
        if not path.startswith("/oidc/"):
            validate(resp.json(), "beaconErrorResponse")


@BOTH
async def test_chunked_oversized_body_is_cut_off_early(apps: Apps, which: str) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        head = b'{"meta": {"apiVersion": "v2.0.0"}, "query": {"filters": [{"id": "'
        yield head
        for _ in range(800):  # 50 MB in 64 KiB chunks, no Content-Length
            sent += 1
            yield b"x" * 65536

    resp = await apps.client(which).post(
        "/api/individuals", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 413, resp.text[:200]
    assert sent <= MAX_BODY_BYTES // 65536 + 2  # stopped reading right past the limit


@BOTH
async def test_body_under_the_limit_is_served(apps: Apps, which: str) -> None:
    resp = await apps.client(which).post(
        "/api/individuals",
        content=orjson.dumps(
            {"meta": {"apiVersion": "v2.0.0"}, "query": {"requestedGranularity": "count"}}
        ),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 200, resp.text[:300]


@BOTH
async def test_oversized_headers_are_refused_with_431(apps: Apps, which: str) -> None:
    resp = await apps.client(which).get(
        "/api/info", headers={"Authorization": "Bearer " + "a" * MAX_HEADER_BYTES}
    )
    assert resp.status_code == 431
    assert "request headers" in resp.json()["error"]["errorMessage"]

"""`download_ticket`: blocks fetched in parallel and joined in ticket order, retried after
network errors and 5xx, never after a 4xx (unit test over httpx.MockTransport)."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from onemg.errors import AccessDeniedError, InvalidInputError
from onemg.retrieval.client import download_ticket, parse_region


def _ticket(n: int) -> dict:
    urls = [
        {"url": "data:application/vnd.ga4gh.crypt4gh;base64," + base64.b64encode(b"H").decode()}
    ]
    urls += [{"url": f"http://node.test/b/{i}?r=0-3", "headers": {"X": "y"}} for i in range(n)]
    return {"htsget": {"urls": urls}}


def test_parallel_order_and_retries(tmp_path: Path) -> None:
    calls: dict[str, int] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["X"] == "y"  # ticket headers are sent
        path = request.url.path
        calls[path] = calls.get(path, 0) + 1
        if path == "/b/1" and calls[path] == 1:
            raise httpx.ConnectError("refused")
        if path == "/b/2" and calls[path] < 3:
            return httpx.Response(503)
        return httpx.Response(200, content=path[-1].encode() * 3)

    progress: list[tuple[int, int | None]] = []
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        size = download_ticket(
            http,
            _ticket(4),
            tmp_path / "out",
            workers=3,
            retries=3,
            progress=lambda d, t: progress.append((d, t)),
        )
    assert (tmp_path / "out").read_bytes() == b"H000111222333"
    assert size == 13
    assert calls == {"/b/0": 1, "/b/1": 2, "/b/2": 3, "/b/3": 1}
    assert progress[-1] == (12, 12)


def test_client_errors_are_not_retried(tmp_path: Path) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(
            403, json={"htsget": {"error": "PermissionDenied", "message": "block URL expired"}}
        )

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as http,
        pytest.raises(AccessDeniedError, match="expired"),
    ):
        download_ticket(http, _ticket(1), tmp_path / "out", retries=3)
    assert calls == ["/b/0"]


def test_parse_region() -> None:
    assert parse_region("7:117480025-117668665") == ("7", 117480024, 117668665)
    assert parse_region("chr2") == ("chr2", None, None)
    assert parse_region("1:1,000-2,000") == ("1", 999, 2000)
    for bad in ("1:0-5", "1:10-5", "1:a-b"):
        with pytest.raises(InvalidInputError, match="--region"):
            parse_region(bad)

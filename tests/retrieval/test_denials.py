"""Every refusal: the right status and htsget error type, and an audit entry for it; block URLs
bound to requester, range and time; no secret in any log line."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import create_engine

from onemg.access.store import AuditStore
from tests.retrieval.conftest import BCF_ID, VCF_ID, World

pytestmark = pytest.mark.slow


def _expect(resp: httpx.Response, status: int, error: str, text: str = "") -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"htsget"}
    assert set(body["htsget"]) == {"error", "message"}
    assert body["htsget"]["error"] == error
    assert text in body["htsget"]["message"]


def _audited(world: World, expected: list[tuple[str | None, str, str]]) -> None:
    """Wait for the buffered audit to reach the database, then find each (user, action,
    reason fragment) as a denied entry."""
    engine = create_engine(world.node_settings.db_url)
    deadline = time.monotonic() + 10
    missing = expected
    while time.monotonic() < deadline:
        entries = [e for e in AuditStore(engine).entries() if e.result == "denied"]
        missing = [
            (u, a, r)
            for u, a, r in expected
            if not any(e.user == u and e.action == a and r in e.reason for e in entries)
        ]
        if not missing:
            break
        time.sleep(0.2)
    engine.dispose()
    assert not missing
    assert all("eyJ" not in e.reason and "sig=" not in e.reason for e in entries)


def _ticket(world: World, ds: str, headers: dict, **params: object) -> httpx.Response:
    return world.http.get(
        f"{world.node_url}api/htsget/variants/{ds}", headers=headers, params=params
    )


def test_who_may_read(world: World) -> None:
    p = world.people
    key = {"Htsget-Context-Public-Key": p["alice"].key_header}
    _expect(_ticket(world, VCF_ID, key), 401, "InvalidAuthentication", "Bearer")
    _expect(
        _ticket(world, VCF_ID, {**key, "Authorization": "Bearer not.a.jwt"}),
        401,
        "InvalidAuthentication",
    )
    _expect(
        _ticket(world, VCF_ID, {**key, "Authorization": "Basic YTpi"}),
        401,
        "InvalidAuthentication",
        "Bearer",
    )
    _expect(_ticket(world, VCF_ID, world.headers("carol")), 403, "PermissionDenied")
    # bob holds a grant for the BCF dataset only
    _expect(_ticket(world, VCF_ID, world.headers("bob")), 403, "PermissionDenied")
    assert _ticket(world, BCF_ID, world.headers("bob"), format="BCF").status_code == 200
    # an unknown dataset answers exactly like a forbidden one
    unknown = _ticket(world, "no-such-dataset", world.headers("alice"))
    forbidden = _ticket(world, VCF_ID, world.headers("carol"))
    _expect(unknown, 403, "PermissionDenied")
    assert unknown.json() == forbidden.json()
    # whole files: same rules
    files = f"{world.node_url}api/files/{VCF_ID}"
    _expect(world.http.get(files, headers=key), 401, "InvalidAuthentication")
    _expect(world.http.get(files, headers=world.headers("carol")), 403, "PermissionDenied")
    _audited(
        world,
        [
            (None, "htsget.ticket", "no bearer token"),
            (None, "htsget.ticket", "invalid credentials"),
            (None, "htsget.ticket", "malformed Authorization"),
            (p["carol"].sub, "htsget.ticket", "no grant"),
            (p["bob"].sub, "htsget.ticket", "no grant"),
            (p["alice"].sub, "htsget.ticket", "no grant"),  # the unknown dataset
            (None, "files.download", "no bearer token"),
            (p["carol"].sub, "files.download", "no grant"),
        ],
    )


def test_revocation_applies_on_the_next_request(world: World) -> None:
    headers = world.headers("dave")
    assert _ticket(world, VCF_ID, headers).status_code == 200
    world.entitlements.revoke_application("d1", at=int(world.clock()), reason="test")
    # the same passport, its visa still unexpired
    _expect(_ticket(world, VCF_ID, headers), 403, "PermissionDenied")
    _audited(world, [(world.people["dave"].sub, "htsget.ticket", "no grant")])


def test_keys(world: World) -> None:
    alice = world.headers("alice", key=False)
    _expect(_ticket(world, VCF_ID, alice), 400, "InvalidInput", "KEY_MISSING")
    both = {
        **alice,
        "Htsget-Context-Public-Key": world.people["alice"].key_header,
        "X-C4GH-Public-Key": world.people["alice"].key_header,
    }
    _expect(_ticket(world, VCF_ID, both), 400, "InvalidInput", "KEY_CONFLICT")
    _expect(
        _ticket(world, VCF_ID, {**alice, "X-C4GH-Public-Key": "bm90IGEga2V5"}),
        400,
        "InvalidInput",
        "public key",
    )
    assert (
        _ticket(
            world, VCF_ID, {**alice, "X-C4GH-Public-Key": world.people["alice"].key_header}
        ).status_code
        == 200
    )
    _expect(
        world.http.get(f"{world.node_url}api/files/{VCF_ID}", headers=alice),
        400,
        "InvalidInput",
        "KEY_MISSING",
    )
    sub = world.people["alice"].sub
    _audited(
        world,
        [
            (sub, "htsget.ticket", "KEY_MISSING"),
            (sub, "htsget.ticket", "KEY_CONFLICT"),
            (sub, "files.download", "KEY_MISSING"),
        ],
    )


def test_invalid_requests(world: World) -> None:
    h = world.headers("alice")
    url = f"{world.node_url}api/htsget/variants/{VCF_ID}"
    _expect(_ticket(world, VCF_ID, h, format="BAM"), 400, "UnsupportedFormat")
    _expect(_ticket(world, VCF_ID, h, format="BCF"), 400, "UnsupportedFormat", "format=VCF")
    _expect(_ticket(world, VCF_ID, h, referenceName="chr1", start=50, end=10), 400, "InvalidRange")
    _expect(_ticket(world, VCF_ID, h, start=10), 400, "InvalidInput", "referenceName")
    _expect(_ticket(world, VCF_ID, h, start="x", referenceName="chr1"), 400, "InvalidInput")
    _expect(
        _ticket(world, VCF_ID, h, **{"class": "header", "referenceName": "chr1"}),
        400,
        "InvalidInput",
    )
    _expect(_ticket(world, VCF_ID, h, referenceName="chr9"), 404, "NotFound")
    _expect(world.http.post(url, headers=h, json={"regions": []}), 400, "InvalidInput")
    _expect(world.http.post(url + "?format=VCF", headers=h, json={}), 400, "InvalidInput")
    _expect(
        world.http.post(
            url, headers=h, json={"regions": [{"referenceName": "chr1", "start": 5, "end": 5}]}
        ),
        400,
        "InvalidRange",
    )
    _expect(
        world.http.post(url, headers=h, json={"regions": [{"referenceName": "chr1"}] * 101}),
        413,
        "PayloadTooLarge",
    )
    _expect(world.http.post(url, headers=h, content=b"{not json"), 400, "InvalidInput")


def _first_block(world: World, ds: str, who: str, **params: object) -> dict:
    resp = _ticket(world, ds, world.headers(who), **params)
    assert resp.status_code == 200, resp.text
    return resp.json()["htsget"]["urls"][1]


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def test_block_urls_are_bound(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    block = _first_block(world, BCF_ID, "alice", format="BCF", referenceName="chr2")
    url, alice = block["url"], block["headers"]
    ok = world.http.get(url, headers=alice)
    assert ok.status_code == 200
    assert int(ok.headers["content-length"]) == len(ok.content) > 0
    # bob may read the BCF dataset, but this URL was issued to alice
    bob = {"Authorization": f"Bearer {world.passport('bob')}"}
    _expect(world.http.get(url, headers=bob), 403, "PermissionDenied", "not issued to you")
    # the URL alone (no passport) is useless
    _expect(world.http.get(url), 401, "InvalidAuthentication")
    start, end = parse_qs(urlsplit(url).query)["r"][0].split("-")
    altered = _with_query(url, r=f"{start}-{int(end) + 65564}")
    _expect(world.http.get(altered, headers=alice), 403, "PermissionDenied")
    _expect(world.http.get(_with_query(url, v="v1"), headers=alice), 403, "PermissionDenied")
    world.clock.advance(301)
    try:
        _expect(world.http.get(url, headers=alice), 403, "PermissionDenied", "expired")
    finally:
        world.clock.advance(-301)
    sig = parse_qs(urlsplit(url).query)["sig"][0]
    token = alice["Authorization"].split()[1]
    # Nothing the node logs holds the signature or the passport (the test's own HTTP client,
    # httpx, logs the URLs it calls: those lines are not the node's).
    node_log = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    )
    assert sig not in node_log
    assert token not in node_log
    p = world.people
    _audited(
        world,
        [
            (p["bob"].sub, "htsget.block", "not issued to you"),
            (None, "htsget.block", "no bearer token"),
            (p["alice"].sub, "htsget.block", "altered"),
            (p["alice"].sub, "htsget.block", "expired"),
        ],
    )

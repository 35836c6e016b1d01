"""Attacks on the hub's token endpoints: failed checks audited (issue 11 §5), passports for
audiences that are no member (issue 12 §2), and OAuth 2.0 error answers (issue 12 §2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onemg.access.hub_service import ACCESS_TOKEN_TYPE, PASSPORT_TOKEN_TYPE, TOKEN_EXCHANGE
from tests.security.conftest import NODE, PASSWORD, Apps, hub_audit, login

FORGED = "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0."


def _exchange(token: str, audience: str) -> dict[str, str]:
    return {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": token,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "requested_token_type": PASSPORT_TOKEN_TYPE,
        "audience": audience,
    }


@pytest.mark.parametrize(
    ("method", "path", "action"),
    [
        ("POST", "/oidc/token", "broker.passport"),
        ("GET", "/oidc/userinfo", "broker.userinfo"),
        ("POST", "/oidc/accept-terms", "auth.accept-terms"),
        ("PUT", "/oidc/admin/users/alice/researcher-status", "admin.researcher-status"),
        ("DELETE", "/oidc/admin/users/alice/researcher-status", "admin.researcher-status"),
    ],
)
@pytest.mark.parametrize("token", [FORGED, "Basic"])
async def test_failed_token_checks_are_audited_and_answered_in_oauth_form(
    apps: Apps, method: str, path: str, action: str, token: str | None
) -> None:
    if method == "POST" and path == "/oidc/token":
        resp = await apps.hub_client.post(path, data=_exchange(token or "x", NODE))
    else:
        headers = (
            {}
            if token is None
            else {"Authorization": "Basic dXNlcjpwdw==" if token == "Basic" else f"Bearer {token}"}
        )
        resp = await apps.hub_client.request(method, path, headers=headers)
    assert resp.status_code == 401, resp.text
    body = resp.json()
    assert body["error"] == "invalid_grant"
    assert body["error_description"]
    assert "meta" not in body  # not a Beacon envelope
    assert resp.headers["cache-control"] == "no-store"
    last = hub_audit(apps)[-1]
    assert (last.action, last.result, last.user) == (action, "denied", None)
    assert FORGED not in last.reason  # the token itself is never logged


async def test_non_admin_is_refused_and_audited(apps: Apps, make_user: Callable[..., str]) -> None:
    sub = make_user("eve")
    make_user("alice")
    token = await login(apps.hub_client, "eve")
    resp = await apps.hub_client.put(
        "/oidc/admin/users/alice/researcher-status", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 403
    assert resp.json()["error"] == "access_denied"
    last = hub_audit(apps)[-1]
    assert (last.user, last.action, last.result) == (sub, "admin.researcher-status", "denied")


@pytest.mark.parametrize(
    "audience",
    [
        "http://node.test",
        "http://node.test/",
        "http://node.test/api",
        "http://node.test/api/",
        " http://NODE.test/api ",
    ],
)
async def test_member_url_as_printed_is_accepted(
    apps: Apps, make_user: Callable[..., str], audience: str
) -> None:
    make_user("alice", researcher=True)
    token = await login(apps.hub_client, "alice")
    resp = await apps.hub_client.post("/oidc/token", data=_exchange(token, audience))
    assert resp.status_code == 200, resp.text
    import jwt

    claims = jwt.decode(resp.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == [NODE]
    assert hub_audit(apps)[-1].resource == NODE


@pytest.mark.parametrize(
    "audience",
    [
        "http://evil.test/",
        "http://node.test.evil.test/",
        "http://node.test/other/",
        " ",
        "urn:onemg:node",
        "http://node.test:8443/",
    ],
)
async def test_audience_that_is_no_member_is_refused_with_the_valid_ones(
    apps: Apps, make_user: Callable[..., str], audience: str
) -> None:
    sub = make_user("alice", researcher=True)
    token = await login(apps.hub_client, "alice")
    resp = await apps.hub_client.post("/oidc/token", data=_exchange(token, audience))
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["error"] == "invalid_target"
    assert f"use one of: {NODE}" in body["error_description"]
    last = hub_audit(apps)[-1]
    assert (last.user, last.action, last.result) == (sub, "broker.passport", "denied")
    assert audience.strip() == "" or audience not in last.reason + last.resource


async def test_login_accepts_form_encoded_bodies(apps: Apps, make_user: Callable[..., str]) -> None:
    make_user("alice")
    resp = await apps.hub_client.post(
        "/oidc/login", data={"username": "alice", "password": PASSWORD}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["token_type"] == "Bearer"
    wrong = await apps.hub_client.post(
        "/oidc/login", data={"username": "alice", "password": "nope-nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": "invalid_grant",
        "error_description": "wrong username or password",
    }
    assert wrong.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        (b"not json", "application/json"),
        (b'{"username": "a"}', "application/json"),
        (b"username=a", "application/x-www-form-urlencoded"),
        (b"[]", "application/json"),
    ],
)
async def test_malformed_login_is_an_oauth_invalid_request(
    apps: Apps, content: bytes, ctype: str
) -> None:
    resp = await apps.hub_client.post(
        "/oidc/login", content=content, headers={"Content-Type": ctype}
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"
    assert "username and password" in resp.json()["error_description"]


async def test_unsupported_grant_is_invalid_request(
    apps: Apps, make_user: Callable[..., str]
) -> None:
    make_user("alice")
    token = await login(apps.hub_client, "alice")
    resp = await apps.hub_client.post(
        "/oidc/token", data={**_exchange(token, NODE), "grant_type": "password"}
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_request"

"""``/account``: a person sets their address and confirms it from a mail (real SMTP server)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from onemg.network.config import NetworkConfig
from onemg.settings import settings_from_mapping
from onemg.web.hub_app import create_hub_app
from onemg.web.pages import WebServices
from tests.mailserver import SmtpServer, text_of

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def hub(tmp_path: Path, smtp_server: SmtpServer) -> FastAPI:
    settings = settings_from_mapping({"mail": smtp_server.mail_settings(
        public_url="http://hub.test/")}, data_dir=tmp_path)
    services = WebServices.for_settings(settings)
    services.accounts.create("ana", PASSWORD)
    services.accounts.create("bob", PASSWORD)
    services.dispose()
    return create_hub_app(settings, NetworkConfig(), refresh_on_start=False)


async def _login(client: httpx.AsyncClient, name: str) -> None:
    token = CSRF.findall((await client.get("/login")).text)[0]
    r = await client.post("/login", data={"csrf_token": token, "username": name,
                                          "password": PASSWORD, "next": "/account"})
    assert r.status_code == 303


async def _set(client: httpx.AsyncClient, address: str) -> httpx.Response:
    token = CSRF.findall((await client.get("/account")).text)[-1]
    return await client.post("/account/email", data={"csrf_token": token, "email": address})


def _client(hub: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=hub), base_url="http://hub.test",
                             headers={"accept": "text/html"})


async def test_address_is_confirmed_by_the_mailed_link(hub: FastAPI,
                                                       smtp_server: SmtpServer) -> None:
    async with _client(hub) as ana:
        assert (await ana.get("/account")).status_code == 303  # login first
        await _login(ana, "ana")
        assert "No address yet" in (await ana.get("/account")).text
        bad = await _set(ana, "not-an-address")
        assert bad.status_code == 400
        assert "name@example.org" in bad.text
        r = await _set(ana, "ana@example.org")
        assert r.status_code == 200
        assert "not confirmed yet" in (await ana.get("/account")).text
        [mail] = smtp_server.wait_for(1, to="ana@example.org")
        link = re.search(r"http://hub\.test/(account/email/confirm\?token=\S+)", text_of(mail))
        assert link
        # Another person (or nobody logged in) cannot confirm with an altered token.
        tampered = "/" + link.group(1)[:-3] + "xyz"
        assert (await ana.get(tampered)).status_code == 403
        done = await ana.get("/" + link.group(1))
        assert done.status_code == 303
        page = await ana.get("/account")
        assert "confirmed" in page.text
        assert "not confirmed" not in page.text


async def test_a_link_for_an_old_address_no_longer_confirms(hub: FastAPI,
                                                          smtp_server: SmtpServer) -> None:
    async with _client(hub) as bob:
        await _login(bob, "bob")
        await _set(bob, "old@example.org")
        [old] = smtp_server.wait_for(1, to="old@example.org")
        await _set(bob, "new@example.org")
        link = re.search(r"http://hub\.test(/account/email/confirm\?token=\S+)", text_of(old))
        assert link
        refused = await bob.get(link.group(1))
        assert refused.status_code == 403
        assert "changed since" in refused.text
        assert "not confirmed yet" in (await bob.get("/account")).text


async def test_changing_the_address_needs_a_csrf_token(hub: FastAPI) -> None:
    async with _client(hub) as ana:
        await _login(ana, "ana")
        r = await ana.post("/account/email", data={"email": "evil@example.org"})
        assert r.status_code == 403

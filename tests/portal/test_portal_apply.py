"""Basket -> one application per node -> committee decisions -> the researcher's view.

Over real processes (two onemg nodes and the hub): the hub's portal applies through each node's
DAC API with a node-scoped passport; the committees decide with the node's own CLI
(``onemg access approve|return``), and the portal shows the result. The attacks: a form without
or with a reused CSRF token, and another researcher opening an application by URL.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from onemg.demo.demo import DemoNetwork
from onemg.demo.walkthrough import DEMO_RESEARCHER, researcher_password

pytestmark = pytest.mark.slow
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _client(net: DemoNetwork) -> httpx.Client:
    return httpx.Client(
        base_url=net.plan.hub_url, headers={"Accept": "text/html"}, timeout=60, trust_env=False
    )


def _token(client: httpx.Client, path: str, index: int = -1) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[-2000:]
    return CSRF.findall(page.text)[index]


def _login(client: httpx.Client, username: str, password: str) -> None:
    token = _token(client, "/login")
    r = client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password, "next": "/"},
    )
    assert r.status_code == 303, r.text[-2000:]


def _onemg(*args: str, **env: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "onemg"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _datasets(net: DemoNetwork) -> dict[str, str]:
    out = {}
    for country in net.plan.countries:
        body = httpx.get(f"{net.plan.node_url(country)}/api/datasets", trust_env=False).json()
        out[country.lower()] = body["response"]["collections"][0]["id"]
    return out


def test_basket_to_applications_and_back(real_network: DemoNetwork) -> None:
    net = real_network
    datasets = _datasets(net)
    with _client(net) as client:
        _login(client, DEMO_RESEARCHER, researcher_password(net.plan))
        for member, dataset in datasets.items():
            token = _token(client, f"/datasets/{dataset}")
            r = client.post(
                "/basket/add",
                data={"csrf_token": token, "member_id": member, "dataset_id": dataset},
            )
            assert r.status_code == 303, r.text[-2000:]
        basket = client.get("/basket")
        assert basket.text.count('class="basket-item"') == 2
        form = {
            "title": "Hypertension <script>alert(1)</script> genetics",
            "summary": "Variants in hypertension",
            "institution": "Uni",
            "purpose": "hmb",
            "duration_days": "30",
            "terms_accepted": "1",
            "for_profit": "1",
        }
        # The DUO advice shows before anything is sent.
        advice = client.post(
            "/basket/apply",
            data={**form, "action": "advice", "csrf_token": _token(client, "/basket")},
        )
        assert advice.status_code == 200
        assert advice.text.count('class="advice advice-') == 2
        # A reused token is refused, and so is a form without one.
        token = _token(client, "/basket")
        sent = client.post("/basket/apply", data={**form, "action": "apply", "csrf_token": token})
        assert sent.status_code == 303, sent.text[-2000:]
        again = client.post("/basket/apply", data={**form, "action": "apply", "csrf_token": token})
        assert again.status_code == 403
        assert client.post("/basket/apply", data={**form, "action": "apply"}).status_code == 403

        listing = client.get("/applications")
        assert listing.status_code == 200
        # This test's applications (newest first: the researcher may hold others already).
        links = re.findall(r'href="/applications/(\w+)/([\w-]+)">Hypertension', listing.text)
        mine: dict[str, str] = {}
        for m, a in links:
            mine.setdefault(m, a)
        assert set(mine) == set(datasets)
        assert "<script>alert(1)</script>" not in listing.text
        assert "&lt;script&gt;" in listing.text

        # The committees decide at their nodes: FI approves, EE returns.
        fi, ee = (net.plan.node_dir(c) for c in net.plan.countries)
        _onemg("access", "approve", mine["fi"], "--data-dir", str(fi), "--comment", "fine")
        _onemg(
            "access",
            "return",
            mine["ee"],
            "--data-dir",
            str(ee),
            "--comment",
            "Name the ethics approval",
        )
        approved = client.get(f"/applications/fi/{mine['fi']}")
        assert '<strong id="state">approved</strong>' in approved.text
        assert f"onemg fetch --hub {net.plan.hub_url}/ --dataset {datasets['fi']}" in approved.text
        returned = client.get(f"/applications/ee/{mine['ee']}")
        assert '<strong id="state">returned</strong>' in returned.text
        assert "Name the ethics approval" in returned.text
        # The organisation type went to the node and comes back in the form to resubmit; the
        # committee sees it.
        assert re.search(r'id="for_profit" name="for_profit" value="1" checked', returned.text)
        shown = _onemg("access", "show", mine["ee"], "--data-dir", str(ee))
        assert "for-profit organisation" in shown
        token = CSRF.findall(returned.text)[-1]
        again = client.post(
            f"/applications/ee/{mine['ee']}/resubmit",
            data={**form, "summary": "Ethics approval 2026/17", "csrf_token": token},
        )
        assert again.status_code == 303, again.text[-2000:]
        assert (
            '<strong id="state">submitted</strong>'
            in client.get(f"/applications/ee/{mine['ee']}").text
        )

        # A record-level query now shows records for the approved dataset only.
        found = client.get("/search", params={"kind": "variant", "filter": "HP:0000822"})
        assert found.status_code == 200
        records = dict(
            re.findall(
                r'<a href="/datasets/([\w-]+)">[^<]*</a></td><td>(?:yes|no)</td>'
                r'<td class="num">[^<]*(?:<br><span class="muted unlock">[^<]*</span>)?</td>'
                r'<td class="num">(\d+)</td>',
                found.text,
            )
        )
        assert int(records[datasets["fi"]]) > 0, found.text[-3000:]
        assert datasets["ee"] in records, found.text[found.text.find("by-country") :][:3000]
        assert int(records[datasets["ee"]]) == 0

    # Another researcher cannot read the application by its URL.
    hub_dir = net.plan.root / "hub"
    _onemg(
        "access",
        "user",
        "create",
        "other-researcher",
        "--data-dir",
        str(hub_dir),
        ONEMG_NEW_PASSWORD="another long password",
    )
    with _client(net) as other:
        _login(other, "other-researcher", "another long password")
        peek = other.get(f"/applications/fi/{mine['fi']}")
        assert peek.status_code in (403, 404)
        assert "Hypertension" not in peek.text
        assert DEMO_RESEARCHER not in peek.text


def _member_account(net: DemoNetwork, name: str, country: str | None, *roles: str) -> None:
    """A hub account; with ``country``, committee ``roles`` at that node."""
    sub = (
        _onemg(
            "access",
            "user",
            "create",
            name,
            "--data-dir",
            str(net.plan.root / "hub"),
            ONEMG_NEW_PASSWORD=f"{name} long password",
        )
        .strip()
        .splitlines()[-1]
    )
    for role in roles:
        _onemg(
            "access",
            "role",
            "grant",
            sub,
            role,
            "--data-dir",
            str(net.plan.node_dir(country or "")),
        )


def _node_login(net: DemoNetwork, country: str, name: str) -> httpx.Client:
    node = httpx.Client(
        base_url=net.plan.node_url(country),
        headers={"Accept": "text/html"},
        timeout=60,
        trust_env=False,
    )
    token = _token(node, "/dac/login")
    r = node.post(
        "/dac/login",
        data={
            "csrf_token": token,
            "username": name,
            "password": f"{name} long password",
            "next": "/dac",
        },
    )
    assert r.status_code == 303, r.text[-2000:]
    return node


def test_committees_decide_on_their_node_pages(real_network: DemoNetwork) -> None:
    net = real_network
    datasets = _datasets(net)
    form = {
        "title": "Committee <img src=x onerror=alert(1)> test",
        "summary": "Blood pressure",
        "institution": "Uni",
        "purpose": "hmb",
        "duration_days": "30",
        "terms_accepted": "1",
    }
    with _client(net) as client:
        _login(client, DEMO_RESEARCHER, researcher_password(net.plan))
        for member, dataset in datasets.items():
            client.post(
                "/basket/add",
                data={
                    "csrf_token": _token(client, f"/datasets/{dataset}"),
                    "member_id": member,
                    "dataset_id": dataset,
                },
            )
        sent = client.post(
            "/basket/apply",
            data={**form, "action": "apply", "csrf_token": _token(client, "/basket")},
        )
        assert sent.status_code == 303
        listing = client.get("/applications").text
        mine = {}
        for m, a in re.findall(r'href="/applications/(\w+)/([\w-]+)">Committee', listing):
            mine.setdefault(m, a)
    fi_country, ee_country = net.plan.countries
    _member_account(net, "dac-fi", fi_country, "handler", "decider")
    _member_account(net, "dac-ee", ee_country, "handler")
    _member_account(net, "not-on-committee", None)

    with contextlib.closing(_node_login(net, fi_country, "dac-fi")) as node:
        inbox = node.get("/dac")
        assert inbox.status_code == 200, inbox.text[-2000:]
        assert f'href="/dac/applications/{mine["fi"]}"' in inbox.text
        page = node.get(f"/dac/applications/{mine['fi']}")
        assert "<img src=x" not in page.text
        assert 'class="duo-advice"' in page.text
        offered = set(re.findall(r'name="action" value="(\w+)"', page.text))
        assert {"approve", "reject", "return", "close", "remark"} <= offered
        assert not offered & {"veto", "revoke", "review"}  # roles it lacks, or wrong state
        # The server refuses what was not offered, whatever the form says.
        veto = node.post(
            f"/dac/applications/{mine['fi']}/action",
            data={"csrf_token": CSRF.findall(page.text)[-1], "action": "veto"},
        )
        assert veto.status_code in (403, 409)
        no_token = node.post(f"/dac/applications/{mine['fi']}/action", data={"action": "approve"})
        assert no_token.status_code == 403
        page = node.get(f"/dac/applications/{mine['fi']}")
        done = node.post(
            f"/dac/applications/{mine['fi']}/action",
            data={
                "csrf_token": CSRF.findall(page.text)[-1],
                "action": "approve",
                "comment": "Approved for the hypertension study",
            },
        )
        assert done.status_code == 303, done.text[-2000:]
        after = node.get(f"/dac/applications/{mine['fi']}").text
        assert '<strong id="state">approved</strong>' in after
        assert "approve" not in set(re.findall(r'name="action" value="(\w+)"', after))
        assert mine["fi"] in node.get("/dac/entitlements").text
        # The application's entitlement and its audit trail, as the node's own log holds it.
        ents = re.search(r'<table id="app-entitlements">.*?</table>', after, re.S)[0]
        assert datasets["fi"] in ents
        assert "yes" in ents
        trail = re.search(r'<table id="audit-trail">.*?</table>', after, re.S)[0]
        shown = re.findall(r"<tr class=\"audit-(\w+)\"><td>(\d+)</td><td>[^<]*</td><td>[^<]*</td>"
                           r"<td>([^<]*)</td>", trail)
        with contextlib.closing(sqlite3.connect(net.plan.node_dir(fi_country) / "node.db")) as db:
            logged = db.execute(
                "SELECT result, seq, action FROM access_audit WHERE resource = ? "
                "ORDER BY seq DESC", (f"application:{mine['fi']}",)).fetchall()
        assert [(r, int(q), a) for r, q, a in shown] == list(logged)
        actions = {(a, r) for r, _, a in logged}
        assert {("application.created", "ok"), ("application.submitted", "ok"),
                ("application.approved", "ok"), ("application.vetoed", "denied")} <= actions

    with contextlib.closing(_node_login(net, ee_country, "dac-ee")) as node:
        page = node.get(f"/dac/applications/{mine['ee']}")
        offered = set(re.findall(r'name="action" value="(\w+)"', page.text))
        assert "return" in offered
        assert "approve" not in offered  # a handler does not decide
        r = node.post(
            f"/dac/applications/{mine['ee']}/action",
            data={
                "csrf_token": CSRF.findall(page.text)[-1],
                "action": "return",
                "comment": "Add the ethics approval number",
            },
        )
        assert r.status_code == 303

    with contextlib.closing(_node_login(net, fi_country, "not-on-committee")) as outsider:
        assert outsider.get("/dac").status_code == 403
        token = _token(outsider, "/dac/login")
        r = outsider.post(
            f"/dac/applications/{mine['fi']}/action", data={"csrf_token": token, "action": "revoke"}
        )
        assert r.status_code == 403

    with _client(net) as client:
        _login(client, DEMO_RESEARCHER, researcher_password(net.plan))
        approved = client.get(f"/applications/fi/{mine['fi']}").text
        assert "Approved for the hypertension study" in approved
        assert '<strong id="state">approved</strong>' in approved
        returned = client.get(f"/applications/ee/{mine['ee']}").text
        assert "Add the ethics approval number" in returned

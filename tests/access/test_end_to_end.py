"""End to end over real HTTP: hub (login + broker) and a node (Beacon + DAC) in uvicorn.

apply → review → approve → veto window → visa → CONTROLLED record-level Beacon query succeeds
→ revoke → the next query is 403; a vetoed application never opens the data; the audit log
verifies afterwards.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from onemg.access import hub_jwks_url
from onemg.access.api import build_hub_access
from onemg.access.routes_hub import hub_router
from onemg.access.store import RoleStore
from onemg.cli import main
from onemg.db import make_engine, migrate
from onemg.demo.processes import free_port
from onemg.settings import AccessSettings, BeaconSettings, Settings, TrustedIssuer
from onemg.web.errors import install_error_handlers
from onemg.web.node_app import create_node_app
from tests.access.conftest import Clock

pytestmark = pytest.mark.slow
DAY = 86_400
PASSWORD = "correct horse battery"


class Served:
    """A uvicorn server for one app in a background thread on 127.0.0.1."""

    def __init__(self, app: FastAPI, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                ws="none", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def node_dir(synth_cohort: Path, tmp_path: Path) -> Path:
    from onemg.ingest import ingest, resolve_inputs

    node = tmp_path / "node"
    ingest(resolve_inputs(source_dir=synth_cohort / "fi"), data_dir=node,
           database_url=f"sqlite:///{node / 'node.db'}")
    return node


def _beacon_body(dataset: str) -> dict:
    return {"meta": {"apiVersion": "v2.0.0"},
            "query": {"requestParameters": {"datasets": {"datasetIds": [dataset]}},
                      "filters": [], "requestedGranularity": "record",
                      "pagination": {"skip": 0, "limit": 5}}}


def test_apply_approve_query_revoke(node_dir: Path, tmp_path: Path) -> None:
    clock = Clock(time.time())
    hub_port, node_port = free_port(), free_port()
    hub_url, node_url = f"http://127.0.0.1:{hub_port}/", f"http://127.0.0.1:{node_port}/"
    dataset = "synth-fi-s7"

    # The hub: local accounts + broker, pulling visas from the node over HTTP.
    hub_engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(hub_engine)
    hub_http = httpx.AsyncClient(timeout=10, trust_env=False)
    hub = build_hub_access(Settings(data_dir=tmp_path / "hub",
                                    access=AccessSettings(public_url=hub_url)),
                           engine=hub_engine, http=hub_http, node_urls=lambda: (node_url,),
                           clock=clock)
    hub_app = FastAPI()
    install_error_handlers(hub_app, BeaconSettings())
    hub_app.include_router(hub_router(hub))
    people = {name: hub.accounts.create(name, PASSWORD).sub
              for name in ("alice", "hanna", "rita", "dora", "nora")}
    hub.accounts.grant_researcher_status("alice")

    # The node: Beacon + DAC, trusting the hub; veto window of 2 days.
    settings = Settings(data_dir=node_dir, access=AccessSettings(
        trusted_issuers=(TrustedIssuer(hub_url, hub_jwks_url(hub_url)),), audience=node_url,
        veto_window_days=2, public_url=node_url))
    node_app = create_node_app(settings)
    node_app.state.clock = clock
    roles = RoleStore(make_engine(settings.db_url))
    for name, role in (("hanna", "handler"), ("rita", "reviewer"), ("dora", "decider"),
                       ("nora", "authority")):
        roles.grant(people[name], role)

    with Served(hub_app, hub_port), Served(node_app, node_port), \
            httpx.Client(timeout=30, trust_env=False) as http:

        def passport(name: str) -> dict[str, str]:
            token = http.post(f"{hub_url}oidc/login",
                              json={"username": name, "password": PASSWORD}).json()
            resp = http.post(f"{hub_url}oidc/token", data={
                "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token": token["access_token"], "audience": node_url})
            assert resp.status_code == 200, resp.text
            assert resp.headers["cache-control"] == "no-cache, no-store"
            return {"Authorization": f"Bearer {resp.json()['access_token']}"}

        def post(path: str, who: str, body: dict | None = None) -> dict:
            resp = http.post(f"{node_url}api/access/applications{path}", headers=passport(who),
                             json=body if body is not None else {})
            assert resp.status_code in (200, 201), resp.text
            return resp.json()

        disc = http.get(f"{hub_url}.well-known/openid-configuration").json()
        assert disc["jwks_uri"] == hub_jwks_url(hub_url)
        assert http.get(f"{node_url}api/jwk").json()["keys"][0]["kid"]

        # Before any grant: record level is refused (403), a bad token is 401.
        alice = passport("alice")
        denied = http.post(f"{node_url}api/individuals", headers=alice,
                           json=_beacon_body(dataset))
        assert denied.status_code == 403, denied.text
        bad = http.post(f"{node_url}api/individuals", json=_beacon_body(dataset),
                        headers={"Authorization": alice["Authorization"][:-4] + "AAAA"})
        assert bad.status_code == 401

        form = {"title": "CF modifiers", "summary": "Modifier genes", "institution": "UH",
                "purpose": {"terms": ["DUO:0000042"]}, "duration_days": 90,
                "terms_accepted": True}
        app = post("", "alice", {"datasets": [dataset], "form": form})
        app_id = app["id"]
        post(f"/{app_id}/submit", "alice")
        post(f"/{app_id}/request-review", "hanna", {"reviewer": people["rita"]})
        post(f"/{app_id}/review", "rita", {"comment": "fine"})
        post(f"/{app_id}/return", "hanna", {"comment": "name the ethics board"})
        post(f"/{app_id}/submit", "alice")
        duo = http.get(f"{node_url}api/access/applications/{app_id}/duo",
                       headers=passport("dora")).json()
        assert dataset in duo
        forbidden = http.post(f"{node_url}api/access/applications/{app_id}/approve",
                              headers=passport("alice"), json={})
        assert forbidden.status_code == 403
        approved = post(f"/{app_id}/approve", "dora", {"comment": "approved"})
        assert approved["state"] == "approved"
        assert approved["inVetoWindow"]

        # Inside the veto window: no visa yet, record level still refused.
        during = http.post(f"{node_url}api/individuals", headers=passport("alice"),
                           json=_beacon_body(dataset))
        assert during.status_code == 403

        # A second application is vetoed in its window and never opens the data.
        other = post("", "alice", {"datasets": [dataset], "form": form})["id"]
        post(f"/{other}/submit", "alice")
        post(f"/{other}/approve", "dora")
        assert post(f"/{other}/veto", "nora", {"comment": "national review"})["state"] == "vetoed"

        clock.advance(2 * DAY + 60)  # the veto window of the first application passes
        alice = passport("alice")
        perms = http.get(f"{node_url}api/permissions/{people['alice']}", headers=alice).json()
        assert len(perms["ga4gh_passport_v1"]) == 1
        ok = http.post(f"{node_url}api/individuals", headers=alice, json=_beacon_body(dataset))
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["meta"]["returnedGranularity"] == "record"
        assert body["response"]["resultSets"][0]["results"]

        # Someone else's permissions are not for alice to read.
        assert http.get(f"{node_url}api/permissions/{people['dora']}",
                        headers=alice).status_code == 403

        post(f"/{app_id}/revoke", "hanna", {"comment": "misuse"})
        # The same passport, its visa still unexpired: the next query is refused.
        after = http.post(f"{node_url}api/individuals", headers=alice,
                          json=_beacon_body(dataset))
        assert after.status_code == 403, after.text
        assert http.get(f"{node_url}api/permissions/{people['alice']}",
                        headers=passport("alice")).json() == {"ga4gh_passport_v1": []}

    assert main(["audit", "verify", "--data-dir", str(node_dir)]) == 0
    from onemg.access.store import AuditStore

    entries = list(AuditStore(make_engine(settings.db_url)).entries())
    actions = {(e.action, e.result) for e in entries}
    assert ("application.approved", "ok") in actions
    assert ("application.vetoed", "ok") in actions
    # The forged passport: one denial, recorded by the Beacon route with the verifier's reason.
    forged = [e for e in entries if e.result == "denied" and "credentials rejected" in e.reason]
    assert [e.action for e in forged] == ["beacon.query"]
    assert "auth.verify" not in {e.action for e in entries if e.result == "denied"}
    # Beacon decisions are buffered in the node and flushed at the latest on shutdown.
    beacon = {(e.user, e.result, e.resource) for e in entries if e.action == "beacon.query"}
    assert (people["alice"], "granted", f"dataset:{dataset}/individuals") in beacon
    assert (people["alice"], "denied", f"dataset:{dataset}/individuals") in beacon  # the 403s
    assert all("eyJ" not in (e.reason + e.resource) for e in entries)
    hub_engine.dispose()

"""A node and a hub behind Debian's nginx terminating TLS, as docs/deploy.md sets them up.

The access chain runs over HTTPS only (login, passport, record-level query through the hub),
with the client trusting nothing but the test CA; answers over TLS carry HSTS and see the
``https`` scheme (so the web pages' cookies are ``Secure``), while plain loopback HTTP does not.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from onemg.access.store import EntitlementStore
from onemg.cli import main
from onemg.db import make_engine
from onemg.demo.demo import DemoNetwork
from onemg.demo.processes import free_port
from tests.network.tls import Nginx, make_certificates, site

PASSWORD = "a long enough password for tess"


@pytest.fixture
def tls(real_network: DemoNetwork, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """``(hub https URL, FI node https URL, CA file)`` with nginx in front of both."""
    plan = real_network.plan
    ca, cert, key = make_certificates(tmp_path / "pki")
    hub_port, node_port = free_port(), free_port()
    servers = [
        site("hub", hub_port, f"127.0.0.1:{plan.hub_port}", cert, key),
        site("fi", node_port, plan.node_url("FI").removeprefix("http://"), cert, key),
    ]
    nginx = Nginx(tmp_path / "nginx", servers, [hub_port, node_port])
    try:
        nginx.wait_ready(ca)
        yield f"https://127.0.0.1:{hub_port}", f"https://127.0.0.1:{node_port}", ca
    finally:
        nginx.stop()


def test_access_chain_over_https(
    tls: tuple[str, str, Path],
    real_network: DemoNetwork,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub, node, ca = tls
    plan = real_network.plan
    monkeypatch.setenv("ONEMG_NEW_PASSWORD", PASSWORD)
    assert main(["access", "user", "create", "tess", "--data-dir", str(plan.root / "hub")]) == 0
    sub = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["access", "grant-researcher", "tess", "--data-dir", str(plan.root / "hub")]) == 0
    # The committee's approval, as the DAC workflow records it: an entitlement on the node.
    engine = make_engine(f"sqlite:///{plan.node_dir('FI') / 'node.db'}")
    now = int(time.time())
    EntitlementStore(engine).add(
        application_id="tls-test",
        subject=sub,
        dataset_id="synth-fi-s7",
        start=now - 5,
        end=now + 3600,
    )
    engine.dispose()

    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the client trusts the test CA only
    monkeypatch.setenv("ONEMG_CREDENTIALS", str(tmp_path / "creds.json"))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["login", "--hub", hub, "--username", "tess", "--password-stdin"]) == 0
    assert main(["passport", "--node", "FI"]) == 0
    assert "ControlledAccessGrants" in capsys.readouterr().out
    assert (
        main(
            [
                "query",
                "individuals",
                "--dataset",
                "synth-fi-s7",
                "--granularity",
                "record",
                "--limit",
                "2",
                "--json",
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["meta"]["returnedGranularity"] == "record"
    (fi,) = [rs for rs in answer["response"]["resultSets"] if rs["id"] == "synth-fi-s7"]
    assert len(fi["results"]) == 2

    with httpx.Client(verify=str(ca), trust_env=False) as client:
        for base in (hub, node):
            r = client.get(f"{base}/api/info")
            assert r.status_code == 200
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
        # The hub sees https behind the proxy, so the URLs it builds are https ones; their host
        # is the configured public_url's, never the Host header (issue 11 §5). A deployment sets
        # public_url to the URL nginx serves (docs/deploy.md); this demo's is its own port.
        endpoints = client.get(f"{hub}/api/map").json()["response"]["endpointSets"]
        assert endpoints
        public = "https://" + real_network.plan.hub_url.split("://", 1)[1]
        assert all(e["rootUrl"].startswith(f"{public}/") for e in endpoints.values())
        login = client.post(f"{hub}/oidc/login", json={"username": "tess", "password": PASSWORD})
        assert "no-store" in login.headers["cache-control"]
    with httpx.Client(trust_env=False) as client:  # plain loopback HTTP: no HSTS
        r = client.get(f"{plan.hub_url}/api/info")
        assert "strict-transport-security" not in r.headers

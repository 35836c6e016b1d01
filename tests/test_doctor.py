"""``onemg doctor`` finds what is wrong with a node and says how to fix it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import text

from onemg.access.api import node_key
from onemg.access.audit import HashChainAudit
from onemg.access.store import AuditStore
from onemg.cli import main
from onemg.db import make_engine
from onemg.settings import load_settings
from tests.ingest.sources import make_source


class _Jwks(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        body = json.dumps({"keys": [{"kty": "EC", "kid": "k"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def issuer() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _doctor(node: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, dict]]:
    code = main(["doctor", "--data-dir", str(node), "--json"])
    return code, {f["check"]: f for f in json.loads(capsys.readouterr().out)}


def test_doctor_reports_each_problem_with_its_fix(
    tmp_path: Path, issuer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src, _, _ = make_source(tmp_path / "fi", n=12, records=20, seed=6)
    desc = json.loads((src / "dataset.json").read_text())
    desc["access"] = {"boolean": "REGISTERED", "count": "REGISTERED", "record": "CONTROLLED"}
    (src / "dataset.json").write_text(json.dumps(desc))
    node = tmp_path / "node"
    assert main(["ingest", "--data-dir", str(node), str(src)]) == 0
    settings = load_settings(node)
    node_key(settings)
    engine = make_engine(settings.db_url)
    audit = HashChainAudit(AuditStore(engine))
    for i in range(3):
        audit.record(user=f"u{i}", action="t", resource="r", result="granted")
    capsys.readouterr()

    # No trusted issuer: the dataset's every tier is out of reach.
    code, found = _doctor(node, capsys)
    assert code == 1
    assert found["trusted issuers"]["warning"] is True
    assert "answers nobody" in found["dataset test-fi"]["detail"]
    assert found["migrations"]["ok"] is True
    assert found["audit log"]["ok"] is True
    assert found["key node-visa-signing.pem"]["ok"] is True

    # A reachable and an unreachable issuer; a key others can read; a tampered audit log.
    (node / "onemg.toml").write_text(
        "[access]\ntrusted_issuers = ["
        f'{{iss = "{issuer}", jku = "{issuer}oidc/jwks"}}, '
        '{iss = "http://127.0.0.1:9/", jku = "http://127.0.0.1:9/oidc/jwks"}]\n'
    )
    (node / "keys" / "node-visa-signing.pem").chmod(0o644)
    with engine.begin() as conn:
        conn.execute(text("UPDATE access_audit SET result = 'denied' WHERE seq = 2"))
    code, found = _doctor(node, capsys)
    assert code == 1
    assert found[f"issuer {issuer}"]["ok"] is True
    assert "unreachable" in found["issuer http://127.0.0.1:9/"]["detail"]
    key = found["key node-visa-signing.pem"]
    assert key["ok"] is False
    assert key["fix"].startswith("chmod 600 ")
    assert found["audit log"]["ok"] is False
    assert "entry 2" in found["audit log"]["detail"]
    assert found["dataset test-fi"]["ok"] is True
    assert found["index test-fi"]["ok"] is True
    assert found["index test-fi"]["warning"] is False

    # An index written before the genotype counts per sample group: a warning and its fix.
    [index_dir] = (node / "datasets" / "test-fi").glob("*/index")
    (index_dir / "group_genotypes.npy").unlink()
    code, found = _doctor(node, capsys)
    assert found["index test-fi"]["warning"] is True
    assert "onemg index rebuild" in found["index test-fi"]["detail"]

    # The table form names each problem and its fix.
    assert main(["doctor", "--data-dir", str(node)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM" in out
    assert "chmod 600" in out
    engine.dispose()


def test_doctor_on_a_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = tmp_path / "node"
    node.mkdir()
    (node / "datasets").mkdir()
    code, found = _doctor(node, capsys)
    assert code == 1
    assert "does not exist" in found["database"]["detail"]

"""`onemg node serve`: help text, argument checks, and a real uvicorn server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from onemg.cli import main
from tests.beacon_schema import validate_beacon_response


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["node", "serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--data-dir", "--host", "--port", "--workers", "--database-url"):
        assert option in out


def test_missing_data_dir_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    assert main(["node", "serve", "--data-dir", str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


@pytest.mark.slow
def test_serves_a_real_node(beacon_node: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "onemg"
    proc = subprocess.Popen([str(exe), "node", "serve", "--data-dir", str(beacon_node),
                             "--port", str(port), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/api/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("onemg node serve did not start")
            time.sleep(0.3)
        r = httpx.get(base + "/api/individuals", params={"requestedGranularity": "count"})
        assert r.status_code == 200
        validate_beacon_response(r.json())
        assert r.headers["content-type"] == "application/json"
        assert "server-timing" in r.headers
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_workers_get_the_settings_explicitly(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers serve the settings given on the command line, with no ONEMG_* variable set:
    the beaconId of the node's onemg.toml and the database of --database-url."""
    import os

    from onemg.demo.processes import ManagedProcess, free_port

    node = tmp_path / "node"
    node.mkdir()
    (node / "onemg.toml").write_text('[beacon]\nbeacon_id = "eu.onemg.test.explicit"\n')
    db = tmp_path / "elsewhere" / "explicit.db"
    port = free_port()
    for name in [k for k in os.environ if k.startswith("ONEMG_")]:
        monkeypatch.delenv(name)  # the child inherits no ONEMG_* variable
    proc = ManagedProcess(
        name="node", log_path=tmp_path / "node.log", ready_url=f"http://127.0.0.1:{port}/api/info",
        argv=[str(Path(sys.executable).parent / "onemg"), "node", "serve", "--data-dir", str(node),
              "--port", str(port), "--workers", "2", "--database-url", f"sqlite:///{db}"])
    proc.start()
    try:
        proc.wait_ready(90)
        seen = {httpx.get(f"http://127.0.0.1:{port}/api/info", timeout=10).json()["meta"]
                ["beaconId"] for _ in range(8)}
        assert seen == {"eu.onemg.test.explicit"}
        r = httpx.get(f"http://127.0.0.1:{port}/api/individuals",
                      params={"requestedGranularity": "count"}, timeout=10)
        assert r.status_code == 200
        assert r.json()["responseSummary"]["numTotalResults"] == 0
    finally:
        proc.stop()
    assert db.exists()  # the workers opened the database named on the command line
    assert not (node / "node.db").exists()

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

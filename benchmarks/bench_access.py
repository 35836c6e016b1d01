"""Access-control latency under concurrency: login, DAC requests, and a Beacon query during a
login flood.

A one-country demo network (``onemg demo --countries FI``: one real node and the hub, each its
own process) is started with the ``--python`` interpreter, so the same script measures two
code bases: run it once with the baseline's interpreter (e.g. main's ``.venv/bin/python``) and
once with this tree's. Three measurements:

- ``login``: 50 concurrent clients log in (right password) until ``--logins`` are done;
- ``dac``: 50 concurrent clients each create draft DAC applications on the node with a
  passport from the hub, until ``--dac`` are done;
- ``flood``: one client runs Beacon count queries on the hub, one after the other, first on a
  quiet hub, then while 40 concurrent clients send wrong passwords for one account as fast as
  they are answered (issue 11 §4). Reported: the p50 of each phase and their ratio.

    .venv/bin/python benchmarks/bench_access.py                                  # this tree
    .venv/bin/python benchmarks/bench_access.py --python /work/main/.venv/bin/python  # baseline
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PASSWORD = "bench-password-123"
EXCHANGE = {
    "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
    "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
    "requested_token_type": "urn:ga4gh:params:oauth:token-type:passport",
}


def _free_port_pair() -> int:
    """A port p with p and p + 1 free a moment ago (hub and the one node)."""
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return int(port)
    raise RuntimeError("no two consecutive free ports")


def _cli(python: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    # cwd matters: ``python -c`` imports from the current directory first, so a run from a
    # checkout would measure that checkout's onemg instead of the interpreter's.
    out = subprocess.run(  # noqa: S603 - fixed argv
        [python, "-c", "from onemg.cli import run; run()", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    if out.returncode:
        raise RuntimeError(f"onemg {' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return out.stdout.strip()


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def _summary(name: str, values: list[float], wall: float, statuses: dict[int, int]) -> None:
    print(
        f"{name:<28} n={len(values):4d}  p50={_pct(values, 0.5):8.1f} ms  "
        f"p95={_pct(values, 0.95):8.1f} ms  {len(values) / wall:6.1f} req/s  status={statuses}"
    )


async def _pool(n_clients: int, total: int, one) -> tuple[list[float], float, dict[int, int]]:  # noqa: ANN001
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    left = total

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            t0 = time.perf_counter()
            status = await one()
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(n_clients)))
    return latencies, time.perf_counter() - t0, statuses


async def _beacon_p50(client: httpx.AsyncClient, hub: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    failed = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        try:
            resp = await client.get(
                f"{hub}/api/individuals",
                params={"filters": "HP:0000822", "requestedGranularity": "count"},
            )
            ok = resp.status_code == 200 and resp.json()["responseSummary"].get("exists")
        except httpx.HTTPError:
            ok = False
        latencies.append(time.perf_counter() - t0)
        if not ok:
            failed += 1
    if failed:
        print(f"  {failed} Beacon queries failed or timed out")
    return latencies


async def _measure(hub: str, node: str, args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=60.0, limits=limits, trust_env=False) as client:

        async def login() -> int:
            resp = await client.post(
                f"{hub}/oidc/login", json={"username": "bench", "password": PASSWORD}
            )
            return resp.status_code

        lat, wall, st = await _pool(50, args.logins, login)
        _summary("login (50 clients)", lat, wall, st)

        resp = await client.post(
            f"{hub}/oidc/login", json={"username": "bench", "password": PASSWORD}
        )
        resp.raise_for_status()
        token = resp.json()["access_token"]
        resp = await client.post(
            f"{hub}/oidc/token", data={**EXCHANGE, "subject_token": token, "audience": node + "/"}
        )
        resp.raise_for_status()
        passport = resp.json()["access_token"]
        datasets = (await client.get(f"{node}/api/datasets")).json()["response"]["collections"]
        dataset = datasets[0]["id"]
        headers = {"Authorization": f"Bearer {passport}"}

        async def dac() -> int:
            resp = await client.post(
                f"{node}/api/access/applications", headers=headers, json={"datasets": [dataset]}
            )
            return resp.status_code

        lat, wall, st = await _pool(50, args.dac, dac)
        _summary("DAC create (50 clients)", lat, wall, st)

        quiet = await _beacon_p50(client, hub, args.seconds)
        _summary("beacon on hub, quiet", quiet, args.seconds, {})
        stop = asyncio.Event()
        flood_status: dict[int | str, int] = {}

        async def flooder() -> None:
            while not stop.is_set():
                try:
                    resp = await client.post(
                        f"{hub}/oidc/login", json={"username": "bench", "password": "wrong-guess-1"}
                    )
                    status: int | str = resp.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                flood_status[status] = flood_status.get(status, 0) + 1

        flooders = [asyncio.create_task(flooder()) for _ in range(40)]
        await asyncio.sleep(0.5)
        flooded = await _beacon_p50(client, hub, args.seconds)
        stop.set()
        await asyncio.gather(*flooders)
        _summary("beacon on hub, 40 bad logins", flooded, args.seconds, {})
        print(f"{'bad logins answered':<28} {flood_status}")
        print(f"{'flood/quiet p50 ratio':<28} {_pct(flooded, 0.5) / _pct(quiet, 0.5):.1f}x")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints one line per measurement."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--python",
        default=sys.executable,
        help="Interpreter whose onemg runs the network (default: this one).",
    )
    ap.add_argument("--logins", type=int, default=100, help="Logins in the login test.")
    ap.add_argument("--dac", type=int, default=300, help="Applications in the DAC test.")
    ap.add_argument("--seconds", type=float, default=8.0, help="Length of each Beacon phase.")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-access-") as tmp:
        root = Path(tmp)
        port = _free_port_pair()
        print(f"python: {args.python}")
        demo = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                args.python,
                "-c",
                "from onemg.cli import run; run()",
                "demo",
                "--countries",
                "FI",
                "--individuals",
                "100",
                "--dir",
                str(root / "demo"),
                "--port",
                str(port),
            ],
            stdout=(root / "demo.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=root,
        )
        hub, node = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if demo.poll() is not None or time.monotonic() > deadline:
                    print((root / "demo.log").read_text()[-3000:])
                    return 1
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{hub}/api/info", trust_env=False).status_code == 200:
                        break
                time.sleep(0.5)
            hub_dir = str(root / "demo" / "hub")
            _cli(
                args.python,
                "access",
                "user",
                "create",
                "bench",
                "--data-dir",
                hub_dir,
                cwd=root,
                env={"ONEMG_NEW_PASSWORD": PASSWORD},
            )
            _cli(
                args.python, "access", "grant-researcher", "bench", "--data-dir", hub_dir, cwd=root
            )
            asyncio.run(_measure(hub, node, args))
        finally:
            os.killpg(demo.pid, signal.SIGTERM)
            demo.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

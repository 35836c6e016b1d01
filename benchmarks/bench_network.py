"""Beacon Network latency: the hub's overhead over its slowest member, with 3 and 10 members.

Every member and the hub run as separate processes on this machine (plus this script as the
client). For each round the script asks the hub once, and, interleaved, asks every member
directly and concurrently (the way the hub does, and through the same client,
``onemg.network.wire.AiohttpWire``: one aiohttp session, so direct calls cost the client what
they cost the hub). Two overheads are reported:

- ``overhead (in-hub)``: hub latency seen by the client minus the slowest member's latency as
  the hub measured it for that very request (``info.network.members[].elapsedMs``);
- ``overhead (vs direct)``: p50 hub latency minus the p50 of the slowest direct answer.

Target: overhead <= 5 ms at p50.

    .venv/bin/python benchmarks/bench_network.py                 # real onemg nodes, 3 and 10
    .venv/bin/python benchmarks/bench_network.py --kind stub     # canned members (no data)
    .venv/bin/python benchmarks/bench_network.py --members 3 --individuals 100000 \
        --format index                                           # the demo network at scale
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import orjson

from onemg.demo.demo import (
    DemoPlan,
    hub_serve_argv,
    node_serve_argv,
    prepare_data,
    stub_argv,
)
from onemg.demo.processes import ManagedProcess, ProcessGroup, free_port
from onemg.network.wire import AiohttpWire

QUERY = {"filters": "HP:0000822", "requestedGranularity": "count"}


def _member_process(kind: str, index: int, port: int, plan: DemoPlan, logs: Path) -> ManagedProcess:
    country = plan.countries[index % len(plan.countries)]
    if kind == "node":
        argv = node_serve_argv(plan.node_dir(country), port)
    else:
        argv = stub_argv(port, country, "--counts", "120,3")
    return ManagedProcess(
        name=f"member {index}",
        argv=argv,
        ready_url=f"http://127.0.0.1:{port}/api/info",
        log_path=logs / f"member-{index}.log",
    )


def _hub_config(path: Path, ports: list[int], plan: DemoPlan) -> None:
    members = "".join(
        f'\n[[members]]\nid = "m{i}"\nbase_url = "http://127.0.0.1:{p}/api"\n'
        f'country = "{plan.countries[i % len(plan.countries)]}"\n'
        for i, p in enumerate(ports)
    )
    path.write_text(
        '[beacon]\nbeacon_id = "eu.onemg.bench-hub"\n[network]\n'
        "member_timeout_s = 5.0\ndeadline_s = 8.0\n" + members
    )


def _cpu_ms(pid: int) -> float:
    """User + system CPU time of ``pid`` so far, in ms (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(
    hub_api: str, member_apis: list[str], rounds: int, hub_pid: int
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"hub": [], "in_hub_slowest": [], "direct_slowest": []}
    # The client asks the hub and the members through the hub's own wire, so the direct calls
    # cost the client what they cost the hub and neither side is flattered.
    wire = AiohttpWire()
    query = "?" + urlencode(QUERY)

    async def timed(url: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        answer = await wire.fetch("GET", url + query, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise RuntimeError(f"{url}: HTTP {answer.status}: {answer.content[:200]!r}")
        return elapsed, answer.content

    try:
        for _ in range(max(5, rounds // 10)):  # warm-up: connections, caches, ontologies
            await timed(f"{hub_api}/individuals")
            await asyncio.gather(*(timed(f"{m}/individuals") for m in member_apis))
        cpu_before = _cpu_ms(hub_pid)
        for _ in range(rounds):
            elapsed, content = await timed(f"{hub_api}/individuals")
            out["hub"].append(elapsed)
            members = orjson.loads(content)["info"]["network"]["members"]
            if any(m["status"] != "ok" for m in members):
                raise RuntimeError(f"a member failed during the benchmark: {members}")
            out["in_hub_slowest"].append(max(m["elapsedMs"] for m in members))
            direct = await asyncio.gather(*(timed(f"{m}/individuals") for m in member_apis))
            out["direct_slowest"].append(max(d for d, _ in direct))
        out["hub_cpu_per_query"] = [(_cpu_ms(hub_pid) - cpu_before) / rounds]
    finally:
        await wire.aclose()
    return out


def run(kind: str, n_members: int, rounds: int, plan: DemoPlan, logs: Path) -> dict[str, float]:
    """Start ``n_members`` members and a hub, measure, stop; return p50/p95 figures (ms)."""
    ports = [free_port() for _ in range(n_members)]
    hub_port = free_port()
    config = logs / f"hub-{n_members}.toml"
    _hub_config(config, ports, plan)
    with ProcessGroup() as group:
        for i, port in enumerate(ports):
            group.start(_member_process(kind, i, port, plan, logs))
        group.wait_all_ready(180)
        hub = group.start(
            ManagedProcess(
                name="hub",
                argv=hub_serve_argv(config, hub_port),
                ready_url=f"http://127.0.0.1:{hub_port}/api/info",
                log_path=logs / "hub.log",
            )
        )
        group.wait_all_ready(60)
        samples = asyncio.run(
            _measure(
                f"http://127.0.0.1:{hub_port}/api",
                [f"http://127.0.0.1:{p}/api" for p in ports],
                rounds,
                hub.pid or 0,
            )
        )
    in_hub = [h - s for h, s in zip(samples["hub"], samples["in_hub_slowest"], strict=True)]
    return {
        "hub_p50": statistics.median(samples["hub"]),
        "hub_p95": _pct(samples["hub"], 0.95),
        "slowest_direct_p50": statistics.median(samples["direct_slowest"]),
        "slowest_in_hub_p50": statistics.median(samples["in_hub_slowest"]),
        "overhead_in_hub_p50": statistics.median(in_hub),
        "overhead_in_hub_p95": _pct(in_hub, 0.95),
        "overhead_vs_direct_p50": statistics.median(samples["hub"])
        - statistics.median(samples["direct_slowest"]),
        "hub_cpu_per_query": samples["hub_cpu_per_query"][0],
    }


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--kind",
        choices=("node", "stub"),
        default="node",
        help="real onemg nodes (default) or canned stub members",
    )
    parser.add_argument("--members", default="3,10", help="member counts to run")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument(
        "--dir", type=Path, default=None, help="demo data to reuse (default: a temporary directory)"
    )
    parser.add_argument(
        "--individuals", type=int, default=1000, help="individuals per member node (synthetic)"
    )
    parser.add_argument(
        "--format",
        choices=("vcf", "index"),
        default="vcf",
        help="how the nodes' cohorts are synthesised: vcf (the demo's default) or index (the "
        "sparse path, for large cohorts)",
    )
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="onemg-bench-")
    root = args.dir or Path(tmp.name) / "data"
    plan = DemoPlan(root=root, individuals=args.individuals, synth_format=args.format)
    if args.kind == "node":
        started = time.perf_counter()
        prepare_data(plan, echo=lambda line: print(line, flush=True))
        print(f"data ready in {time.perf_counter() - started:.0f} s", flush=True)
    logs = Path(tmp.name) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} CPUs; query GET /individuals {QUERY}; {args.rounds} rounds")
    print("load average before: " + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    for n in (int(x) for x in args.members.split(",")):
        r = run(args.kind, n, args.rounds, plan, logs)
        print(
            f"{n:>2} {args.kind} members ({n} member processes + 1 hub + 1 client, all on this "
            f"machine): hub p50 {r['hub_p50']:.2f} ms (p95 {r['hub_p95']:.2f}); slowest member "
            f"p50 direct {r['slowest_direct_p50']:.2f} ms, in-hub {r['slowest_in_hub_p50']:.2f} ms;"
            f" overhead p50 in-hub {r['overhead_in_hub_p50']:.2f} ms "
            f"(p95 {r['overhead_in_hub_p95']:.2f}), vs direct {r['overhead_vs_direct_p50']:.2f} ms;"
            f" hub CPU {r['hub_cpu_per_query']:.2f} ms/query; load average after: "
            + " ".join(f"{x:.2f}" for x in os.getloadavg()),
            flush=True,
        )
    tmp.cleanup()


if __name__ == "__main__":
    main()

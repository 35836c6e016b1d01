"""Beacon v2 load benchmark: a real ``onemg node serve`` (uvicorn + uvloop + httptools, orjson,
N workers) under an httpx asyncio client, compared with ``bcftools view -H -r`` per query.

Usage::

    .venv/bin/python benchmarks/bench_beacon.py prepare --n 100000
    .venv/bin/python benchmarks/bench_beacon.py prepare --n 1000000 --from-carriers
    .venv/bin/python benchmarks/bench_beacon.py run --n 100000 --n 1000000 --workers 2 --seconds 5
    .venv/bin/python benchmarks/bench_beacon.py prepare --n 1000000 --sparse
    .venv/bin/python benchmarks/bench_beacon.py run --n 1000000 --sparse --workers 2 --bcf-kb 5 \
        --public-min-af 0 --privacy-profile perturb

``prepare`` synthesises one country (``onemg synth``: msprime genomes for 1 Mb of chr7 around CFTR,
phenopackets, BCF + CSI) and ingests it into a node under ``bench-data/beacon-<n>/`` (reused).
``prepare --from-carriers`` skips synth and the dense genotype conversion (about an hour at 1M
here): the variant index is the one ``bench_index.py`` writes straight from carrier lists
(``bench-data/index-<n>``: 1 Mb at chr7:117-118 Mb (CFTR inside), per-site frequency spectrum of
a 100k msprime simulation, carriers drawn at random — synthetic carrier sets, not a simulated
1M cohort), and
the catalogue gets ``n`` synthetic individuals with random HPO features and ICD-10 diagnoses
(``bench_catalogue.py``'s generator; sexes are the index's), staged and published through the
real catalogue API. The node has the on-disk layout an ingest produces
(``datasets/<id>/<version>/index`` + ``node.db``) but no VCF Zarr and no BCF. ``prepare
--sparse`` runs ``onemg synth --format index`` (the sparse path: the index
straight from the msprime trees, no genotype matrix; same country, region and seed) and
``onemg ingest`` of its folder into ``bench-data/beacon-sparse-<n>/`` (wall time and peak RSS of
each step printed); a simulated cohort at 1M, with no BCF of its own either. For both, ``run``
exports the first ``--bcf-kb`` kilobases of the node's index to an indexed BCF (the node's own
carriers) for the bcftools baseline. ``run`` takes
``--n`` several times and benchmarks each prepared node in turn; it
measures, for each query family, the server-side time (``Server-Timing: app;dur``, i.e.
routing + parsing + query + serialisation inside the worker), the client round trip, and the
throughput at the given concurrency; then the in-process service time (no HTTP), and bcftools on
the same variants. Client and server share the machine's cores: throughput is a lower bound.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"
REGION = "chr7:117000001-118000000"


def _paths(n: int, sparse: bool = False) -> tuple[Path, Path]:
    """(synth folder, node folder) of the ``n``-individual benchmark node."""
    base = DATA / (f"beacon-sparse-{n}" if sparse else f"beacon-{n}")
    return base / "synth", base / "node"


def _timed(cmd: list[str]) -> tuple[float, int]:
    """Run ``cmd``; its wall seconds and peak RSS in bytes (the largest of it and its children)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with exit status {proc.returncode}")
    return time.perf_counter() - t, usage.ru_maxrss * 1024  # Linux: KiB


def prepare_sparse(n: int, seed: int = 11, workers: int = 2) -> Path:
    """Synthesise with the sparse path (``onemg synth --format index``) and ingest (cached).

    Both steps run as the real commands (``onemg synth``, ``onemg ingest`` of the synth's
    country folder, which adopts the ready index), so their wall time and peak RSS are each
    their own.
    """
    synth, node = _paths(n, sparse=True)
    done = node.parent / "prepared"
    if done.exists():
        return node
    onemg = str(Path(sys.executable).parent / "onemg")
    complete = synth / ".complete"  # the synth has no marker of its own: written after it
    if complete.exists():
        print(f"prepare n={n:,} sparse: reusing {synth} ({complete.read_text().strip()})")
    else:
        if synth.exists():
            shutil.rmtree(synth)
        secs, rss = _timed(
            [
                onemg,
                "synth",
                "--out",
                str(synth),
                "--countries",
                "FI",
                "--individuals",
                str(n),
                "--seed",
                str(seed),
                "--regions",
                REGION,
                "--format",
                "index",
                "--workers",
                str(workers),
            ]
        )
        complete.write_text(f"synth {secs:.1f} s, peak RSS {rss / 2**20:,.0f} MiB\n")
        print(f"prepare n={n:,} sparse: synth {secs:.1f} s, peak RSS {rss / 2**20:,.0f} MiB")
    if node.exists():
        shutil.rmtree(node)
    node.mkdir(parents=True)
    secs, rss = _timed(
        [
            onemg,
            "ingest",
            str(synth / "fi"),
            "--data-dir",
            str(node),
            "--database-url",
            f"sqlite:///{node / 'node.db'}",
            "--workers",
            str(workers),
        ]
    )
    index = next(node.glob("datasets/*/*/index"))
    disk = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    line = (
        f"{complete.read_text().strip()}; ingest {secs:.1f} s, peak RSS "
        f"{rss / 2**20:,.0f} MiB; index {disk / 2**20:,.1f} MiB on disk"
    )
    done.write_text(line + "\n")
    print(f"prepare n={n:,} sparse: {line}")
    return node


def prepare(n: int, seed: int = 11) -> Path:
    """Synthesise and ingest an ``n``-individual Finnish cohort (cached)."""
    from onemg.ingest import ingest, resolve_inputs
    from onemg.synth import synthesize

    synth, node = _paths(n)
    done = node.parent / "prepared"
    if done.exists():
        return node
    t0 = time.perf_counter()
    if node.exists():
        shutil.rmtree(node)
    if not (synth / "fi" / "genotypes.bcf.csi").exists():  # synth output is complete: reuse
        if synth.exists():
            shutil.rmtree(synth)
        synthesize(synth, countries=["FI"], individuals=n, seed=seed, regions=[REGION], fmt="bcf")
    t1 = time.perf_counter()
    node.mkdir(parents=True, exist_ok=True)
    ingest(
        resolve_inputs(source_dir=synth / "fi"),
        data_dir=node,
        database_url=f"sqlite:///{node / 'node.db'}",
        workers=2,
    )
    t2 = time.perf_counter()
    done.write_text(f"synth {t1 - t0:.1f} s, ingest {t2 - t1:.1f} s\n")
    print(f"prepare n={n:,}: synth {t1 - t0:.1f} s, ingest {t2 - t1:.1f} s")
    return node


def prepare_from_carriers(n: int, base_n: int = 100_000) -> Path:
    """A node over the carrier-list index of ``bench_index.py`` and a synthetic catalogue."""
    import dataclasses
    import random as _random

    from bench_catalogue import _pools, _records
    from bench_index import make_index

    from onemg.catalogue import Catalogue
    from onemg.db import make_engine, migrate
    from onemg.genomics import VariantIndex
    from onemg.ingest.layout import NodeLayout, new_version

    _, node = _paths(n)
    done = node.parent / "prepared"
    if done.exists():
        return node
    t0 = time.perf_counter()
    src = make_index(n, min(base_n, n))  # cached under bench-data/index-<n>
    index = VariantIndex.open(src)
    if index.n_individuals != n:
        raise RuntimeError(f"{src}: index has {index.n_individuals} individuals, expected {n}")
    # The sexes bench_index.make_index gave the index strata (same generator, same seed).
    sex = np.random.default_rng(2).choice(["female", "male"], size=n).tolist()
    strata = json.loads((src / "manifest.json").read_text())["strata"]
    an = np.load(src / "strata_an.npy", mmap_mode="r")
    female = int(np.asarray(an[0])[strata.index("sex:female")])
    if female != 2 * sex.count("female"):
        raise RuntimeError(f"{src}: female allele number {female} does not match the sexes")
    if node.exists():
        shutil.rmtree(node)
    layout = NodeLayout(node)
    ds_id, version = f"synth-fi-carriers-{n}", new_version()
    final = layout.version_dir(ds_id, version)
    final.mkdir(parents=True)
    try:  # hard links: the index files are never modified in place
        shutil.copytree(src, final / "index", copy_function=os.link)
    except OSError:
        shutil.rmtree(final / "index", ignore_errors=True)
        shutil.copytree(src, final / "index")
    descriptor = {
        "id": ds_id,
        "title": f"Synthetic carrier sets: Finland ({n:,} individuals)",
        "description": (
            f"SYNTHETIC data, not from real people: {n} individuals whose genotypes "
            "are carrier sets drawn at random with the per-site frequency spectrum "
            f"of a {base_n:,}-sample msprime simulation of 1 Mb (chr7:117-118 Mb), "
            "not a "
            "simulated cohort; random HPO features and ICD-10 diagnoses."
        ),
        "country": "FI",
        "synthetic": True,
        "version": "1",
        "assemblyId": "GRCh38",
        "createDateTime": "2026-01-01T00:00:00Z",
        "updateDateTime": "2026-01-01T00:00:00Z",
        "counts": {"individuals": n, "variants": int(index.n_variants)},
        "dataUseConditions": {
            "duoDataUse": [{"id": "DUO:0000042", "label": "general research use"}]
        },
        "access": {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"},
    }
    (final / "descriptor.json").write_text(json.dumps(descriptor, indent=1))
    t1 = time.perf_counter()
    rng = _random.Random(n)
    hpo, icd = _pools(rng)
    records = [
        dataclasses.replace(r, sex=s) for r, s in zip(_records(n, rng, hpo, icd), sex, strict=True)
    ]
    engine = make_engine(f"sqlite:///{node / 'node.db'}")
    migrate(engine)
    cat = Catalogue(engine)
    cat.stage_version(
        descriptor,
        version=version,
        records=records,
        sample_ids=[r.id for r in records],
        data_path=layout.relative(final),
        country="FI",
    )
    cat.publish_version(ds_id, version)
    engine.dispose()
    t2 = time.perf_counter()
    done.write_text(f"from carriers: index {t1 - t0:.1f} s, catalogue {t2 - t1:.1f} s\n")
    print(f"prepare n={n:,} from carriers: index {t1 - t0:.1f} s, catalogue {t2 - t1:.1f} s")
    return node


def _node(n: int, from_carriers: bool, sparse: bool = False) -> Path:
    """The prepared node for ``n`` (however it was prepared), else prepare it."""
    if sparse:
        return prepare_sparse(n)
    _, node = _paths(n)
    if (node.parent / "prepared").exists():
        return node
    return prepare_from_carriers(n) if from_carriers else prepare(n)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.lru_cache(maxsize=1)
def _store(node: Path):  # noqa: ANN202 - onemg.beacon.store.NodeData
    """The node's data opened once per size (opening warms a 1M catalogue: seconds)."""
    from onemg.beacon.store import NodeData
    from onemg.settings import load_settings

    return NodeData.open(load_settings(node))


def _variants(node: Path, count: int, seed: int = 1) -> tuple[list[tuple], str]:
    """Random indexed variants (contig, pos, ref, alt, carriers) and the dataset id."""
    store = _store(node)
    ds = store.datasets()[0]
    rng = random.Random(seed)
    rows = rng.sample(range(ds.index.n_variants), min(count, ds.index.n_variants))
    out = [
        (v.contig, v.pos, v.ref, v.alt, ds.index.carrier_count(v.row))
        for v in ds.index.variants(rows)
    ]
    return out, ds.id


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


async def _load(base: str, urls: list[str], seconds: float, concurrency: int) -> dict:
    """Closed-loop load over ``concurrency`` keep-alive HTTP/1.1 connections.

    A minimal asyncio client (write request, read headers, read Content-Length bytes): httpx
    costs about a millisecond of client CPU per request, which on a shared 2-core machine would
    measure the client, not the server.
    """
    host, port = base.removeprefix("http://").split(":")
    server: list[float] = []
    client: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        i = k
        try:
            while time.perf_counter() < stop:
                url = urls[i % len(urls)]
                i += concurrency
                t = time.perf_counter()
                writer.write(f"GET {url} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                headers = {k.lower(): v for k, v in headers.items()}
                await reader.readexactly(int(headers.get("content-length", "0")))
                client.append((time.perf_counter() - t) * 1000)
                if " 200 " not in lines[0]:
                    errors += 1
                timing = headers.get("server-timing", "")
                if "dur=" in timing:
                    server.append(float(timing.split("dur=")[1]))
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {
        "requests": len(client),
        "errors": errors,
        "rps": len(client) / elapsed,
        "server_p50": _pct(server, 50),
        "server_p99": _pct(server, 99),
        "client_p50": _pct(client, 50),
        "client_p99": _pct(client, 99),
    }


def _bcftools(bcf: Path, variants: list[tuple], repeat: int = 1) -> list[float]:
    times = []
    for contig, pos, *_ in variants:
        t = time.perf_counter()
        for _ in range(repeat):
            subprocess.run(
                ["bcftools", "view", "-H", "-r", f"chr{contig}:{pos}-{pos}", str(bcf)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        times.append((time.perf_counter() - t) * 1000 / repeat)
    return times


def _in_process(
    node: Path, families: dict[str, list[dict]], reps: int = 300, config: Path | None = None
) -> dict:
    """The service call alone (no HTTP), as the route makes it."""
    from onemg.beacon import answer
    from onemg.beacon.store import NodeData
    from onemg.protocol.request import from_query_string
    from onemg.protocol.vocabulary import BY_PATH
    from onemg.security import ANONYMOUS
    from onemg.settings import load_settings
    from onemg.testing import MemoryAuditSink

    settings = load_settings(node, config_file=config)
    store = NodeData.open(settings)
    out = {}
    for name, params in families.items():
        times = []
        for i in range(reps):
            p = dict(params[i % len(params)])
            target = BY_PATH[p.pop("_entry")]
            filters = p.pop("filters", "")
            t = time.perf_counter()
            req = from_query_string(p, [filters] if filters else [], max_page=1000)
            answer(store, req, target, ANONYMOUS, settings=settings.beacon, audit=MemoryAuditSink())
            times.append((time.perf_counter() - t) * 1000)
        out[name] = (_pct(times[reps // 10 :], 50), _pct(times[reps // 10 :], 99))
    return out


def run(
    n: int,
    workers: int,
    seconds: float,
    concurrency: int,
    from_carriers: bool = False,
    bcf_kb: int = 100,
    sparse: bool = False,
    public_min_af: float | None = None,
    privacy_profile: str | None = None,
) -> None:
    """Start the node, load it, print figures.

    ``public_min_af``: the node's ``[privacy] public_min_af`` for this run (written to a config
    file beside the node); ``None`` keeps the default, under which anonymous queries about
    alleles rarer than 1 % are refused (403), so rare-variant families measure refusals.
    ``privacy_profile``: the node's ``[privacy] profile`` (``None``: the default,
    ``budget+perturb``, which refuses anonymous variant queries among filtered people whatever
    ``public_min_af``; ``perturb`` answers them with the same noise, without budgets).
    """
    node = _node(n, from_carriers, sparse)
    synth, _ = _paths(n, sparse)
    variants, ds_id = _variants(node, 4000)
    # Ranges start at the 1 Mb boundary below the first indexed variant (chr7:117 Mb for both
    # the synth cohort and the carrier-list index).
    contig, first = _first_variant(node)
    start = (first - 1) // 1_000_000 * 1_000_000
    dense = max(1, -(-n // 32))  # rows stored as bitsets (>= ~3 % carriers)
    common = [v for v in variants if v[4] >= dense][:100]
    rare = [v for v in variants if 0 < v[4] <= max(1, n // 1000)][:100]
    carried = [v for v in variants if v[4] > 0][:200]
    female = "NCIT:C16576"
    hp = _common_hpo(node, ds_id)
    urlq = "requestedGranularity=count"

    def single(vs: list[tuple]) -> list[str]:
        return [
            f"/api/individuals?{urlq}&referenceName={c}&start={p - 1}&referenceBases={r}"
            f"&alternateBases={a}"
            for c, p, r, a, _ in vs
        ]

    ranges = [
        f"/api/g_variants?{urlq}&referenceName={contig}&start={start + k * 1000}"
        f"&end={start + k * 1000 + 1_000_000}"
        for k in range(5)
    ]
    families = {
        "single variant, common": single(common),
        "single variant, rare": single(rare),
        "variant ∩ phenotype": [u + f"&filters={hp}" for u in single(carried)],
        "variant ∩ sex": [u + f"&filters={female}" for u in single(carried)],
        "variant ∩ sex ∩ phenotype": [u + f"&filters={female},{hp}" for u in single(carried)],
        "1 Mb range, variants": ranges,
        "1 Mb range, carriers": [u.replace("/g_variants", "/individuals") for u in ranges],
        "gene CFTR, variants": [f"/api/g_variants?{urlq}&geneId=CFTR"],
        "gene CFTR, carriers": [f"/api/individuals?{urlq}&geneId=CFTR"],
    }
    p50s: dict[str, float] = {}
    port = _free_port()
    log = open(node.parent / "serve.log", "wb")  # noqa: SIM115 - closed after the run
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    config = None
    knobs = {"public_min_af": public_min_af, "profile": privacy_profile}
    if any(v is not None for v in knobs.values()):
        config = node.parent / "bench-privacy.toml"
        lines = [f"{k} = {v!r}" if k != "profile" else f'{k} = "{v}"'
                 for k, v in knobs.items() if v is not None]  # fmt: skip
        config.write_text("[privacy]\n" + "\n".join(lines) + "\n")
        env["ONEMG_CONFIG"] = str(config)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "onemg"),
            "node",
            "serve",
            "--data-dir",
            str(node),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    index_dir = _store(node).datasets()[0].index.path
    disk = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
    try:
        _wait(base)
        # Warm-up: every worker resolves the filter sets once, pages the index in.
        warm = [u for urls in families.values() for u in urls[:20]]
        asyncio.run(_load(base, warm, 4, concurrency))
        print(
            f"onemg node serve: n={n:,} individuals ({ds_id}), {workers} worker(s), "
            f"concurrency {concurrency}, {seconds:g} s per family, client on the same "
            f"machine; filters {female} (female), {hp}; {len(common)} common "
            f"(>= {dense:,} carriers) and {len(rare)} rare (<= {max(1, n // 1000):,} "
            f"carriers) variants; [privacy] public_min_af "
            f"{'default' if public_min_af is None else public_min_af}, profile "
            f"{privacy_profile or 'default'}; {_loadavg()}"
        )
        for name, urls in families.items():
            r = asyncio.run(_load(base, urls, seconds, concurrency))
            p50s.setdefault(name, r["server_p50"])
            print(
                f"  {name:28s} server p50 {r['server_p50']:.3f} ms p99 "
                f"{r['server_p99']:.3f} ms | client p50 {r['client_p50']:.2f} ms p99 "
                f"{r['client_p99']:.2f} ms | {r['rps']:,.0f} req/s ({r['requests']:,} req, "
                f"{r['errors']} errors)"
            )
        rss = _server_rss(proc.pid)
        print(
            f"  index on disk {disk / 2**20:.0f} MiB (memory-mapped: at most this much of it "
            f"in RAM, shared by the workers); server RSS after the run {rss / 2**20:.0f} MiB "
            f"over {workers} worker(s) (Python, catalogue columns, cached filter sets and the "
            f"index pages touched); {_loadavg()}"
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()  # a busy shared machine: never leave the node running
            proc.wait()
        log.close()
    fams = {
        k: [_params(u) for u in families[k]]
        for k in (
            "single variant, common",
            "single variant, rare",
            "variant ∩ phenotype",
            "variant ∩ sex",
            "1 Mb range, carriers",
            "gene CFTR, carriers",
        )
    }
    inproc = _in_process(node, fams, config=config)
    for name, (p50, p99) in inproc.items():
        print(f"  in-process {name:28s} p50 {p50:.3f} ms p99 {p99:.3f} ms")
    # A dense synth has its own BCF; the carrier-list and sparse nodes get one from the index.
    bcf = next((synth / "fi").glob("*.bcf"), None) if (synth / "fi").is_dir() else None
    if bcf is None:
        bcf = _export_bcf(node, n, kb=bcf_kb, folder=node.parent)
    lookups = _bcf_lookups(node, bcf, common, rare, dense, max(1, n // 1000))
    bt = {name: _bcftools(bcf, vs) for name, vs in lookups.items() if vs}
    for name, times in bt.items():
        key = f"single variant, {name}"
        print(
            f"  bcftools view -H -r, {len(lookups[name])} {name} variants of {bcf.name} "
            f"({bcf.stat().st_size / 2**20:.0f} MiB): p50 {_pct(times, 50):.1f} ms p99 "
            f"{_pct(times, 99):.1f} ms = {_pct(times, 50) / p50s[key]:.0f}x the node's "
            f"server-side p50, {_pct(times, 50) / inproc[key][0]:.0f}x in-process"
        )


def _bcf_lookups(
    node: Path, bcf: Path, common: list[tuple], rare: list[tuple], dense: int, rare_max: int
) -> dict[str, list[tuple]]:
    """Up to 10 common and 10 rare variants that the BCF holds."""
    if bcf.parent.name == "fi":  # the synth cohort's BCF holds every variant
        return {"common": common[:10], "rare": rare[:10]}
    from onemg.genomics import VariantQuery

    lo, hi = _bcf_range(bcf)
    index = _store(node).datasets()[0].index
    contig = index.variants([0])[0].contig
    rows = index.find(VariantQuery(contig, start=lo - 1, end=hi))
    vs = [(v.contig, v.pos, v.ref, v.alt, index.carrier_count(v.row)) for v in index.variants(rows)]
    rng = random.Random(5)
    rng.shuffle(vs)
    return {
        "common": [v for v in vs if v[4] >= dense][:10],
        "rare": [v for v in vs if 0 < v[4] <= rare_max][:10],
    }


def _loadavg() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def _server_rss(pid: int) -> int:
    import psutil

    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def _bcf_range(bcf: Path) -> tuple[int, int]:
    lo, hi = bcf.stem.split("-")[-2:]
    return int(lo), int(hi)


def _export_bcf(node: Path, n: int, kb: int, folder: Path) -> Path:
    """Write the first ``kb`` kilobases of the node's index as an indexed BCF (cached).

    Genotypes come from the index's carriers and homozygote bits (``0|1``/``1|1``, phase
    arbitrary), one VCF text record at a time through ``bcftools view -Ob`` (1M samples is
    4 MB of text per record), so the BCF holds exactly the cohort the node serves.
    """
    ds = _store(node).datasets()[0]
    index = ds.index
    v0 = index.variants([0])[0]
    lo = v0.pos
    hi = lo + kb * 1000 - 1
    out = folder / f"region-{lo}-{hi}.bcf"
    if Path(f"{out}.csi").exists():
        return out
    from onemg.genomics import VariantQuery

    rows = index.find(VariantQuery(v0.contig, start=lo - 1, end=hi))
    t = time.perf_counter()
    ids = [f"I{i:07d}" for i in range(n)]
    header = (
        "##fileformat=VCFv4.2\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        f"##contig=<ID=chr{v0.contig},length=159345973>\n##onemg_synthetic=true\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(ids) + "\n"
    )
    proc = subprocess.Popen(
        ["bcftools", "view", "--no-version", "-Ob", "-o", str(out)], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    proc.stdin.write(header.encode())
    cells = np.frombuffer(b"0|0\t" * n, dtype=np.uint8).reshape(n, 4).copy()
    for v in index.variants(rows):
        idx, hom = index.zygosity(v.row)
        cells[:, 2] = ord("0")
        cells[idx, 2] = ord("1")
        cells[idx[hom], 0] = ord("1")
        line = f"chr{v.contig}\t{v.pos}\t.\t{v.ref}\t{v.alt}\t.\tPASS\t.\tGT\t".encode()
        cells[-1, 3] = ord("\n")
        proc.stdin.write(line + cells.tobytes())
        cells[idx[hom], 0] = ord("0")
        cells[-1, 3] = ord("\t")
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("bcftools view failed writing the region BCF")
    subprocess.run(["bcftools", "index", "-f", str(out)], check=True)
    print(
        f"  exported {rows.size:,} records of chr{v0.contig}:{lo}-{hi} for {n:,} individuals "
        f"to {out.name} ({out.stat().st_size / 2**20:.0f} MiB) in "
        f"{time.perf_counter() - t:.0f} s"
    )
    return out


def _params(url: str) -> dict:
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url)
    out = dict(parse_qsl(parts.query))
    out["_entry"] = parts.path.rsplit("/", 1)[1]
    return out


def _first_variant(node: Path) -> tuple[str, int]:
    ds = _store(node).datasets()[0]
    v = ds.index.variants([0])[0]
    return v.contig, int(v.pos)


def _common_hpo(node: Path, ds_id: str) -> str:
    store = _store(node)
    terms = [t["id"] for t in store.filtering_terms(ds_id) if t["id"].startswith("HP:")]
    return terms[0] if terms else "NCIT:C20197"


def _wait(base: str, timeout: float = 900) -> None:
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            if httpx.get(base + "/api/info", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"node did not start at {base}")


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument(
        "--from-carriers",
        action="store_true",
        help="index from bench_index.py's carrier lists + synthetic catalogue "
        "(fast path for 1M; random carriers, not a simulated cohort)",
    )
    p.add_argument(
        "--sparse",
        action="store_true",
        help="onemg synth --format index (sparse path) + onemg ingest, under "
        "bench-data/beacon-sparse-<n>/",
    )
    r = sub.add_parser("run")
    r.add_argument(
        "--n",
        type=int,
        action="append",
        help="individuals (repeatable: each prepared node in turn; default 100000)",
    )
    r.add_argument(
        "--from-carriers",
        action="store_true",
        help="prepare missing nodes with the carrier-list path",
    )
    r.add_argument(
        "--sparse",
        action="store_true",
        help="benchmark the sparse-synthesis nodes (prepared if missing)",
    )
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--seconds", type=float, default=10)
    r.add_argument("--concurrency", type=int, default=32)
    r.add_argument(
        "--bcf-kb",
        type=int,
        default=100,
        help="kilobases exported to BCF for the bcftools baseline (carrier and sparse nodes)",
    )
    r.add_argument(
        "--public-min-af",
        type=float,
        default=None,
        help="[privacy] public_min_af of the node for the run (0: anonymous rare-allele "
        "queries are answered, with the default profile's noise; default: the node's own, "
        "which refuses them with 403)",
    )
    r.add_argument(
        "--privacy-profile",
        choices=("none", "k-floor", "budget", "perturb", "budget+perturb"),
        default=None,
        help="[privacy] profile of the node for the run (default: the node's own, "
        "budget+perturb, which refuses anonymous variant queries among filtered people; "
        "perturb answers them with the same noise, without budgets)",
    )
    args = ap.parse_args(argv)
    if args.from_carriers and args.sparse:
        ap.error("--from-carriers and --sparse are two ways to prepare a node: choose one")
    if args.cmd == "prepare":
        if args.sparse:
            prepare_sparse(args.n)
        else:
            (prepare_from_carriers if args.from_carriers else prepare)(args.n)
    else:
        for n in args.n or [100_000]:
            run(
                n,
                args.workers,
                args.seconds,
                args.concurrency,
                args.from_carriers,
                args.bcf_kb,
                args.sparse,
                args.public_min_af,
                args.privacy_profile,
            )
    print(json.dumps({"done": args.cmd}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

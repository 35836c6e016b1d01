"""Scale benchmarks: Dask build throughput per worker, and the catalogue at a million.

Usage::

    .venv/bin/python benchmarks/bench_scale.py builds --n 20000 --length 5e5 --workers 1 --workers 2
    .venv/bin/python benchmarks/bench_scale.py catalogue --n 100000 --n 1000000 [--no-postgres]

``builds`` simulates ``n`` diploids (``bench_index.simulate``: growing European-like population)
and runs the two Dask jobs of ``onemg.compute`` on it, in this process (the baseline: the same
task functions, no Dask) and on LocalClusters of each ``--workers`` count:

* the dense VCF Zarr from the tree sequence (:func:`onemg.genomics.build_vcz_from_trees`);
* the Beacon index from that store (:func:`onemg.genomics.build_index`).

It prints wall time, genotype calls per second (sites x haplotypes) in all and per worker, the
speed-up over one worker, and checks that every build is byte-identical to the in-process one.
The LocalCluster start-up (measured alone) is part of each Dask time.

``catalogue`` generates ``n`` individuals (``bench_catalogue``'s generator: 0-3 HPO features out
of 3,000 terms, 0-2 ICD-10 codes, one biosample, run and analysis each) and loads them with
``Catalogue.stage_version`` into SQLite (executemany) and PostgreSQL (COPY; a throwaway cluster
from ``tests/pgcluster.py``), with a row-insert PostgreSQL load at the smallest ``n`` as the
baseline of the same run. It prints load time (and the part spent building rows in Python),
size on disk, and the latency of the slowest filters: the HPO root, "Phenotypic abnormality",
broad ICD-10 chapters and the broadest term without a precomputed bitset (the largest index
read), each resolved cold (no cache) and cached, plus the count of a variant's carriers within
the resolved set (the server-side variant ∩ phenotype count).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent.parent / "bench-data"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _same(a: Path, b: Path) -> bool:
    """Byte-identical folders (an index manifest may differ only in its ``source`` path)."""
    import filecmp
    import json

    def walk(c: filecmp.dircmp) -> bool:
        names = [f for f in c.common_files if f != "manifest.json"]
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, names, shallow=False)
        if c.left_only or c.right_only or mismatch or errors:
            return False
        return all(walk(s) for s in c.subdirs.values())

    if (a / "manifest.json").exists():
        ma, mb = (json.loads((p / "manifest.json").read_text()) for p in (a, b))
        if {**ma, "source": ""} != {**mb, "source": ""}:
            return False
    return walk(filecmp.dircmp(a, b))


# === builds =======================================================================================
def builds(n: int, length: float, worker_counts: list[int], chunk: int) -> None:
    """Dense VCF Zarr and index builds in-process and on 1..k local Dask workers."""
    from bench_index import simulate

    from onemg.compute import compute_client
    from onemg.genomics import build_index, build_vcz_from_trees, write_sample_strata
    from onemg.settings import ComputeSettings

    t = time.perf_counter()
    ts = simulate(n, length)
    print(
        f"simulation n={n:,} x {length / 1e6:g} Mb: {ts.num_sites:,} sites "
        f"({time.perf_counter() - t:.1f} s, cached under bench-data/); {_load()}"
    )
    trees = DATA / f"sim-{n}-{int(length)}-1.trees"
    ids = [f"S{i:07d}" for i in range(n)]
    calls = ts.num_sites * 2 * n
    work = Path(tempfile.mkdtemp(prefix="scale-", dir=DATA))
    rng = np.random.default_rng(2)
    sex = rng.choice(["female", "male"], size=n).tolist()
    try:
        for w in worker_counts:
            t = time.perf_counter()
            with compute_client(ComputeSettings(workers=w)):
                pass
            print(f"LocalCluster of {w} worker(s): start + stop {time.perf_counter() - t:.1f} s")
        runs = [0, *worker_counts]
        vcz_s: dict[int, float] = {}
        idx_s: dict[int, float] = {}
        for w in runs:
            compute = ComputeSettings(workers=w, memory_limit="6GiB")
            vcz = work / f"g{w}.vcz"
            t = time.perf_counter()
            s = build_vcz_from_trees(
                trees,
                vcz,
                sample_ids=ids,
                contig_id="chr7",
                position_offset=117_000_000,
                variants_chunk_size=chunk,
                compute=compute,
            )
            vcz_s[w] = time.perf_counter() - t
            write_sample_strata(vcz, sex=sex, country=["FI"] * n)
            t = time.perf_counter()
            build_index(vcz, work / f"index{w}", compute=compute)
            idx_s[w] = time.perf_counter() - t
            same = (
                ""
                if w == 0
                else (
                    f"; identical to in-process: store {_same(work / 'g0.vcz', vcz)}, index "
                    f"{_same(work / 'index0', work / f'index{w}')}"
                )
            )
            print(
                f"{'in-process' if w == 0 else f'{w} Dask worker(s)':>18}: VCF Zarr "
                f"{vcz_s[w]:6.1f} s ({s.n_partitions} partitions, {s.bytes / 2**20:.1f} MiB), "
                f"index {idx_s[w]:6.1f} s{same}"
            )
        print(
            f"genotype calls: {calls:.3g} ({ts.num_sites:,} sites x {2 * n:,} haplotypes); "
            f"{_load()}"
        )
        base = min(worker_counts)
        for name, table in (("VCF Zarr from trees", vcz_s), ("index from VCF Zarr", idx_s)):
            for w in runs:
                per = calls / table[w] / max(w, 1) / 1e6
                speed = (
                    ""
                    if w == 0
                    else f", speed-up over {base} worker(s) {table[base] / table[w]:.2f}x"
                )
                print(
                    f"  {name:20s} {'in-process' if w == 0 else f'{w} worker(s)':>12}: "
                    f"{calls / table[w] / 1e6:7.1f} M calls/s, {per:7.1f} M calls/s per "
                    f"worker{speed}"
                )
        print(f"peak RSS of this process {_rss_gib():.2f} GiB (workers are separate processes)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# === catalogue ===================================================================================
def _pct(values: list[float]) -> str:
    a = np.asarray(values) * 1e3
    return f"p50 {np.percentile(a, 50):7.3f} ms  p99 {np.percentile(a, 99):7.3f} ms"


def _slow_filters(engine, vid: int, onto) -> list[str]:  # noqa: ANN001
    """Root/broad terms, and the broadest ancestor below the bitset threshold."""
    from sqlalchemy import text

    with engine.connect() as conn:
        with_bits = {
            r[0]
            for r in conn.execute(
                text("SELECT ancestor FROM cat_term_bitsets WHERE vid = :v"), {"v": vid}
            )
        }
        counts = conn.execute(
            text(
                "SELECT c.ancestor, COUNT(*) AS k FROM cat_annotations a JOIN cat_term_closure c "
                "ON c.vid = a.vid AND c.term = a.term WHERE a.vid = :v GROUP BY c.ancestor "
                "ORDER BY k DESC"
            ),
            {"v": vid},
        ).all()
    no_bits = [(a, k) for a, k in counts if a not in with_bits]
    widest = max(no_bits, key=lambda x: x[1])[0] if no_bits else "HP:0001250"
    return ["HP:0000001", "HP:0000118", "ICD10:IX", "ICD10:IV", widest]


def _bench_filters(engine, ds: str, n: int, vid: int, label: str) -> None:  # noqa: ANN001
    from onemg.catalogue import Catalogue, OntologyFilter
    from onemg.ontology import load_ontology

    onto = load_ontology()
    terms = _slow_filters(engine, vid, onto)
    cold = Catalogue(engine, cache_size=0)
    warm = Catalogue(engine)
    cold.individual_set(ds, [])  # pool and columns warm-up
    rng = np.random.default_rng(1)
    carriers = {
        "rare (0.1%)": np.sort(rng.choice(n, n // 1000, replace=False)).astype(np.int32),
        "common (30%)": np.flatnonzero(rng.random(n) < 0.3).astype(np.int32),
    }
    for term in terms:
        times = []
        for _ in range(15):
            t = time.perf_counter()
            s = cold.individual_set(ds, [OntologyFilter(term)])
            times.append(time.perf_counter() - t)
        warm.individual_set(ds, [OntologyFilter(term)])
        cached = []
        both: dict[str, list[float]] = {k: [] for k in carriers}
        for _ in range(200):
            t = time.perf_counter()
            w = warm.individual_set(ds, [OntologyFilter(term)])
            cached.append(time.perf_counter() - t)
            for name, c in carriers.items():
                t = time.perf_counter()
                warm.individual_set(ds, [OntologyFilter(term)]).count_in(c)
                both[name].append(time.perf_counter() - t)
        assert len(w) == len(s)
        print(f"  [{label}] {term:12s} ({onto.label(term) or term}; {len(s):,} individuals)")
        print(f"      cold {_pct(times)} | cached {_pct(cached)}")
        for name, vals in both.items():
            print(f"      variant {name} ∩ phenotype count (cached set): {_pct(vals)}")


def _pg_size(engine) -> int:  # noqa: ANN001
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "JOIN pg_namespace s ON s.oid = c.relnamespace "
                    "WHERE c.relkind = 'r' AND c.relname LIKE 'cat_%' AND s.nspname = 'public'"
                )
            ).scalar()
        )


def _load_one(engine, records, n: int, method: str | None) -> tuple[float, int]:  # noqa: ANN001
    """Stage + publish; returns (seconds, vid). ``method`` forces the bulk-insert method."""
    import functools

    import onemg.catalogue.store as store
    from onemg.catalogue import Catalogue
    from onemg.catalogue.queries import bulk_insert

    if method:
        store.bulk_insert = functools.partial(bulk_insert, method=method)
    try:
        cat = Catalogue(engine)
        t = time.perf_counter()
        cat.stage_version(
            {"id": f"bench-{n}", "country": "FI"},
            version="v1",
            records=records,
            sample_ids=[r.id for r in records],
            data_path="x",
        )
        cat.publish_version(f"bench-{n}", "v1")
        took = time.perf_counter() - t
    finally:
        store.bulk_insert = bulk_insert
    from sqlalchemy import text

    with engine.connect() as conn:
        vid = int(conn.execute(text("SELECT MAX(vid) FROM cat_dataset_versions")).scalar())
    return took, vid


def catalogue(sizes: list[int], postgres: bool) -> None:
    """Load n individuals into SQLite and PostgreSQL; slow-filter latency at each size."""
    import random

    from bench_catalogue import _pools, _records

    from onemg.catalogue.rows import build_rows
    from onemg.db import make_engine, migrate
    from onemg.ontology import load_ontology

    cluster = None
    if postgres:
        from tests.pgcluster import PgCluster

        cluster = PgCluster()
        cluster.start()
    try:
        for i, n in enumerate(sizes):
            rng = random.Random(n)
            hpo, icd = _pools(rng)
            t = time.perf_counter()
            records = _records(n, rng, hpo, icd)
            gen = time.perf_counter() - t
            t = time.perf_counter()
            rows = build_rows(records, [r.id for r in records], "FI", load_ontology())
            rows_s = time.perf_counter() - t
            print(
                f"[n={n:,}] generated records {gen:.1f} s; build_rows (Python, part of every "
                f"load) {rows_s:.1f} s: {len(rows.annotations):,} annotations, "
                f"{len(rows.closure):,} closure rows, {len(rows.bitsets)} bitsets; {_load()}"
            )
            del rows
            with tempfile.TemporaryDirectory(dir=DATA) as tmp:
                db = Path(tmp) / "cat.db"
                engine = make_engine(f"sqlite:///{db}")
                migrate(engine)
                took, vid = _load_one(engine, records, n, None)
                print(
                    f"[n={n:,}] SQLite load (executemany) {took:.1f} s, file "
                    f"{db.stat().st_size / 2**20:.0f} MiB"
                )
                _bench_filters(engine, f"bench-{n}", n, vid, f"SQLite {n:,}")
                engine.dispose()
            if cluster is not None:
                url = cluster.create_database(f"scale{n}")
                engine = make_engine(url)
                migrate(engine)
                took, vid = _load_one(engine, records, n, None)
                print(
                    f"[n={n:,}] PostgreSQL load (COPY) {took:.1f} s, tables + indexes "
                    f"{_pg_size(engine) / 2**20:.0f} MiB"
                )
                _bench_filters(engine, f"bench-{n}", n, vid, f"PostgreSQL {n:,}")
                engine.dispose()
                if i == 0:
                    url = cluster.create_database(f"scale{n}ins")
                    engine = make_engine(url)
                    migrate(engine)
                    took_ins, _ = _load_one(engine, records, n, "insert")
                    print(
                        f"[n={n:,}] PostgreSQL load (row inserts, baseline) {took_ins:.1f} s: "
                        f"COPY load is {took_ins / took:.2f}x faster end to end"
                    )
                    engine.dispose()
            del records
            print(f"peak RSS {_rss_gib():.2f} GiB")
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> int:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("builds")
    b.add_argument("--n", type=int, default=20_000)
    b.add_argument("--length", type=float, default=5e5)
    b.add_argument("--workers", type=int, action="append")
    b.add_argument("--chunk", type=int, default=1000, help="variants per Zarr chunk")
    c = sub.add_parser("catalogue")
    c.add_argument("--n", type=int, action="append")
    c.add_argument("--no-postgres", action="store_true")
    a = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    if a.cmd == "builds":
        builds(a.n, a.length, a.workers or [1, 2], a.chunk)
    else:
        catalogue(a.n or [100_000], not a.no_postgres)
    return 0


if __name__ == "__main__":
    sys.exit(main())

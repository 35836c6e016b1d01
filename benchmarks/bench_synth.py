"""Benchmark ``onemg synth``: wall time, peak RSS and output size.

Cases:
  default  3 countries x N individuals (default 10,000) on the default regions, VCF output.
  bulk     1 country x N individuals (several sizes) on one ~L Mb region, VCF Zarr written
           straight from the tree sequence; prints a power-law extrapolation to 1M x 1 Mb and
           1M x 10 Mb (clearly labelled: extrapolated, not measured).
  sparse   1 country x N individuals (several sizes) on one L Mb region, ``--format index``
           (the sparse path: the Beacon index straight from the trees); wall, peak RSS and the
           split msprime / carrier extraction / writing.
  compare  the same small cohort through the old dense route (VCF Zarr from tskit, then the
           index built by ingest's converter) and through the sparse path: the ratio.
  extract  one simulation, carriers two ways: tskit variant decoding + nonzero against the
           walk below each mutation (onemg.synth.carriers); the ratio.
  vcz      the dense VCF Zarr of the same cohort (L Mb: several 1 Mb pieces) two ways: the old
           dense route (``--format zarr``: VCF text, then bio2zarr vcf2zarr) against the Dask
           route of ``--format index --genotypes vcz`` (kept trees -> store in variant chunks)
           with 1 worker (this process) and 2 (a LocalCluster); the ``genotypes`` step timed.

Each run happens in a fresh subprocess so that peak RSS (ru_maxrss of the run and its
children: forked simulation workers, bgzip, tabix) belongs to that run alone.

Usage:
  .venv/bin/python benchmarks/bench_synth.py default [--individuals 10000]
  .venv/bin/python benchmarks/bench_synth.py bulk --sizes 25000 50000 100000 [--mb 1]
  .venv/bin/python benchmarks/bench_synth.py sparse --sizes 10000 100000 [--mb 10]
  .venv/bin/python benchmarks/bench_synth.py compare [--individuals 20000] [--mb 1]
  .venv/bin/python benchmarks/bench_synth.py extract [--individuals 50000] [--mb 1]
  .venv/bin/python benchmarks/bench_synth.py vcz [--individuals 5000] [--mb 2] [--dask-only]

The machine is shared: give the load average with any figure (it is printed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _single(args: argparse.Namespace) -> None:
    from onemg.synth import synthesize

    out = Path(args.out)
    t0 = time.perf_counter()
    summary = synthesize(
        out,
        countries={c: args.individuals for c in args.countries.split(",")},
        seed=42,
        regions=args.regions.split(";") if args.regions else None,
        fmt=args.format,
        force=True,
        workers=args.workers,
        genotypes=args.genotypes,
    )
    wall = time.perf_counter() - t0
    index_bytes = sum(
        _du(c.folder / "index") for c in summary.countries if (c.folder / "index").is_dir()
    )
    trees_bytes = sum(
        _du(c.folder / "trees") for c in summary.countries if (c.folder / "trees").is_dir()
    )
    own_usage = resource.getrusage(resource.RUSAGE_SELF)
    child_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    own, children = own_usage.ru_maxrss, child_usage.ru_maxrss
    # CPU seconds (this process + children) do not depend on how busy a shared machine is.
    cpu = sum(u.ru_utime + u.ru_stime for u in (own_usage, child_usage))
    genotype_bytes = sum(
        _du(c.folder / name) if (c.folder / name).is_dir() else (c.folder / name).stat().st_size
        for c in summary.countries
        for name in ("genotypes.vcz", "genotypes.vcf.gz", "genotypes.bcf")
        if (c.folder / name).exists()
    )
    print(
        json.dumps(
            {
                "individuals_per_country": args.individuals,
                "countries": args.countries,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "load_avg_1min": round(os.getloadavg()[0], 1),
                "timings_s": {k: round(v, 2) for k, v in summary.timings.items()},
                "peak_rss_mib": round(max(own, children) / 1024, 1),
                "variants": {c.code: c.variants for c in summary.countries},
                "genotype_bytes": genotype_bytes,
                "index_bytes": index_bytes,
                "trees_bytes": trees_bytes,
                "output_bytes": _du(out),
            }
        )
    )


def _run(
    countries: str,
    individuals: int,
    regions: str | None,
    fmt: str,
    keep: Path | None = None,
    workers: int = 2,
    genotypes: str = "none",
) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        out = keep or Path(tmp) / "out"
        cmd = [
            sys.executable, __file__, "_single", "--out", str(out),
            "--countries", countries, "--individuals", str(individuals), "--format", fmt,
            "--workers", str(workers), "--genotypes", genotypes,
        ]  # fmt: skip
        if regions:
            cmd += ["--regions", regions]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])


def _region(mb: float) -> str:
    start = 30_000_001
    return f"chr22:{start}-{start + int(mb * 1_000_000) - 1}"


def _sparse(args: argparse.Namespace) -> None:
    for n in args.sizes:
        r = _run("DE", n, _region(args.mb), "index", workers=args.workers)
        t = r["timings_s"]
        print(
            f"measured  n={n:>9,}  {args.mb:g} Mb  sparse (--format index), {args.workers} "
            f"workers: wall {r['wall_s']:7.1f} s  cpu {r['cpu_s']:7.1f} s  load "
            f"{r['load_avg_1min']:4.1f}  peak RSS {r['peak_rss_mib']:7.1f} MiB\n"
            f"          split (CPU s summed over pieces): msprime {t['msprime_sum']:7.1f}, "
            f"carriers {t['carriers_sum']:7.1f}, writing parts+trees {t['writing_sum']:6.1f}; "
            f"wall: simulate+index {t['simulate_and_index']:7.1f}, index finalise "
            f"{t['index_finalise_sum']:6.1f}, metadata {t['metadata']:6.1f}\n"
            f"          index {r['index_bytes'] / 2**20:8.1f} MiB  trees "
            f"{r['trees_bytes'] / 2**20:8.1f} MiB  rows {r['variants']['DE']:,}",
            flush=True,
        )


def _compare(args: argparse.Namespace) -> None:
    """Old dense route (tskit -> VCF Zarr -> index) against the sparse path, same cohort."""
    from onemg.catalogue import parse_phenopackets
    from onemg.genomics import build_index, write_sample_strata

    region = _region(args.mb)
    with tempfile.TemporaryDirectory(prefix="bench-synth-cmp-") as tmp:
        dense_out = Path(tmp) / "dense"
        d = _run("DE", args.individuals, region, "zarr", keep=dense_out, workers=1)
        folder = dense_out / "de"
        records = parse_phenopackets(folder / "individuals.jsonl")
        write_sample_strata(
            folder / "genotypes.vcz", sex=[r.sex for r in records], country=["DE"] * len(records)
        )
        t0, c0 = time.perf_counter(), time.process_time()
        build_index(folder / "genotypes.vcz", Path(tmp) / "dense-index")
        idx_wall, idx_cpu = time.perf_counter() - t0, time.process_time() - c0
    s = _run("DE", args.individuals, region, "index", workers=1)
    dense_wall = d["wall_s"] + idx_wall
    dense_cpu = d["cpu_s"] + idx_cpu
    print(f"DE x {args.individuals:,}, {args.mb:g} Mb, 1 worker (load {os.getloadavg()[0]:.1f})")
    print(
        f"  dense route  : synth zarr wall {d['wall_s']:.1f} s (cpu {d['cpu_s']:.1f}) + index "
        f"from VCF Zarr wall {idx_wall:.1f} s (cpu {idx_cpu:.1f}) = {dense_wall:.1f} s "
        f"(cpu {dense_cpu:.1f}); peak RSS {d['peak_rss_mib']:.0f} MiB"
    )
    print(
        f"  sparse path  : wall {s['wall_s']:.1f} s (cpu {s['cpu_s']:.1f}); peak RSS "
        f"{s['peak_rss_mib']:.0f} MiB"
    )
    print(
        f"  ratio dense/sparse: wall {dense_wall / s['wall_s']:.2f}x, cpu "
        f"{dense_cpu / s['cpu_s']:.2f}x"
    )


def _vcz(args: argparse.Namespace) -> None:
    """The dense store: old route (VCF, then vcf2zarr) against the Dask route from the trees."""
    region = _region(args.mb)
    print(f"DE x {args.individuals:,}, {args.mb:g} Mb (load {os.getloadavg()[0]:.1f})")
    runs = [] if args.dask_only else [("old dense route (--format zarr: VCF -> vcf2zarr)",
                                       "zarr", "none", 2)]  # fmt: skip
    runs += [(f"Dask route (--genotypes vcz), {w} worker(s)", "index", "vcz", w) for w in (1, 2)]
    base = None
    for label, fmt, genotypes, workers in runs:
        r = _run("DE", args.individuals, region, fmt, workers=workers, genotypes=genotypes)
        step = r["timings_s"]["genotypes"]
        base = base or step
        print(
            f"  {label:<50}: store step wall {step:7.1f} s (1st row / this: {base / step:4.2f}x);"
            f" run wall {r['wall_s']:7.1f} s, cpu {r['cpu_s']:7.1f} s, peak RSS "
            f"{r['peak_rss_mib']:7.1f} MiB, store {r['genotype_bytes'] / 2**20:7.1f} MiB, "
            f"load {r['load_avg_1min']:.1f}",
            flush=True,
        )


def _extract(args: argparse.Namespace) -> None:
    """Variant decoding + nonzero against the walk below each mutation, same tree sequence."""
    import numpy as np

    from onemg.genomics.index_sparse import dense_min_for, strata_groups
    from onemg.synth import carriers, genomes
    from onemg.synth.regions import parse_regions
    from onemg.synth.tables import load_countries, load_genes

    country = load_countries()["DE"]
    region = parse_regions([_region(args.mb)], load_genes())[0]
    rate = genomes.chromosome_recombination_rates([region.chrom])[region.chrom]
    ts = genomes.simulate_region(
        [country],
        [args.individuals],
        region,
        recombination_rate=rate,
        seeds=genomes.region_seeds(42, region),
    )
    nodes = ts.samples()
    n = args.individuals
    group, _labels, member = strata_groups(["female"] * n, ["DE"] * n)
    sites = carriers.site_alleles(ts, region.start)
    # Warm the numba cache outside the timing.
    list(
        carriers.extract_piece(
            ts.keep_intervals([[0, 1000]]),
            carriers.site_alleles(ts.keep_intervals([[0, 1000]]), region.start),
            contig="22",
            nodes=nodes,
            group=group,
            n_groups=member.shape[0],
            dense_min=dense_min_for(n),
        )
    )
    t0, c0 = time.perf_counter(), time.process_time()
    walk_carriers = 0
    for part in carriers.extract_piece(
        ts,
        sites,
        contig="22",
        nodes=nodes,
        group=group,
        n_groups=member.shape[0],
        dense_min=dense_min_for(n),
    ):
        walk_carriers += int(part.count.sum())
    walk = (time.perf_counter() - t0, time.process_time() - c0)
    t0, c0 = time.perf_counter(), time.process_time()
    decode_carriers = 0
    for var in ts.variants(samples=nodes):
        g = var.genotypes
        for k in range(1, len(var.alleles)):
            hit = g == k
            decode_carriers += int(np.count_nonzero(hit[0::2] | hit[1::2]))
    decode = (time.perf_counter() - t0, time.process_time() - c0)
    print(
        f"DE x {n:,}, {args.mb:g} Mb: {ts.num_sites:,} sites, {ts.num_trees:,} trees "
        f"(load {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  tskit variant decoding + nonzero : wall {decode[0]:.2f} s, cpu {decode[1]:.2f} s "
        f"({decode_carriers:,} carrier-rows)"
    )
    print(
        f"  walk below each mutation (numba) : wall {walk[0]:.2f} s, cpu {walk[1]:.2f} s "
        f"({walk_carriers:,} carrier-rows, index rows built)"
    )
    print(f"  ratio decoding/walk: cpu {decode[1] / max(walk[1], 1e-9):.1f}x")


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares power law y = a * x^b on log-log axes."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-3)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    den = sum((x - mx) ** 2 for x in lx) or 1.0
    b = sum((x - mx) * (y - my) for x, y in zip(lx, ly, strict=True)) / den
    return math.exp(my - b * mx), b


def _default(args: argparse.Namespace) -> None:
    result = _run("FI,EE,PT", args.individuals, None, "vcf")
    print(f"default regions, FI,EE,PT x {args.individuals:,}, vcf (measured)")
    print(json.dumps(result, indent=2))


def _bulk(args: argparse.Namespace) -> None:
    start = 30_000_001
    region = f"chr22:{start}-{start + int(args.mb * 1_000_000) - 1}"
    rows = []
    for n in args.sizes:
        r = _run("DE", n, region, "zarr")
        rows.append(r)
        t = r["timings_s"]
        print(
            f"measured  n={n:>9,}  {args.mb} Mb  wall {r['wall_s']:7.1f} s  "
            f"cpu {r['cpu_s']:7.1f} s  load {r['load_avg_1min']:4.1f}  "
            f"(msprime {t['simulate']:6.1f} s [cpu {t['simulate_cpu']:6.1f}], tskit->zarr "
            f"{t['genotypes']:6.1f} s [cpu {t['genotypes_cpu']:6.1f}], metadata "
            f"{t['metadata']:5.1f} s)  peak RSS {r['peak_rss_mib']:7.1f} MiB  "
            f"zarr {r['genotype_bytes'] / 2**20:7.1f} MiB  sites {r['variants']['DE']:,}",
            flush=True,
        )
    if len(rows) < 2:
        return
    ns = [float(r["individuals_per_country"]) for r in rows]
    print("\nEXTRAPOLATED (power-law fit over the measured sizes; not measured):")
    for basis, suffix in (("wall clock, at the load measured", ""), ("CPU of the process", "_cpu")):
        print(f" basis: {basis}")
        for target_n, target_mb in ((1_000_000, args.mb), (1_000_000, 10.0)):
            scale_mb = target_mb / args.mb
            parts, exps = {}, {}
            for key in ("simulate", "genotypes", "metadata"):
                a, b = _fit(ns, [r["timings_s"][key + suffix] for r in rows])
                # Both msprime (number of trees) and genotype decoding (sites) grow about
                # linearly with sequence length at fixed n; metadata does not depend on it.
                parts[key] = a * target_n**b * (1.0 if key == "metadata" else scale_mb)
                exps[key] = b
            a_rss, b_rss = _fit(ns, [r["peak_rss_mib"] for r in rows])
            a_size, b_size = _fit(ns, [r["genotype_bytes"] for r in rows])
            total = sum(parts.values())
            print(
                f"  n={target_n:,} x {target_mb:g} Mb: ~{total / 60:.0f} min "
                f"(msprime ~{parts['simulate'] / 60:.0f} min [n^{exps['simulate']:.2f}], "
                f"tskit->zarr ~{parts['genotypes'] / 60:.0f} min [n^{exps['genotypes']:.2f}], "
                f"metadata ~{parts['metadata'] / 60:.1f} min); peak RSS "
                f"~{a_rss * target_n**b_rss / 1024:.1f} GiB (at {args.mb:g} Mb); "
                f"zarr ~{a_size * target_n**b_size * scale_mb / 2**30:.2f} GiB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="case", required=True)
    p = sub.add_parser("default", help="3 countries on the default regions (VCF)")
    p.add_argument("--individuals", type=int, default=10_000)
    p = sub.add_parser("bulk", help="1 country, one region, VCF Zarr, several sizes")
    p.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000])
    p.add_argument("--mb", type=float, default=1.0)
    p = sub.add_parser("sparse", help="1 country, one region, --format index, several sizes")
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--mb", type=float, default=10.0)
    p.add_argument("--workers", type=int, default=2)
    p = sub.add_parser("compare", help="old dense route vs sparse path, same small cohort")
    p.add_argument("--individuals", type=int, default=20_000)
    p.add_argument("--mb", type=float, default=1.0)
    p = sub.add_parser("extract", help="variant decoding vs walk below mutations")
    p.add_argument("--individuals", type=int, default=50_000)
    p.add_argument("--mb", type=float, default=1.0)
    p = sub.add_parser("vcz", help="dense VCF Zarr: old route vs the Dask route from the trees")
    p.add_argument("--individuals", type=int, default=5_000)
    p.add_argument("--mb", type=float, default=2.0)
    p.add_argument("--dask-only", action="store_true", help="skip the old route (1 vs 2 workers)")
    p = sub.add_parser("_single")
    p.add_argument("--genotypes", default="none")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", required=True)
    p.add_argument("--countries", required=True)
    p.add_argument("--individuals", type=int, required=True)
    p.add_argument("--regions")
    p.add_argument("--format", default="vcf")
    args = parser.parse_args()
    cases = {"default": _default, "bulk": _bulk, "sparse": _sparse, "compare": _compare,
             "extract": _extract, "vcz": _vcz, "_single": _single}  # fmt: skip
    cases[args.case](args)


if __name__ == "__main__":
    main()

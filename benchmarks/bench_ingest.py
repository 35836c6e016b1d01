"""Ingest throughput against ``bcftools view -Ou FILE > /dev/null`` on the same VCF, same run.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py --n 10000 --length 5e5 [--n 100000 ...]

For each size: simulate with msprime (see ``bench_index.simulate``), write a bgzipped VCF with
tskit, then time, all in this process:

1. the baseline, ``bcftools view -Ou`` (parses every genotype, writes uncompressed BCF);
2. the genotype half of ingest as ``onemg ingest`` runs it: one pass from the VCF to the VCF
   Zarr store with the Beacon index built during the conversion (``convert_and_index``);
3. a full ``onemg ingest`` (adds phenopacket parsing, ontology checks, the SQLite catalogue
   and the atomic publish);
4. with ``--two-pass``, for comparison, bio2zarr's own explode + encode route followed by a
   separate index build from the store (what ingest did before the one-pass route).

Ratios are printed against (1); the issue's target is <= 2x. Each step is also given as CPU
seconds (this process + its children, e.g. the bcftools stream) to show where time goes on a
loaded machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import DATA, simulate  # noqa: E402


def write_vcf(n: int, length: float) -> Path:
    """A bgzipped, tabix-indexed VCF of the simulation (cached)."""
    vcf = DATA / f"sim-{n}-{int(length)}.vcf.gz"
    if vcf.exists():
        return vcf
    ts = simulate(n, length)
    names = [f"BX-{i:07d}" for i in range(n)]
    plain = vcf.with_suffix("")
    with open(plain, "w") as fh:
        ts.write_vcf(fh, individual_names=names, contig_id="chr1",
                     position_transform=lambda x: np.asarray(x).astype(int) + 1)
    subprocess.run(["bgzip", "-f", "-@2", str(plain)], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(vcf)], check=True)
    return vcf


def write_source(vcf: Path, n: int) -> Path:
    """dataset.json + minimal phenopackets for the simulated samples."""
    folder = vcf.parent / f"src-{vcf.stem}"
    folder.mkdir(exist_ok=True)
    lines = []
    for i in range(n):
        sid = f"BX-{i:07d}"
        lines.append(json.dumps({
            "id": sid, "subject": {"id": sid, "sex": "FEMALE" if i % 2 else "MALE"},
            "phenotypicFeatures": [{"type": {"id": "HP:0001250", "label": "Seizure"}}]
            if i % 10 == 0 else [],
            "metaData": {"created": "2026-01-01T00:00:00Z", "createdBy": "bench",
                         "phenopacketSchemaVersion": "2.0"}}))
    (folder / "individuals.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "dataset.json").write_text(json.dumps({
        "id": "bench", "country": "FI", "title": "bench",
        "files": {"genotypes": str(vcf), "metadata": "individuals.jsonl"}}))
    return folder


def _timed(fn) -> tuple[float, float]:  # noqa: ANN001
    """(wall, CPU of this process and its finished children) seconds of ``fn()``."""
    import resource

    def cpu() -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    c, t = cpu(), time.perf_counter()
    fn()
    return time.perf_counter() - t, cpu() - c


def bench(n: int, length: float, *, two_pass: bool) -> None:
    """Print the timings and ratios for one size."""
    from onemg.genomics import (
        build_index,
        convert_and_index,
        convert_genotypes,
        write_sample_strata,
    )
    from onemg.ingest import ingest, resolve_inputs

    vcf = write_vcf(n, length)
    src = write_source(vcf, n)
    size = vcf.stat().st_size / 2**20
    sex = ["female" if i % 2 else "male" for i in range(n)]
    rows = []
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        work = Path(tmp)
        base = _timed(lambda: subprocess.run(f"bcftools view -Ou {vcf} > /dev/null",
                                             shell=True, check=True))
        rows.append(("bcftools view -Ou > /dev/null", base))
        summary = []
        rows.append(("genotype ingest (one pass)", _timed(lambda: summary.append(
            convert_and_index(vcf, work / "g.vcz", work / "index", sex=sex,
                              country=["FI"] * n, staging=work / "st")))))
        rows.append(("full onemg ingest", _timed(lambda: ingest(
            resolve_inputs(source_dir=src), data_dir=work / "node",
            database_url=f"sqlite:///{work / 'node.db'}"))))
        if two_pass:
            def old() -> None:
                convert_genotypes(vcf, work / "g2.vcz", staging=work / "st2")
                write_sample_strata(work / "g2.vcz", sex=sex, country=["FI"] * n)
                build_index(work / "g2.vcz", work / "index2")
            rows.append(("two-pass: bio2zarr + index", _timed(old)))
    print(f"n={n:,} x {length / 1e6:g} Mb: {summary[0].n_variants:,} variants, "
          f"VCF.gz {size:.0f} MiB, load average {os.getloadavg()[0]:.1f}")
    for name, (wall, cpu) in rows:
        print(f"  {name:32s} {wall:7.1f} s  {wall / base[0]:5.2f}x   (CPU {cpu:5.1f} s)")


def main() -> None:
    """Parse the command line and run."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, action="append", help="samples (repeatable)")
    p.add_argument("--length", type=float, default=5e5)
    p.add_argument("--two-pass", action="store_true",
                   help="also time bio2zarr's explode/encode route + a separate index build")
    a = p.parse_args()
    DATA.mkdir(exist_ok=True)
    for n in a.n or [10_000]:
        bench(n, a.length, two_pass=a.two_pass)
    shutil.rmtree(DATA / "tmp", ignore_errors=True)


if __name__ == "__main__":
    main()

"""Ingest throughput against ``bcftools view -Ou FILE > /dev/null`` on the same VCF, same run.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py --n 10000 --length 5e5 [--n 100000 ...]

For each size: simulate with msprime (see ``bench_index.simulate``), write a bgzipped VCF with
tskit, then time (1) the baseline ``bcftools view -Ou``, (2) the genotype half of ingest
(VCF -> VCF Zarr with bio2zarr + Beacon index build) and (3) a full ``onemg ingest`` (adds
phenopacket parsing, ontology checks and the SQLite catalogue). Ratios are printed against (1);
the issue's target is <= 2x. Everything runs in this process (``--workers 0``).
"""

from __future__ import annotations

import argparse
import json
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


def bench(n: int, length: float) -> None:
    """Print the timings and ratios for one size."""
    from onemg.genomics import build_index, convert_genotypes, write_sample_strata
    from onemg.ingest import ingest, resolve_inputs

    vcf = write_vcf(n, length)
    src = write_source(vcf, n)
    size = vcf.stat().st_size / 2**20
    t = time.perf_counter()
    subprocess.run(f"bcftools view -Ou {vcf} > /dev/null", shell=True, check=True)
    base = time.perf_counter() - t
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        convert_genotypes(vcf, work / "g.vcz", staging=work / "st")
        t_conv = time.perf_counter() - t
        write_sample_strata(work / "g.vcz", sex=["female"] * n, country=["FI"] * n)
        t = time.perf_counter()
        s = build_index(work / "g.vcz", work / "index")
        t_index = time.perf_counter() - t
        t = time.perf_counter()
        ingest(resolve_inputs(source_dir=src), data_dir=work / "node",
               database_url=f"sqlite:///{work / 'node.db'}")
        t_full = time.perf_counter() - t
    geno = t_conv + t_index
    print(f"n={n:,} x {length / 1e6:g} Mb: {s.n_variants:,} variants, VCF.gz {size:.0f} MiB")
    print(f"  bcftools view -Ou > /dev/null   {base:7.1f} s   1.00x")
    print(f"  VCF -> VCF Zarr (bio2zarr)      {t_conv:7.1f} s   {t_conv / base:.2f}x")
    print(f"  Beacon index build              {t_index:7.1f} s   {t_index / base:.2f}x")
    print(f"  genotype ingest (both)          {geno:7.1f} s   {geno / base:.2f}x")
    print(f"  full onemg ingest (+metadata)   {t_full:7.1f} s   {t_full / base:.2f}x")


def main() -> None:
    """Parse the command line and run."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, action="append", help="samples (repeatable)")
    p.add_argument("--length", type=float, default=5e5)
    a = p.parse_args()
    DATA.mkdir(exist_ok=True)
    for n in a.n or [10_000]:
        bench(n, a.length)
    shutil.rmtree(DATA / "tmp", ignore_errors=True)


if __name__ == "__main__":
    main()

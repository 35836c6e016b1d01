"""Allele frequencies per country and sex: what one variant's populations cost on the query path.

Usage::

    .venv/bin/python benchmarks/bench_frequencies.py --n 100000 --n 1000000

For each cohort size N it writes a Beacon index straight from carriers (no genotype matrix:
``build_index_from_carriers``) with variants spanning the allele-frequency spectrum (0.01 % to
40 % carriers, some homozygous), on chr7 and on chrX outside the PARs, and half the cohort male.
It then times, per variant, what a count-granularity ``g_variants`` answer adds for a listed
variant (:func:`onemg.beacon.frequencies.population_counts`, then
:func:`~onemg.beacon.frequencies.disclose`), two ways: from the index's genotype counts per
sample group (what the node does), and from the carriers and their homozygous bits (what it
did before, and still does for an older index). The baseline, run in the same process, is the
variant's carrier count within a sex set (``count_carriers(row, within=...)``), the work a
filtered count query already does per variant. Best of ``--repeat`` passes; reports
microseconds per variant and the ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from onemg.beacon.frequencies import Cohort, disclose, population_counts
from onemg.genomics import CarrierBatch, VariantIndex, build_index_from_carriers
from onemg.individual_set import IndividualSet

FREQUENCIES = (0.0001, 0.001, 0.01, 0.05, 0.2, 0.4)


def build(folder: Path, n: int, per_class: int, rng: np.random.Generator) -> VariantIndex:
    """An index of ``len(FREQUENCIES) * per_class`` variants on each of chr7 and chrX."""
    batches = []
    for contig, start in (("7", 1_000_000), ("X", 5_000_000)):
        pos, offsets, haps = [], [0], []
        for i, f in enumerate(np.repeat(FREQUENCIES, per_class)):
            carriers = np.sort(rng.choice(n, size=max(1, int(f * n)), replace=False))
            hom = rng.random(carriers.size) < f  # Hardy-Weinberg-ish share of homozygotes
            h = np.sort(np.concatenate([2 * carriers, 2 * carriers[hom] + 1]))
            haps.append(h)
            offsets.append(offsets[-1] + h.size)
            pos.append(start + 10 * i)
        batches.append(
            CarrierBatch(
                contig,
                np.asarray(pos),
                ["A"] * len(pos),
                ["G"] * len(pos),
                np.asarray(offsets, dtype=np.int64),
                np.concatenate(haps).astype(np.int64),
            )
        )
    sexes = ["male" if i % 2 else "female" for i in range(n)]
    build_index_from_carriers(
        folder / "index", batches, n=n, sample_sex=sexes, sample_country=["FI"] * n
    )
    return VariantIndex.open(folder / "index")


def run(n: int, per_class: int, repeat: int) -> None:
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        index = build(Path(tmp), n, per_class, rng)
        built = time.perf_counter() - t0
        male = np.arange(n) % 2 == 1
        strata = {
            "sex:female": IndividualSet.from_mask(~male),
            "sex:male": IndividualSet.from_mask(male),
            "country:FI": IndividualSet.all(n),
        }
        # The node builds (and checks) it once per dataset version.
        cohort = Cohort.from_strata(strata, n, groups=index.groups,
                                    sample_group=index.sample_group)
        assert cohort.layout is not None
        rows = np.arange(index.n_variants)
        variants = index.variants(rows)

        def populations(v: object, **genotypes: np.ndarray) -> None:
            pops = population_counts(contig=v.contig, pos=v.pos, ac=v.ac, an=v.an,
                                     strata_counts=v.strata, cohort=cohort, fallback_name="FI",
                                     **genotypes)
            disclose(pops, k=5, exact=False)

        def from_groups() -> None:
            for v in variants:
                populations(v, group_genotypes=index.group_genotypes(v.row))

        def from_carriers() -> None:
            for v in variants:
                carriers, is_hom = index.zygosity(v.row)
                populations(v, carriers=carriers, is_hom=is_hom)

        def baseline() -> None:
            for v in variants:
                index.count_carriers(v.row, within=strata["sex:male"])

        best = {}
        for name, fn in (("baseline", baseline), ("groups", from_groups),
                         ("carriers", from_carriers)):
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            best[name] = min(times) / len(variants) * 1e6
        print(
            f"n={n:,} variants={len(variants)} (index built in {built:.1f} s): "
            f"carrier count in a sex set {best['baseline']:.1f} us/variant; populations "
            f"(country + sexes, AC/AN/het/hom/hemi, floored) from group counts "
            f"{best['groups']:.1f} us/variant ({best['groups'] / best['baseline']:.2f}x the "
            f"baseline), from carriers {best['carriers']:.1f} us/variant "
            f"({best['carriers'] / best['baseline']:.1f}x); group counts "
            f"{best['carriers'] / best['groups']:.0f}x faster"
        )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, action="append", help="cohort size (repeatable)")
    parser.add_argument(
        "--per-class",
        type=int,
        default=20,
        help="variants per frequency class and contig (default 20)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    for n in args.n or [100_000]:
        run(n, args.per_class, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

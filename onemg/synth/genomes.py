"""Coalescent simulation of the requested countries, one region at a time (msprime).

All countries are simulated *jointly* (one demography, one sample set), so their allele
frequencies differ the way the demography says. Each region is its own simulation on a sequence
of the region's length (tskit position ``p`` is GRCh38 position ``region.start + p``), with its
chromosome's mean recombination rate (stdpopsim HomSap; genetic maps are not available offline)
and the HomSap mutation rate. Regions are unlinked: exact for different chromosomes and a good
approximation for regions on one chromosome that are several cM apart (the default genes are on
different chromosomes). Simulating regions apart is also much faster than one simulation with
unlinked gaps: 6 genes x 30,000 diploids take 9 s apart against 55 s jointly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import msprime
import numpy as np
import tskit

from onemg.synth.demography import build_demography
from onemg.synth.regions import Region
from onemg.synth.tables import CHROM_ORDER, Country

MUTATION_RATE = 1.29e-8  # stdpopsim HomSap mean mutation rate
# The recent past is simulated generation by generation (discrete-time Wright-Fisher): with
# biobank-size samples (n comparable to the population size) the coalescent approximation
# breaks down there, and DTWF was also a little faster (100k diploids x 1 Mb: 28 s vs 33.5 s).
DTWF_GENERATIONS = 50
#: Longer regions are simulated as consecutive, unlinked pieces of at most this many bp: the
#: pieces run in parallel and bound each worker's memory (1M diploids x 1 Mb: ~1.6 GiB), and
#: LD is lost only across piece boundaries (~1 cM apart).
MAX_PIECE_BP = 1_000_000


@dataclass(frozen=True)
class Piece:
    """One simulated region: tskit position ``p`` is GRCh38 (1-based) ``region.start + p``."""

    region: Region
    ts: tskit.TreeSequence


def split_pieces(regions: Sequence[Region], max_bp: int = MAX_PIECE_BP) -> list[Region]:
    """Regions cut into consecutive simulation pieces of at most ``max_bp`` (in order).

    A region no longer than ``max_bp`` is its own piece (same name, same seeds as before).
    """
    out: list[Region] = []
    for r in regions:
        if r.length <= max_bp:
            out.append(r)
            continue
        for start in range(r.start, r.end + 1, max_bp):
            end = min(r.end, start + max_bp - 1)
            out.append(
                Region(name=f"chr{r.chrom}:{start}-{end}", chrom=r.chrom, start=start, end=end)
            )
    return out


def chromosome_recombination_rates(chroms: Sequence[str]) -> dict[str, float]:
    """Mean recombination rate of each chromosome from stdpopsim's HomSap genome."""
    import stdpopsim

    genome = stdpopsim.get_species("HomSap").genome
    return {
        c: float(genome.get_chromosome(f"chr{c}").recombination_rate) for c in sorted(set(chroms))
    }


def region_seeds(seed: int, region: Region) -> tuple[int, int]:
    """(ancestry, mutation) seeds for one region: adding a region never changes the others."""
    key = [seed, CHROM_ORDER.index(region.chrom), region.start, region.end]
    state = np.random.SeedSequence(key).generate_state(2)
    return int(state[0]) % (2**32 - 2) + 1, int(state[1]) % (2**32 - 2) + 1


def simulate_region(
    countries: Sequence[Country],
    sizes: Sequence[int],
    region: Region,
    *,
    recombination_rate: float,
    seeds: tuple[int, int],
) -> tskit.TreeSequence:
    """Simulate ancestry and mutations of ``region`` for ``sizes[i]`` diploids of ``countries[i]``.

    The first ``DTWF_GENERATIONS`` generations use the discrete-time Wright-Fisher model, older
    history the Hudson coalescent.

    Individuals (and their two sample nodes) come out grouped by country in the given order,
    and are the same in every region.
    """
    samples = [
        msprime.SampleSet(n, population=c.code, ploidy=2)
        for c, n in zip(countries, sizes, strict=True)
    ]
    ts = msprime.sim_ancestry(
        samples=samples,
        demography=build_demography(countries),
        recombination_rate=recombination_rate,
        sequence_length=region.length,
        random_seed=seeds[0],
        ploidy=2,
        model=[
            msprime.DiscreteTimeWrightFisher(duration=DTWF_GENERATIONS),
            msprime.StandardCoalescent(),
        ],
    )
    return msprime.sim_mutations(ts, rate=MUTATION_RATE, random_seed=seeds[1], discrete_genome=True)


def simulate(
    countries: Sequence[Country],
    sizes: Sequence[int],
    regions: Sequence[Region],
    *,
    seed: int,
    workers: int | None = None,
    on_region: Callable[[], None] | None = None,
) -> list[Piece]:
    """Simulate every piece (in parallel processes when ``workers`` > 1).

    Args:
        countries: the requested countries.
        sizes: diploid individuals per country.
        regions: the pieces (:func:`split_pieces`), in order.
        seed: the run's seed (each region derives its own).
        workers: processes; default ``min(2, cpu count, regions)``. Results do not depend on it.
        on_region: called after each region finishes (progress).
    """
    rates = chromosome_recombination_rates([r.chrom for r in regions])
    jobs = [
        (list(countries), list(sizes), r, rates[r.chrom], region_seeds(seed, r)) for r in regions
    ]
    results = run_jobs(
        _run, jobs, sizes=[r.length for r in regions], workers=workers, on_done=on_region
    )
    return [Piece(r, ts) for r, ts in zip(regions, results, strict=True)]


def run_jobs(
    fn: Callable[[Any], Any],
    jobs: Sequence[Any],
    *,
    sizes: Sequence[int],
    workers: int | None,
    on_done: Callable[[], None] | None = None,
) -> list[Any]:
    """``[fn(job) for job in jobs]``, over up to ``workers`` forked processes.

    Results come back in job order whatever the number of workers (so outputs never depend
    on it); the largest jobs (``sizes``) start first so the slowest does not start last.
    Default workers: ``min(2, cpu count, jobs)``.
    """
    done = on_done or (lambda: None)
    workers = min(len(jobs), workers or min(2, os.cpu_count() or 1))
    if workers <= 1:
        results = []
        for job in jobs:
            results.append(fn(job))
            done()
        return results
    # Linux fork: no re-import of __main__ (the spawn gotcha does not apply).
    import multiprocessing

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        order = sorted(range(len(jobs)), key=lambda i: -sizes[i])
        futures = {i: pool.submit(fn, jobs[i]) for i in order}
        for _ in as_completed(futures.values()):
            done()
        return [futures[i].result() for i in range(len(jobs))]


def _run(
    job: tuple[list[Country], list[int], Region, float, tuple[int, int]],
) -> tskit.TreeSequence:
    countries, sizes, region, rate, seeds = job
    return simulate_region(countries, sizes, region, recombination_rate=rate, seeds=seeds)


def country_sample_nodes(ts: tskit.TreeSequence, countries: Sequence[Country]) -> list[np.ndarray]:
    """For each country, its sample nodes in individual order (2 per individual, phased)."""
    names = {pop.metadata.get("name"): pop.id for pop in ts.populations()}
    ind_pop = ts.individuals_population
    nodes = ts.individuals_nodes
    out = []
    for c in countries:
        inds = np.flatnonzero(ind_pop == names[c.code])
        out.append(nodes[inds].reshape(-1).astype(np.int32))
    return out

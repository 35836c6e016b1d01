"""``onemg synth --format index``: the Beacon index straight from the tree sequences.

No genotype matrix is ever built. Each simulation piece is one job (in up to ``workers``
forked processes): simulate it (msprime), add the spiked known variants, then for each country
take the country's haplotypes out of the joint tree sequence (``simplify``; skipped when one
country holds every sample), keep that tree sequence (``trees/<piece>.trees``) and write the
country's index rows for the piece (:mod:`onemg.synth.carriers`) as parts of its index. The
parent then sorts each country's parts into the final index (``index/``). Memory is bounded by
one piece per worker; a job's output depends only on its piece, and parts are joined in piece
order, so the bytes do not depend on the number of workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tskit

from onemg.genomics.index_sparse import (
    complete_index,
    dense_min_for,
    strata_groups,
    write_hybrid_part,
)
from onemg.synth import carriers, genomes, spike
from onemg.synth.phenopackets import CREATED
from onemg.synth.regions import Region
from onemg.synth.tables import Country

INDEX_DIR = "index"
TREES_DIR = "trees"
SAMPLES_FILE = "samples.txt"
_BUILD_DIR = ".index-build"


@dataclass(frozen=True)
class _CountryPlan:
    code: str
    group: np.ndarray  # int32 stratum group per individual
    n_groups: int
    folder: Path


@dataclass(frozen=True)
class _Job:
    piece: int
    region: Region
    countries: list[Country]
    sizes: list[int]
    rate: float
    seeds: tuple[int, int]
    spiked: list[spike.Spiked]
    plans: list[_CountryPlan]


@dataclass
class PieceResult:
    """What one piece job wrote: row tables of its parts per country, and where time went."""

    piece: int
    simulated_sites: int
    parts: dict[str, list] = field(default_factory=dict)  # code -> [_ChunkRows], in order
    seconds: dict[str, float] = field(default_factory=dict)  # msprime, carriers, writing


def trees_name(region: Region) -> str:
    """File name of a piece's tree sequence, e.g. ``chr22_30000001-31000000.trees``."""
    return f"chr{region.chrom}_{region.start}-{region.end}.trees"


def dump_trees(ts: tskit.TreeSequence, path: Path) -> None:
    """Write ``ts`` reproducibly: provenance timestamps pinned, the ``resources`` of each
    record (elapsed time, memory of the run) left out, and the file's random UUID replaced by
    one derived from the content."""
    tables = ts.dump_tables()
    records = []
    for p in tables.provenances:
        record = json.loads(p.record)
        if isinstance(record, dict):
            record.pop("resources", None)
        records.append(json.dumps(record))
    tables.provenances.clear()
    for record in records:
        tables.provenances.add_row(record=record, timestamp=CREATED)
    tables.dump(str(path))
    random_uuid = tskit.load(str(path)).file_uuid.encode()
    data = path.read_bytes()
    if data.count(random_uuid) != 1:
        raise RuntimeError(f"{path}: cannot find the file UUID to make the file reproducible")
    stable = uuid.uuid5(
        uuid.NAMESPACE_OID, hashlib.sha256(data.replace(random_uuid, b"")).hexdigest()
    )
    path.write_bytes(data.replace(random_uuid, str(stable).encode()))


def _run_piece(job: _Job) -> PieceResult:
    # CPU seconds of this job: on a shared machine they show the cost independent of the load.
    clock = time.process_time
    t0 = clock()
    ts = genomes.simulate_region(
        job.countries, job.sizes, job.region, recombination_rate=job.rate, seeds=job.seeds
    )
    nodes = genomes.country_sample_nodes(ts, job.countries)
    if job.spiked:
        by_code = {c.code: n for c, n in zip(job.countries, nodes, strict=True)}
        ts = spike.apply_to(ts, job.spiked, by_code)
    result = PieceResult(job.piece, ts.num_sites)
    t1 = clock()
    extract = write = 0.0
    for plan, country_nodes in zip(job.plans, nodes, strict=True):
        t2 = clock()
        if len(job.plans) == 1 and country_nodes.size == ts.num_samples:
            sub, sub_nodes = ts, country_nodes
        else:
            # The country's own genomes only: its node keeps no other country's haplotypes.
            sub = ts.simplify(
                samples=country_nodes,
                filter_sites=True,
                filter_populations=False,
                record_provenance=False,
            )
            sub_nodes = np.arange(country_nodes.size, dtype=np.int32)
        sites = carriers.site_alleles(sub, job.region.start)
        t3 = clock()
        dump_trees(sub, plan.folder / TREES_DIR / trees_name(job.region))
        parts_dir = plan.folder / _BUILD_DIR / "pieces" / f"{job.piece:05d}"
        rows = []
        t_write = clock() - t3
        t_parts = 0.0
        for k, part in enumerate(carriers.extract_piece(
            sub, sites, contig=job.region.chrom, nodes=sub_nodes, group=plan.group,
            n_groups=plan.n_groups, dense_min=dense_min_for(plan.group.size),
        )):  # fmt: skip
            t4 = clock()
            rows.append(
                write_hybrid_part(parts_dir, k, part, group=plan.group, n_groups=plan.n_groups)
            )
            t_parts += clock() - t4
        result.parts[plan.code] = rows
        total = clock() - t2
        write += t_write + t_parts
        extract += total - t_write - t_parts
    result.seconds = {"msprime": t1 - t0, "carriers": extract, "writing": write}
    return result


def write_indexes(
    pieces: Sequence[Region],
    countries: Sequence[Country],
    sizes: Sequence[int],
    *,
    spiked: Sequence[spike.Spiked],
    sexes: Mapping[str, Sequence[str]],
    ids: Mapping[str, Sequence[str]],
    folders: Mapping[str, Path],
    seed: int,
    workers: int | None,
    on_piece: Callable[[], None] | None = None,
) -> tuple[dict[str, int], dict[str, int], dict[str, float]]:
    """Simulate every piece and write each country's ``index/``, ``trees/`` and samples file.

    Args:
        pieces: simulation pieces (:func:`onemg.synth.genomes.split_pieces`), in order.
        countries, sizes: the requested countries and their sizes (joint simulation).
        spiked: the spiked variants (placed on ``pieces``).
        sexes: per country, ``female``/``male`` per individual (index strata).
        ids: per country, individual ids in index order.
        folders: per country, its output folder.
        seed: the run's seed.
        workers: processes for the piece jobs (default up to 2); outputs do not depend on it.
        on_piece: called after each piece (progress).

    Returns:
        ``(index rows per country, simulated sites per piece name, seconds per step)``; the
        steps are ``msprime``, ``carriers`` and ``writing``: CPU seconds summed over the piece
        jobs (inside the workers), and ``index_finalise``: wall seconds sorting the parts into
        each index, here.
    """
    rates = genomes.chromosome_recombination_rates([r.chrom for r in pieces])
    plans = []
    for c in countries:
        group, _labels, member = strata_groups(list(sexes[c.code]), [c.code] * len(sexes[c.code]))
        folder = folders[c.code]
        for sub in (_BUILD_DIR, INDEX_DIR, TREES_DIR):
            shutil.rmtree(folder / sub, ignore_errors=True)
        (folder / TREES_DIR).mkdir(parents=True)
        plans.append(_CountryPlan(c.code, group.astype(np.int32), member.shape[0], folder))
    jobs = [
        _Job(k, r, list(countries), list(sizes), rates[r.chrom], genomes.region_seeds(seed, r),
             [s for s in spiked if s.piece == k], plans)
        for k, r in enumerate(pieces)
    ]  # fmt: skip
    results: list[PieceResult] = genomes.run_jobs(
        _run_piece, jobs, sizes=[r.length for r in pieces], workers=workers, on_done=on_piece
    )
    seconds = {
        key: sum(r.seconds[key] for r in results) for key in ("msprime", "carriers", "writing")
    }
    t0 = time.perf_counter()
    counts = {}
    for c, plan in zip(countries, plans, strict=True):
        counts[c.code] = _finish_country(plan, results, ids[c.code], sexes[c.code])
    seconds["index_finalise"] = time.perf_counter() - t0
    sites = {pieces[r.piece].name: r.simulated_sites for r in results}
    return counts, sites, seconds


def _finish_country(
    plan: _CountryPlan, results: Sequence[PieceResult], ids: Sequence[str], sexes: Sequence[str]
) -> int:
    """Number the parts in piece order, sort them into ``index/``, write ``samples.txt``."""
    build = plan.folder / _BUILD_DIR
    (build / "parts").mkdir(parents=True)
    rows = []
    for r in results:
        for k, chunk in enumerate(r.parts[plan.code]):
            src = build / "pieces" / f"{r.piece:05d}" / f"{k:06d}"
            os.rename(src, build / "parts" / f"{len(rows):06d}")
            rows.append(chunk)
    shutil.rmtree(build / "pieces", ignore_errors=True)
    group, labels, member = strata_groups(list(sexes), [plan.code] * len(sexes))
    # The manifest's source: the tree sequences, relative to the dataset folder.
    summary = complete_index(
        build, rows, n=len(ids), labels=labels, member=member, group=group, source=TREES_DIR
    )
    os.rename(build, plan.folder / INDEX_DIR)
    (plan.folder / SAMPLES_FILE).write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    return summary.n_variants

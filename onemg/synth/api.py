"""``synthesize``: synthetic national cohorts, end to end.

Steps: validate arguments; simulate all countries jointly (msprime); spike known variants;
write genotypes per country (VCF/BCF/VCF Zarr); draw health records and write Phenopackets;
write ``dataset.json`` and ``truth/``. The output layout is the contract in docs/architecture.md.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from onemg.errors import ConflictError, InvalidInputError
from onemg.synth import (
    demography,
    genomes,
    outputs,
    panel,
    phenopackets,
    phenotypes,
    sparse,
    spike,
    vcf,
)
from onemg.synth.regions import Region, parse_regions
from onemg.synth.tables import (
    GRCH38_LENGTHS,
    Country,
    KnownVariantTable,
    load_conditions,
    load_countries,
    load_duo_labels,
    load_genes,
    load_known_variants,
)

FORMATS = ("vcf", "bcf", "zarr", "index")
#: Dense stores ``--genotypes`` may add to the index of ``--format index``.
GENOTYPE_STORES = ("none", "vcz")
MAX_INDIVIDUALS = 2_000_000  # per country; beyond this the writers' memory assumptions break
#: Individuals x simulated bp below which ``--genotypes vcz`` builds its stores in this process
#: unless ``workers`` says otherwise: starting a LocalCluster (worker processes importing the
#: stack) costs seconds; 20,000 x 2 Mb took 11 s here and 24 s on 2 Dask workers (shared
#: 2-core machine, benchmarks/bench_synth.py vcz).
_DASK_MIN_WORK = 200_000 * 1_000_000
# Separate random streams per purpose so that e.g. changing the phenotype model never moves
# the genomes of a given seed.
_STREAM_SPIKE, _STREAM_PHENO, _STREAM_PACKET = 1, 2, 3


@dataclass(frozen=True)
class CountrySummary:
    """What was written for one country."""

    code: str
    name: str
    dataset_id: str
    folder: Path
    individuals: int
    variants: int
    carriers: dict[str, int]  # spiked variant id -> individuals carrying >= 1 copy
    top_diagnoses: list[tuple[str, str, int]]  # (ICD-10, label, individuals), most common first


@dataclass(frozen=True)
class SynthSummary:
    """The result of :func:`synthesize`."""

    out: Path
    seed: int
    fmt: str
    regions: tuple[str, ...]
    countries: tuple[CountrySummary, ...]
    timings: dict[str, float] = field(default_factory=dict)
    genotypes: str = "none"  # dense store written beside an ``index`` (``none`` or ``vcz``)


def _parse_countries(
    countries: Mapping[str, int] | Sequence[str] | str, individuals: int, table: dict[str, Country]
) -> list[tuple[Country, int]]:
    if isinstance(countries, str):
        countries = [c for c in countries.split(",") if c.strip()]
    if isinstance(countries, Mapping):
        items = [(str(k), v) for k, v in countries.items()]
    else:
        items = [(str(c), individuals) for c in countries]
    if not items:
        raise InvalidInputError("no countries given: pass ISO codes, e.g. FI,EE,PT")
    out: list[tuple[Country, int]] = []
    seen: set[str] = set()
    for code, size in items:
        key = code.strip().upper()
        if key not in table:
            raise InvalidInputError(
                f"unknown country code {code!r}: use ISO 3166-1 alpha-2 codes of 1+MG "
                f"signatories: {', '.join(sorted(table))}"
            )
        if key in seen:
            raise InvalidInputError(f"country {key} is given twice")
        seen.add(key)
        if isinstance(size, bool) or not isinstance(size, int | np.integer):
            raise InvalidInputError(
                f"number of individuals for {key} must be an integer, got {size!r}"
            )
        if size < 1 or size > MAX_INDIVIDUALS:
            raise InvalidInputError(
                f"number of individuals for {key} must be between 1 and {MAX_INDIVIDUALS}, "
                f"got {size}"
            )
        out.append((table[key], int(size)))
    return out


def _prepare_out(out: Path, codes: Sequence[str], force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ConflictError(
            f"output path {out} exists and is not a directory; choose another --out"
        )
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ConflictError(
                f"output directory {out} is not empty; pass --force (force=True) to overwrite "
                "the country folders in it, or choose another --out"
            )
        for code in codes:
            shutil.rmtree(out / code.lower(), ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def _rng(seed: int, stream: int, code: str = "") -> np.random.Generator:
    return np.random.default_rng([seed, stream, int.from_bytes(code.encode() or b"\0", "big")])


def _progress(progress: bool, total: int, desc: str, unit: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not progress, leave=False)


def synthesize(
    out: Path,
    *,
    countries: Mapping[str, int] | Sequence[str],
    individuals: int = 2000,
    seed: int = 42,
    regions: Sequence[str] | None = None,
    fmt: str = "vcf",
    access: Mapping[str, str] | str | None = None,
    force: bool = False,
    progress: bool = False,
    known_variants: KnownVariantTable | None = None,
    workers: int | None = None,
    genotypes: str | None = None,
    held_out: int = 0,
) -> SynthSummary:
    """Generate synthetic national cohorts, one folder per country under ``out``.

    Args:
        out: output directory (created; must be empty unless ``force``).
        countries: ISO codes (each gets ``individuals``) or a mapping code -> size.
        individuals: individuals per country when ``countries`` is a list.
        seed: random seed; same arguments and seed give byte-identical outputs.
        regions: gene symbols and/or ``chr:start-end``; None = BRCA1, BRCA2, CFTR, HBB, HFE,
            LDLR and 1 Mb of chr22.
        fmt: ``vcf`` (bgzip + tabix), ``bcf`` (+ CSI), ``zarr`` (VCF Zarr via bio2zarr), or
            ``index``: the Beacon index straight from the tree sequences (no genotype matrix;
            the sparse path, see :mod:`onemg.synth.sparse`), plus the tree sequences.
        access: access tier per Beacon granularity (``boolean``, ``count``, ``record``).
        force: overwrite the country folders in a non-empty ``out``.
        progress: show progress bars on stderr.
        known_variants: override the shipped known-variant table (tests use boosted frequencies).
        workers: processes for the piece simulations (and, for ``index``, the carrier
            extraction, and the Dask workers of ``genotypes="vcz"``: 1 = this process);
            default up to 2; outputs do not depend on it.
        genotypes: with ``fmt="index"``: ``"vcz"`` also writes a dense VCF Zarr store (on
            Dask, from the kept trees; the same arrays as ``fmt="zarr"``);
            ``None``/``"none"``: no dense store (the descriptor says so and htsget retrieval of
            the dataset is refused).
        held_out: individuals per country simulated with the cohort but written as a held-out
            reference panel (``<out>/<cc>-held-out/``, :mod:`onemg.synth.panel`) instead; with
            the dense formats only.

    Returns:
        A :class:`SynthSummary` with per-country counts.

    Raises:
        InvalidInputError: unknown country, gene or format, malformed region or access, bad size.
        ConflictError: ``out`` is not empty and ``force`` is false.
    """
    timings: dict[str, float] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    genotypes = (genotypes or "none").lower()
    if genotypes not in GENOTYPE_STORES:
        raise InvalidInputError(
            f"unknown genotype store {genotypes!r}: use one of {', '.join(GENOTYPE_STORES)}"
        )
    if genotypes != "none" and fmt != "index":
        raise InvalidInputError(
            f"--genotypes {genotypes} goes with --format index (the other formats are dense "
            "genotype files already)"
        )
    if held_out and fmt == "index":
        raise InvalidInputError(
            "--held-out goes with the dense formats (vcf, bcf, zarr): the reference panel is "
            "written as a VCF; use --format vcf"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidInputError(f"seed must be a non-negative integer, got {seed!r}")
    requested = _parse_countries(countries, individuals, load_countries())
    if (
        isinstance(held_out, bool)
        or not isinstance(held_out, int)
        or not (0 <= held_out <= MAX_INDIVIDUALS)
    ):
        raise InvalidInputError(
            f"held_out must be an integer between 0 and {MAX_INDIVIDUALS}, got {held_out!r}"
        )
    region_list = parse_regions(regions, load_genes())
    tiers = outputs.parse_access(access)
    table = known_variants or load_known_variants()
    conditions, duo = load_conditions(), load_duo_labels()
    out = Path(out)
    codes = [c.code for c, _ in requested]
    _prepare_out(out, codes, force)
    country_list = [c for c, _ in requested]
    sizes = [n for _, n in requested]

    piece_list = genomes.split_pieces(region_list)
    ids = {c.code: [f"{c.code}-s{seed}-{i:06d}" for i in range(n)] for c, n in requested}
    folders = {c.code: out / c.code.lower() for c in country_list}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    sim_params: dict[str, Any] = {
        "seed": seed,
        "format": fmt,
        "countries": {c.code: n for c, n in requested},
        "regions": [
            {"name": r.name, "chrom": r.chrom, "start": r.start, "end": r.end} for r in region_list
        ],  # fmt: skip
        "pieces": [r.name for r in piece_list],
        "mutation_rate": genomes.MUTATION_RATE,
        "ancestry_model": f"DTWF for {genomes.DTWF_GENERATIONS} generations, then Hudson",
        "recombination_rates": genomes.chromosome_recombination_rates(
            [r.chrom for r in region_list]
        ),
        "demography": demography.describe(country_list),
    }
    # The spiked carriers depend only on the pieces' coordinates and sizes, not on the genomes.
    placed = spike.placements(table.variants, piece_list)
    spiked = spike.draw_carriers(placed, country_list, sizes, _rng(seed, _STREAM_SPIKE))
    if fmt == "index":
        people = {c.code: _people(c, n, spiked, seed, conditions, table) for c, n in requested}
        t1 = time.perf_counter()
        with _progress(progress, len(piece_list), "simulating + indexing", "pieces") as bar:
            variant_counts, sim_sites, steps = sparse.write_indexes(
                piece_list, country_list, sizes, spiked=spiked,
                sexes={c: [p.sex.lower() for p in ps] for c, ps in people.items()}, ids=ids,
                folders=folders, seed=seed, workers=workers, on_piece=lambda: bar.update(1),
            )  # fmt: skip
        timings["simulate_and_index"] = time.perf_counter() - t1
        timings.update({f"{k}_sum": v for k, v in steps.items()})
        if genotypes == "vcz":
            t3 = time.perf_counter()
            _write_dense_from_trees(
                piece_list, country_list, ids, folders, spiked, seed, progress, workers
            )
            timings["genotypes"] = time.perf_counter() - t3
    else:
        people = {}
        with _progress(progress, len(piece_list), "simulating genomes", "pieces") as bar:
            pieces = genomes.simulate(
                country_list, [n + held_out for n in sizes], piece_list, seed=seed,
                workers=workers,
                on_region=lambda: bar.update(1),
            )  # fmt: skip
        timings["simulate"] = time.perf_counter() - t0
        # CPU seconds of this process (not of forked simulation workers or bgzip/tabix
        # children): on a shared machine they show what a step costs independent of the load.
        timings["simulate_cpu"] = time.process_time() - c0
        nodes = genomes.country_sample_nodes(pieces[0].ts, country_list)
        nodes, panel_nodes = panel.split_nodes(nodes, sizes)
        pieces = spike.apply(
            pieces, spiked, {c.code: n for c, n in zip(country_list, nodes, strict=True)}
        )
        timings["spike"] = time.perf_counter() - t0 - timings["simulate"]
        t1, c1 = time.perf_counter(), time.process_time()
        variant_counts = _write_genotypes(
            pieces, country_list, nodes, ids, folders, fmt, spiked, seed, progress
        )
        if held_out:
            with _progress(progress, len(country_list), "held-out panels", "countries") as bar:
                for country, p_nodes in zip(country_list, panel_nodes, strict=True):
                    panel.write_panel(pieces, p_nodes, panel.panel_dir(out, country.code),
                                      code=country.code, seed=seed)  # fmt: skip
                    bar.update(1)
        timings["genotypes"] = time.perf_counter() - t1
        timings["genotypes_cpu"] = time.process_time() - c1
        sim_sites = {p.region.name: p.ts.num_sites for p in pieces}
    sim_params["simulated_sites"] = sim_sites

    t2, c2 = time.perf_counter(), time.process_time()
    summaries = []
    for k, (country, n) in enumerate(requested):
        summaries.append(
            _write_country_metadata(
                country, n, k, folders[country.code], ids[country.code], spiked, seed, fmt,
                tiers, duo, conditions, table, region_list, variant_counts[country.code],
                sim_params, progress, people.get(country.code), genotypes,
            )
        )  # fmt: skip
    timings["metadata"] = time.perf_counter() - t2
    timings["metadata_cpu"] = time.process_time() - c2
    timings["total"] = time.perf_counter() - t0
    return SynthSummary(
        out=out,
        seed=seed,
        fmt=fmt,
        genotypes=genotypes,
        regions=tuple(r.name for r in region_list),
        countries=tuple(summaries),
        timings=timings,
    )


def _header_lines(country: Country, seed: int) -> tuple[str, ...]:
    from onemg import __version__

    did = outputs.dataset_id(country.code, seed)
    return (
        f"##source=onemg synth {__version__} (msprime coalescent, stdpopsim HomSap "
        f"{demography.STDPOPSIM_MODEL} + onemg country model)",
        "##onemg_synthetic=true",
        f"##onemg_dataset={did}",
        f'##onemg_description="SYNTHETIC genotypes for {country.name}: simulated, not from real '
        "people. REF alleles are simulated and do not match the GRCh38 sequence except at "
        'spiked known variants."',
    )


def _write_genotypes(
    pieces: Sequence[genomes.Piece], countries: Sequence[Country], nodes: Sequence[np.ndarray],
    ids: Mapping[str, list[str]], folders: Mapping[str, Path], fmt: str,
    spiked: Sequence[spike.Spiked], seed: int, progress: bool,
) -> dict[str, int]:  # fmt: skip
    if fmt == "zarr" and len(pieces) == 1:
        return _write_zarr_direct(pieces[0], countries, nodes, ids, folders, seed, progress)
    variant_ids = {(s.variant.chrom, s.variant.pos): s.variant.rsid for s in spiked}
    suffix = "genotypes.bcf" if fmt == "bcf" else "genotypes.vcf.gz"
    cohorts = [
        vcf.CohortFile(
            c.code,
            folders[c.code] / suffix,
            tuple(ids[c.code]),
            _header_lines(c, seed),
        )
        for c in countries
    ]
    total = sum(p.ts.num_sites for p in pieces)
    with _progress(progress, total, "writing genotypes", "sites") as bar:
        counts = vcf.write_cohorts(
            pieces, cohorts, nodes, fmt="bcf" if fmt == "bcf" else "vcf",
            variant_ids=variant_ids, on_sites=bar.update,
        )  # fmt: skip
    if fmt == "zarr":
        from onemg.synth import vcz

        for cohort in cohorts:
            vcz.vcf_to_zarr(cohort.path, cohort.path.parent / outputs.GENOTYPE_FILES["zarr"])
    return counts


def _write_zarr_direct(
    piece: genomes.Piece, countries: Sequence[Country], nodes: Sequence[np.ndarray],
    ids: Mapping[str, list[str]], folders: Mapping[str, Path], seed: int, progress: bool,
) -> dict[str, int]:  # fmt: skip
    from onemg.synth import vcz

    counts = {}
    with _progress(progress, len(countries), "writing VCF Zarr", "countries") as bar:
        for country, country_nodes in zip(countries, nodes, strict=True):
            attrs = dict(line[2:].split("=", 1) for line in _header_lines(country, seed))
            counts[country.code] = vcz.tree_sequence_to_zarr(
                piece.ts, country_nodes, ids[country.code], chrom=piece.region.chrom,
                start=piece.region.start, vcz_path=folders[country.code] / "genotypes.vcz",
                attrs=attrs,
            )  # fmt: skip
            bar.update(1)
    return counts


def _spiked_carriers(code: str, n: int, spiked: Sequence[spike.Spiked]) -> dict[str, np.ndarray]:
    """Variant id -> ``(n, 2)`` bool: which haplotypes of the country carry it."""
    carriers: dict[str, np.ndarray] = {}
    for s in spiked:
        haps = np.zeros(2 * n, dtype=bool)
        haps[s.haplotypes[code]] = True
        carriers[s.variant.id] = haps.reshape(n, 2)
    return carriers


def _people(
    country: Country, n: int, spiked: Sequence[spike.Spiked], seed: int, conditions: Any,
    table: KnownVariantTable,
) -> list[phenotypes.Person]:  # fmt: skip
    """The health records of one country (they depend on the spiked carriers only)."""
    return phenotypes.build_records(
        n,
        rng=_rng(seed, _STREAM_PHENO, country.code),
        conditions=conditions,
        table=table,
        haplotype_alleles=_spiked_carriers(country.code, n, spiked),
    )


def _write_dense_from_trees(
    pieces: Sequence[Region], countries: Sequence[Country], ids: Mapping[str, list[str]],
    folders: Mapping[str, Path], spiked: Sequence[spike.Spiked], seed: int, progress: bool,
    workers: int | None,
) -> None:  # fmt: skip
    """``--genotypes vcz`` beside an index: each country's VCF Zarr from its kept trees.

    One store per country over all its pieces (every chromosome), built in variant chunks on
    Dask (:func:`onemg.genomics.build_vcz_from_pieces`): a ``LocalCluster`` of ``workers``
    processes, or this process when ``workers`` is 1 (and by default for small cohorts, see
    ``_DASK_MIN_WORK``). The records, alleles, IDs and genotypes are those of ``--format zarr``
    (VCF rules; tested equal), whatever the number of workers.
    """
    from onemg.genomics import TreesPiece, build_vcz_from_pieces
    from onemg.settings import ComputeSettings

    if workers is None:  # default: Dask only where it repays a LocalCluster's start-up
        work = max(len(v) for v in ids.values()) * sum(r.length for r in pieces)
        workers = min(2, os.cpu_count() or 1) if work >= _DASK_MIN_WORK else 1
    compute = ComputeSettings(workers=workers if workers > 1 else 0)
    variant_ids = {(f"chr{s.variant.chrom}", s.variant.pos): s.variant.rsid for s in spiked}
    contigs = [(f"chr{name}", length) for name, length in GRCH38_LENGTHS.items()]
    with _progress(progress, len(countries), "writing VCF Zarr", "countries") as bar:
        for country in countries:
            folder = folders[country.code]
            parts = [
                TreesPiece(folder / sparse.TREES_DIR / sparse.trees_name(r), f"chr{r.chrom}",
                           r.start)
                for r in pieces
            ]  # fmt: skip
            build_vcz_from_pieces(
                parts, folder / outputs.GENOTYPE_FILES["zarr"], sample_ids=ids[country.code],
                contigs=contigs, variant_ids=variant_ids, compute=compute,
                attrs=_store_attrs(country, seed),
            )  # fmt: skip
            bar.update(1)


def _store_attrs(country: Country, seed: int) -> dict[str, Any]:
    """Root attributes of a store from the trees: the VCF header lines the VCF route's store
    keeps (``vcf_meta_information``, which vcztools writes back out), and each ``onemg_*``."""
    meta = [line[2:].split("=", 1) for line in _header_lines(country, seed)]
    return {
        "vcf_meta_information": [["fileformat", "VCFv4.2"], *meta, ["reference", "GRCh38"]],
        **{k: v for k, v in meta if k.startswith("onemg_")},
    }


def _write_country_metadata(
    country: Country, n: int, index: int, folder: Path, ids: list[str],
    spiked: Sequence[spike.Spiked], seed: int, fmt: str, tiers: Mapping[str, str],
    duo: Mapping[str, tuple[str, str]], conditions: Any, table: KnownVariantTable,
    regions: Sequence[Region], variants: int, sim_params: Mapping[str, Any], progress: bool,
    people: list[phenotypes.Person] | None = None, genotypes: str = "none",
) -> CountrySummary:  # fmt: skip
    carriers = _spiked_carriers(country.code, n, spiked)
    if people is None:
        people = _people(country, n, spiked, seed, conditions, table)
    file_format = {"vcf": "VCF", "bcf": "BCF", "zarr": "VCZ", "index": "TSKIT"}[fmt]
    context = phenopackets.sequencing_context(
        sum(map(ord, country.code)), outputs.GENOTYPE_FILES[fmt], file_format
    )
    draws = _rng(seed, _STREAM_PACKET, country.code).random((n, 4))
    with (
        (folder / "individuals.jsonl").open("wb") as fh,
        _progress(progress, n, f"phenopackets {country.code}", "individuals") as bar,
    ):
        for lo in range(0, n, 4096):
            hi = min(n, lo + 4096)
            fh.write(
                b"".join(
                    phenopackets.to_jsonl_line(
                        phenopackets.phenopacket(people[i], ids[i], context, draws[i])
                    )
                    for i in range(lo, hi)
                )
            )
            bar.update(hi - lo)
    descriptor = outputs.dataset_descriptor(
        country, seed=seed, fmt=fmt, individuals=n, variants=variants, access=tiers, duo=duo,
        regions=[r.name for r in regions], genotypes=genotypes,
    )  # fmt: skip
    outputs.write_json(folder / "dataset.json", descriptor)
    outputs.write_truth(
        folder / "truth", code=country.code, ids=ids, spiked=spiked, carriers=carriers,
        people=people, simulation=sim_params,
    )  # fmt: skip
    counter: dict[tuple[str, str], int] = {}
    for p in people:
        for key in {(d.icd10, d.label) for d in p.diagnoses}:
            counter[key] = counter.get(key, 0) + 1
    top = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    return CountrySummary(
        code=country.code,
        name=country.name,
        dataset_id=descriptor["id"],
        folder=folder,
        individuals=n,
        variants=variants,
        carriers={k: int(v.any(axis=1).sum()) for k, v in carriers.items()},
        top_diagnoses=[(code, label, count) for (code, label), count in top],
    )

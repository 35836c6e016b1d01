"""Build a Beacon index straight from carrier lists, with no dense genotype matrix.

At 1M genomes decoding samples x sites is what costs (see the ingest benchmarks in
``docs/ingest.md``); when the carriers are known directly — e.g. the samples under a mutation's
node in a tree sequence — the index can be written at a cost proportional to the number of
carriers. The output is byte-for-byte the same format as :func:`onemg.genomics.build_index` (same
finaliser), for diploid, fully called cohorts (AN = 2 x individuals).

Two entry points: :func:`build_index_from_carriers` takes haplotype lists (simple, for moderate
sizes); :func:`write_hybrid_part` + :func:`complete_index` take rows already in the hybrid layout
(what ``onemg synth`` produces from a tree sequence at 1M samples, where even the list of
carrier haplotypes of the common variants would be too large to hold).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from onemg.errors import InvalidInputError
from onemg.genomics import hybrid, kernels
from onemg.genomics.index_build import (
    DENSE_DIVISOR,
    IndexSummary,
    _ChunkRows,
    _complete,
    _finalise,
    _group_matrix,
)
from onemg.genomics.normalize import CONTIG_RANK, normalize_allele, normalize_contig


@dataclass(frozen=True)
class CarrierBatch:
    """Consecutive bi-allelic variants with their carrier haplotypes.

    Attributes:
        contig: contig name (any alias).
        pos: int[variants] 1-based positions.
        ref: REF per variant.
        alt: ALT per variant.
        offsets: int64[variants + 1] CSR offsets into ``haplotypes``.
        haplotypes: int64 haplotype ids ``2 * individual + (0 | 1)`` carrying the ALT.
    """

    contig: str
    pos: np.ndarray
    ref: list[str]
    alt: list[str]
    offsets: np.ndarray
    haplotypes: np.ndarray


def build_index_from_carriers(
    out: Path,
    batches: Iterable[CarrierBatch],
    *,
    n: int,
    sample_sex: list[str],
    sample_country: list[str],
) -> IndexSummary:
    """Write an index for ``n`` diploid individuals from carrier batches (one part each)."""
    group, labels, member = _group_matrix(np.asarray(sample_sex), np.asarray(sample_country))
    out.mkdir(parents=True, exist_ok=False)
    dense_min = max(1, -(-n // DENSE_DIVISOR))
    results: list[_ChunkRows] = []
    for b_i, b in enumerate(batches):
        rank = CONTIG_RANK[normalize_contig(b.contig)]
        norm = [normalize_allele(int(p), r, a) for p, r, a in zip(b.pos, b.ref, b.alt, strict=True)]
        n_rows = len(norm)
        counts = np.diff(b.offsets)
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), counts)
        ind = b.haplotypes // 2
        # (row, individual) with copies 1 or 2. Haplotypes of a row are sorted, so equal keys
        # are adjacent and run-length encoding replaces a sort.
        key = rows * n + ind
        if key.size and not (np.diff(key) >= 0).all():
            raise InvalidInputError("carrier haplotypes must be sorted within each variant")
        starts = (
            np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, np.int64)
        )
        uniq = key[starts]
        copies = np.diff(np.r_[starts, key.size])
        c_rows, c_ind = uniq // n, uniq % n
        hom = copies == 2
        n_g = member.shape[0]
        ac_g = (
            np.bincount(c_rows * n_g + group[c_ind], weights=copies, minlength=n_rows * n_g)
            .reshape(n_rows, n_g)
            .astype(np.int64)
        )
        an_g = np.tile(2 * np.bincount(group, minlength=n_g), (n_rows, 1)).astype(np.int64)
        geno_g = kernels.group_genotypes(c_rows, c_ind, hom, group, n_rows=n_rows, n_groups=n_g)
        part = out / "parts" / f"{b_i:06d}"
        hybrid.save_part(
            part / "carriers",
            kernels.hybrid_split(c_rows, c_ind, n_rows=n_rows, n=n, dense_min=dense_min),
        )
        hybrid.save_rank_part(
            part / "homs",
            *kernels.hom_rank_bits(c_rows, c_ind, c_rows[hom], c_ind[hom], n_rows=n_rows, n=n),
        )
        results.append(
            _ChunkRows(
                np.full(n_rows, rank, np.uint8),
                np.array([x[0] for x in norm], np.int32),
                [x[1] for x in norm],
                [x[2] for x in norm],
                an_g,
                ac_g,
                0,
                0,
                geno_g,
            )
        )
    _finalise(
        out,
        results,
        n=n,
        labels=labels,
        member=member,
        group=group,
        n_chunks=len(results),
        dense_min=dense_min,
        vcz=Path("(carrier lists)"),
    )
    shutil.rmtree(out / "parts", ignore_errors=True)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return IndexSummary(
        n_variants=sum(len(r.ref) for r in results),
        n_individuals=n,
        skipped_alleles=0,
        skipped_records_contig=0,
        bytes=size,
    )


@dataclass(frozen=True)
class HybridRows:
    """Consecutive bi-allelic, normalised index rows whose carriers are already in hybrid form.

    Attributes:
        contig: contig name (any alias).
        pos, ref, alt: normalised rows (1-based ``pos``).
        ac_g: int64[rows, groups] ALT copies per stratum group (:func:`strata_groups`).
        geno_g: int64[rows, groups, 2] carriers per group, not / flagged homozygous
            (:func:`onemg.genomics.kernels.group_genotypes`).
        kind, slot, count, offsets, indices, bits: carriers as :func:`kernels.hybrid_split`.
        hom_starts, hom_bits: homozygote flags as :func:`kernels.hom_rank_bits`.
    """

    contig: str
    pos: np.ndarray
    ref: list[str]
    alt: list[str]
    ac_g: np.ndarray
    geno_g: np.ndarray
    kind: np.ndarray
    slot: np.ndarray
    count: np.ndarray
    offsets: np.ndarray
    indices: np.ndarray
    bits: np.ndarray
    hom_starts: np.ndarray
    hom_bits: np.ndarray


def strata_groups(
    sample_sex: list[str] | np.ndarray, sample_country: list[str] | np.ndarray
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """``(group per sample, strata labels, group x stratum matrix)``, as the index builds use."""
    return _group_matrix(np.asarray(sample_sex), np.asarray(sample_country))


def write_hybrid_part(
    parts: Path, number: int, rows: HybridRows, *, group: np.ndarray, n_groups: int
) -> _ChunkRows:
    """Save one part under ``parts/<number>`` and return its row table for :func:`complete_index`.

    Every sample is called (AN per group = 2 x the group's size).
    """
    part = parts / f"{number:06d}"
    hybrid.save_part(
        part / "carriers", (rows.kind, rows.slot, rows.count, rows.offsets, rows.indices, rows.bits)
    )
    hybrid.save_rank_part(part / "homs", rows.hom_starts, rows.hom_bits)
    n_rows = len(rows.ref)
    an_g = np.tile(2 * np.bincount(group, minlength=n_groups), (n_rows, 1)).astype(np.int64)
    rank = CONTIG_RANK[normalize_contig(rows.contig)]
    return _ChunkRows(
        np.full(n_rows, rank, np.uint8),
        np.asarray(rows.pos, np.int32),
        list(rows.ref),
        list(rows.alt),
        an_g,
        np.asarray(rows.ac_g, np.int64),
        0,
        0,
        np.asarray(rows.geno_g, np.int64),
    )


def complete_index(
    out: Path,
    rows: list[_ChunkRows],
    *,
    n: int,
    labels: list[str],
    member: np.ndarray,
    group: np.ndarray,
    source: str,
) -> IndexSummary:
    """Sort the rows of every part (saved under ``out/parts`` in order) into the final index."""
    return _complete(
        out,
        rows,
        n=n,
        labels=labels,
        member=member,
        group=group,
        dense_min=dense_min_for(n),
        source=Path(source),
    )


def dense_min_for(n: int) -> int:
    """Carriers from which a row is stored as a bitset (``n / DENSE_DIVISOR``, at least 1)."""
    return max(1, -(-n // DENSE_DIVISOR))


def adopt_index(
    src: Path, dest: Path, *, sample_sex: list[str], sample_country: list[str]
) -> IndexSummary:
    """Copy a ready index (e.g. written by ``onemg synth --format index``) to ``dest``, after
    checking that it was built for these individuals.

    The index must hold ``len(sample_sex)`` individuals and the same strata (labels, and the
    number of alleles per stratum) as an index built from these per-sample strata would.

    Raises:
        NotFoundError: ``src`` holds no index.
        InvalidInputError: the index does not fit the individuals.
    """
    from onemg.genomics.index import VariantIndex

    index = VariantIndex.open(src)
    n = len(sample_sex)
    if index.n_individuals != n:
        raise InvalidInputError(
            f"{src}: the index holds {index.n_individuals} individuals but the metadata has "
            f"{n}; ingest the index with the individuals it was written for"
        )
    group, labels, member = strata_groups(sample_sex, sample_country)
    if index.strata_labels != labels:
        raise InvalidInputError(
            f"{src}: the index's strata {index.strata_labels} differ from those of the "
            f"metadata {labels}; re-create the index from this metadata"
        )
    if index.n_variants:
        expected = 2 * (np.bincount(group, minlength=member.shape[0]) @ member)
        found = np.asarray(index._a["strata_an"][0])
        if not np.array_equal(found, expected):
            raise InvalidInputError(
                f"{src}: alleles per stratum {found.tolist()} differ from the metadata's "
                f"{expected.tolist()} ({labels}): the sexes or countries of the individuals do "
                "not match the index; re-create the index from this metadata"
            )
    shutil.copytree(src, dest)
    size = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
    return IndexSummary(
        n_variants=index.n_variants,
        n_individuals=n,
        skipped_alleles=0,
        skipped_records_contig=0,
        bytes=size,
    )

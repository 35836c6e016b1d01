"""Build the Beacon variant index from a VCF Zarr store, one variant chunk at a time.

Each storage chunk-row of ``call_genotype`` is an independent task (:func:`_build_chunk`): it
normalises and splits the chunk's records, counts alleles per sample group, and writes the
chunk's carriers and homozygotes in hybrid form under ``parts/<chunk>/``. Memory is bounded by one
chunk. :func:`build_index` maps the tasks (in-process, or over a spawn process pool when
``workers > 0`` — the same function either way), then sorts the small per-variant table by
(contig, pos, ref, alt) and streams the parts into the final files (see ``index.py``).

The per-sample strata come from the store itself (``sample_sex``, ``sample_country``; written
at ingest by :func:`onemg.genomics.convert.write_sample_strata`), so a rebuild needs nothing else.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr

from onemg.errors import InvalidInputError
from onemg.genomics import hybrid, kernels
from onemg.genomics.normalize import (
    CONTIG_RANK,
    CONTIGS,
    VARIANT_TYPES,
    normalize_contig,
    split_record,
    variant_type,
)

FORMAT = "onemg-beacon-index"
FORMAT_VERSION = 1
SEXES = ("female", "male", "unknown")
#: A row with at least ``n / DENSE_DIVISOR`` members is stored as a bitset (~3 %): below that a
#: sorted int32 list is smaller than ``n / 8`` bytes of bits.
DENSE_DIVISOR = 32


@dataclass(frozen=True)
class _ChunkTask:
    vcz: str
    chunk: int
    parts: str
    group: np.ndarray
    n_groups: int
    dense_min: int


@dataclass(frozen=True)
class _ChunkRows:
    contig: np.ndarray  # uint8 rank in CONTIGS
    pos: np.ndarray
    ref: list[str]
    alt: list[str]
    an_g: np.ndarray  # int64[rows, groups]
    ac_g: np.ndarray
    skipped_alleles: int
    skipped_contigs: int


@dataclass(frozen=True)
class IndexSummary:
    """What a build produced."""

    n_variants: int
    n_individuals: int
    skipped_alleles: int
    skipped_records_contig: int
    bytes: int


def _open(vcz: Path | str) -> zarr.Group:
    try:
        return zarr.open_group(str(vcz), mode="r")
    except Exception as exc:  # zarr raises several types for a missing/invalid store
        raise InvalidInputError(f"{vcz}: not a readable VCF Zarr store ({exc})") from exc


def _build_chunk(task: _ChunkTask) -> _ChunkRows:
    root = _open(task.vcz)
    gt = root["call_genotype"]
    vchunk, schunk = gt.chunks[0], gt.chunks[1]
    v0 = task.chunk * vchunk
    v1 = min(v0 + vchunk, gt.shape[0])
    n = gt.shape[1]
    alleles = root["variant_allele"][v0:v1]
    positions = root["variant_position"][v0:v1]
    contig_codes = root["variant_contig"][v0:v1]
    contig_ids = root["contig_id"][:]
    names: dict[int, str | None] = {}
    rec, allele_k, c_out, p_out, r_out, a_out = [], [], [], [], [], []
    skipped = skipped_contigs = 0
    for i in range(v1 - v0):
        code = int(contig_codes[i])
        if code not in names:
            try:
                names[code] = normalize_contig(str(contig_ids[code]))
            except InvalidInputError:
                names[code] = None  # alt/decoy/unplaced contigs are not served by the Beacon
        name = names[code]
        if name is None:
            skipped_contigs += 1
            continue
        row_alleles = [str(a) for a in alleles[i]]
        rows, n_skip = split_record(int(positions[i]), row_alleles[0], row_alleles[1:])
        skipped += n_skip
        for r in rows:
            rec.append(i)
            allele_k.append(r.allele_index)
            c_out.append(CONTIG_RANK[name])
            p_out.append(r.pos)
            r_out.append(r.ref)
            a_out.append(r.alt)
    rec_a = np.asarray(rec, dtype=np.int64)
    k_a = np.asarray(allele_k, dtype=np.int64)
    n_rows = rec_a.size
    n_alt = max(alleles.shape[1] - 1, 1)
    an_g = np.zeros((n_rows, task.n_groups), dtype=np.int64)
    ac_g = np.zeros((n_rows, task.n_groups), dtype=np.int64)
    car_pairs, hom_pairs = [], []
    if n_rows:
        for s0 in range(0, n, schunk):
            s1 = min(s0 + schunk, n)
            an, ac, car, hom = kernels.count_block(
                gt[v0:v1, s0:s1], task.group[s0:s1], n_alt=n_alt, n_groups=task.n_groups)
            an_g += an[rec_a]
            ac_g += ac[rec_a, k_a - 1]
            car_pairs.append(kernels.block_pairs(s0, car[rec_a, k_a - 1]))
            hom_pairs.append(kernels.block_pairs(s0, hom[rec_a, k_a - 1]))
    part = Path(task.parts) / f"{task.chunk:06d}"
    rows, members = kernels.merge_pairs(car_pairs)
    hybrid.save_part(part / "carriers", kernels.hybrid_split(
        rows, members, n_rows=n_rows, n=n, dense_min=task.dense_min))
    hom_rows, hom_members = kernels.merge_pairs(hom_pairs)
    hybrid.save_rank_part(part / "homs", *kernels.hom_rank_bits(
        rows, members, hom_rows, hom_members, n_rows=n_rows, n=n))
    return _ChunkRows(np.asarray(c_out, np.uint8), np.asarray(p_out, np.int32), r_out, a_out,
                      an_g, ac_g, skipped, skipped_contigs)


def _sample_groups(root: zarr.Group, n: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Group code per sample and the (group x stratum) membership matrix, from the store."""
    sex = (root["sample_sex"][:].astype(str) if "sample_sex" in root
           else np.full(n, "unknown"))
    country = (root["sample_country"][:].astype(str) if "sample_country" in root
               else np.full(n, ""))
    return _group_matrix(sex, country)


def _group_matrix(sex: np.ndarray, country: np.ndarray) -> tuple[np.ndarray, list[str],
                                                                  np.ndarray]:
    """Samples fall in (sex x country) groups; strata labels are sums over groups."""
    sex = sex.astype(str)
    country = country.astype(str)
    bad = sorted(set(sex.tolist()) - set(SEXES))
    if bad:
        raise InvalidInputError(f"sample_sex holds {bad}; expected one of {list(SEXES)}")
    countries = sorted(set(country.tolist()) - {""})
    c_index = {c: i for i, c in enumerate(countries)}
    n_c = len(countries) + 1  # last slot = country unknown
    sex_code = np.array([SEXES.index(s) for s in sex.tolist()], dtype=np.int32)
    c_code = np.array([c_index.get(c, n_c - 1) for c in country.tolist()], dtype=np.int32)
    group = (sex_code * n_c + c_code).astype(np.int64)
    labels = [f"sex:{s}" for s in SEXES] + [f"country:{c}" for c in countries]
    member = np.zeros((len(SEXES) * n_c, len(labels)), dtype=np.int64)
    for s in range(len(SEXES)):
        for c in range(n_c):
            g = s * n_c + c
            member[g, s] = 1
            if c < len(countries):
                member[g, len(SEXES) + c] = 1
    return group, labels, member


def _write_strings(folder: Path, name: str, values: list[str]) -> None:
    data = "".join(values).encode("ascii")
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    np.save(folder / f"{name}_offsets.npy", offsets)
    np.save(folder / f"{name}_bytes.npy", np.frombuffer(data, dtype=np.uint8))


def build_index(
    vcz: Path,
    out: Path,
    *,
    workers: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> IndexSummary:
    """Build the Beacon index of ``vcz`` into the (new or empty) folder ``out``.

    Args:
        vcz: VCF Zarr store (with optional ``sample_sex``/``sample_country`` arrays).
        out: destination folder; created; must not already hold an index.
        workers: 0 builds in this process; ``> 0`` uses that many spawned processes, one task
            per variant chunk (callers must guard ``if __name__ == "__main__"``).
        progress: called as ``progress(done_chunks, total_chunks)`` after each chunk.

    Returns:
        An :class:`IndexSummary`.

    Raises:
        InvalidInputError: the store is unreadable or has invalid strata arrays.
    """
    root = _open(vcz)
    for needed in ("call_genotype", "variant_allele", "variant_position", "variant_contig",
                   "contig_id", "sample_id"):
        if needed not in root:
            raise InvalidInputError(f"{vcz}: VCF Zarr array {needed!r} is missing; "
                                    "re-create the store with bio2zarr")
    gt = root["call_genotype"]
    n = int(gt.shape[1])
    group, labels, member = _sample_groups(root, n)
    n_chunks = -(-int(gt.shape[0]) // int(gt.chunks[0])) if gt.shape[0] else 0
    out.mkdir(parents=True, exist_ok=False)
    parts = out / "parts"
    dense_min = max(1, -(-n // DENSE_DIVISOR))
    tasks = [_ChunkTask(str(vcz), c, str(parts), group, member.shape[0], dense_min)
             for c in range(n_chunks)]
    results: list[_ChunkRows] = []
    if workers > 0 and n_chunks > 1:
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            for res in pool.map(_build_chunk, tasks):
                results.append(res)
                if progress:
                    progress(len(results), n_chunks)
    else:
        for task in tasks:
            results.append(_build_chunk(task))
            if progress:
                progress(len(results), n_chunks)
    _finalise(out, results, n=n, labels=labels, member=member, n_chunks=n_chunks,
              dense_min=dense_min, vcz=vcz)
    shutil.rmtree(parts, ignore_errors=True)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return IndexSummary(
        n_variants=sum(len(r.ref) for r in results), n_individuals=n,
        skipped_alleles=sum(r.skipped_alleles for r in results),
        skipped_records_contig=sum(r.skipped_contigs for r in results), bytes=size)


def _finalise(out: Path, results: list[_ChunkRows], *, n: int, labels: list[str],
              member: np.ndarray, n_chunks: int, dense_min: int, vcz: Path) -> None:
    contig = np.concatenate([r.contig for r in results]) if results else np.zeros(0, np.uint8)
    pos = np.concatenate([r.pos for r in results]) if results else np.zeros(0, np.int32)
    ref = [s for r in results for s in r.ref]
    alt = [s for r in results for s in r.alt]
    n_g = member.shape[0]
    an_g = np.concatenate([r.an_g for r in results]) if results else np.zeros((0, n_g), np.int64)
    ac_g = np.concatenate([r.ac_g for r in results]) if results else np.zeros((0, n_g), np.int64)
    ref_a = np.array(ref, dtype=str) if ref else np.zeros(0, dtype="U1")
    alt_a = np.array(alt, dtype=str) if alt else np.zeros(0, dtype="U1")
    order = np.lexsort((alt_a, ref_a, pos, contig)) if pos.size else np.zeros(0, np.int64)
    ref = [ref[i] for i in order]
    alt = [alt[i] for i in order]
    contig, pos, an_g, ac_g = contig[order], pos[order], an_g[order], ac_g[order]
    ref_len = np.array([len(s) for s in ref], dtype=np.int32)
    np.save(out / "contig.npy", contig)
    np.save(out / "pos.npy", pos)
    np.save(out / "end.npy", (pos + ref_len - 1).astype(np.int32))  # 1-based inclusive
    type_code = {t: i for i, t in enumerate(VARIANT_TYPES)}
    np.save(out / "vtype.npy", np.array([type_code[variant_type(r, a)] for r, a in
                                         zip(ref, alt, strict=True)], dtype=np.uint8))
    _write_strings(out, "ref", ref)
    _write_strings(out, "alt", alt)
    np.save(out / "ac.npy", ac_g.sum(axis=1).astype(np.int32))
    np.save(out / "an.npy", an_g.sum(axis=1).astype(np.int32))
    np.save(out / "strata_ac.npy", (ac_g @ member).astype(np.int32))
    np.save(out / "strata_an.npy", (an_g @ member).astype(np.int32))
    part_dirs = [out / "parts" / f"{c:06d}" for c in range(n_chunks)]
    hybrid.concat_parts([p / "carriers" for p in part_dirs], out / "carriers", order=order,
                        nbytes=(n + 7) // 8)
    hybrid.concat_rank_parts([p / "homs" for p in part_dirs], out / "homs", order=order)
    contigs: dict[str, list[int]] = {}
    for rank in np.unique(contig).tolist():
        lo = int(np.searchsorted(contig, rank, side="left"))
        hi = int(np.searchsorted(contig, rank, side="right"))
        contigs[CONTIGS[rank]] = [lo, hi, int(ref_len[lo:hi].max())]
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "n_individuals": n,
        "n_variants": int(pos.size), "strata": labels, "contigs": contigs,
        "dense_min": dense_min, "source": str(vcz),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))

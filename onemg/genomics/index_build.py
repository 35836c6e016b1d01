"""Build the Beacon variant index from a VCF Zarr store, one variant chunk at a time.

Each storage chunk-row of ``call_genotype`` is an independent task (:func:`_build_chunk`): it
normalises and splits the chunk's records, counts alleles per sample group, and writes the
chunk's carriers and homozygotes in hybrid form under ``parts/<chunk>/``. Memory is bounded by one
chunk. :func:`build_index` maps the tasks with :mod:`onemg.compute` (in this process, on a Dask
``LocalCluster`` or on a cluster named in ``[compute]``: the same function either way), then
sorts the small per-variant table by (contig, pos, ref, alt) and streams the parts, in chunk
order, into the final files (see ``index.py``). It builds in a scratch folder beside ``out`` and
renames it into place at the end, so a failed or killed build leaves no index behind.

The per-sample strata come from the store itself (``sample_sex``, ``sample_country``; written
at ingest by :func:`onemg.genomics.convert.write_sample_strata`), so a rebuild needs nothing else.
"""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr

from onemg.compute import compute_client, map_ordered
from onemg.durable import fsync_tree, publish_dir
from onemg.errors import ConflictError, InvalidInputError
from onemg.genomics import hybrid, kernels
from onemg.genomics.normalize import (
    CONTIG_RANK,
    CONTIGS,
    VARIANT_TYPES,
    normalize_contig,
    split_record,
    variant_type,
)
from onemg.settings import ComputeSettings

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
    geno_g: np.ndarray  # int64[rows, groups, 2], kernels.group_genotypes


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


def _build_chunk(task: _ChunkTask, group: np.ndarray) -> _ChunkRows:
    """One variant chunk of the store (a Dask task; re-running it rewrites the same part)."""
    root = _open(task.vcz)
    gt = root["call_genotype"]
    vchunk, schunk = gt.chunks[0], gt.chunks[1]
    v0 = task.chunk * vchunk
    v1 = min(v0 + vchunk, gt.shape[0])
    return index_chunk(
        task.chunk, Path(task.parts), alleles=root["variant_allele"][v0:v1],
        positions=root["variant_position"][v0:v1],
        contig_codes=root["variant_contig"][v0:v1], contig_ids=root["contig_id"][:],
        genotypes=lambda s0, s1: gt[v0:v1, s0:s1], n=int(gt.shape[1]), samples_chunk=schunk,
        group=group, n_groups=task.n_groups, dense_min=task.dense_min)


def index_chunk(
    chunk: int,
    parts: Path,
    *,
    alleles: np.ndarray,
    positions: np.ndarray,
    contig_codes: np.ndarray,
    contig_ids: Sequence[str] | np.ndarray,
    genotypes: Callable[[int, int], np.ndarray],
    n: int,
    samples_chunk: int,
    group: np.ndarray,
    n_groups: int,
    dense_min: int,
) -> _ChunkRows:
    """Normalise, count and write the carriers of one chunk of VCF records.

    ``genotypes(s0, s1)`` returns the chunk's ``call_genotype`` columns ``s0:s1`` (from a
    store, or from memory during a one-pass conversion).
    """
    names: dict[int, str | None] = {}
    rec, allele_k, c_out, p_out, r_out, a_out = [], [], [], [], [], []
    skipped = skipped_contigs = 0
    for i in range(len(positions)):
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
    row_of = np.full((len(positions), n_alt), -1, dtype=np.int64)
    row_of[rec_a, k_a - 1] = np.arange(n_rows)
    an_rec = np.zeros((len(positions), n_groups), dtype=np.int64)
    ac_g = np.zeros((n_rows, n_groups), dtype=np.int64)
    blocks = []
    if n_rows:
        for s0 in range(0, n, samples_chunk):
            s1 = min(s0 + samples_chunk, n)
            an, ac, rows, members, hom = kernels.count_rows(
                genotypes(s0, s1), group[s0:s1], row_of, n_rows=n_rows, n_groups=n_groups)
            an_rec += an
            ac_g += ac
            blocks.append((rows, members + s0, hom))
    an_g = an_rec[rec_a]
    rows, members, hom = kernels.merge_row_pairs(blocks)
    geno_g = kernels.group_genotypes(rows, members, hom, group, n_rows=n_rows, n_groups=n_groups)
    part = parts / f"{chunk:06d}"
    hybrid.save_part(part / "carriers", kernels.hybrid_split(
        rows, members, n_rows=n_rows, n=n, dense_min=dense_min))
    hybrid.save_rank_part(part / "homs", *kernels.hom_rank_bits(
        rows, members, rows[hom], members[hom], n_rows=n_rows, n=n))
    return _ChunkRows(np.asarray(c_out, np.uint8), np.asarray(p_out, np.int32), r_out, a_out,
                      an_g, ac_g, skipped, skipped_contigs, geno_g)


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
    compute: ComputeSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IndexSummary:
    """Build the Beacon index of ``vcz`` into the new folder ``out``.

    Args:
        vcz: VCF Zarr store (with optional ``sample_sex``/``sample_country`` arrays).
        out: destination folder; must not exist. It appears complete or not at all.
        compute: where the chunk tasks run (default: this process; ``[compute] workers > 0``
            starts a Dask LocalCluster, ``scheduler_address`` uses a running cluster whose
            workers see ``vcz`` and ``out``'s folder). The index does not depend on it.
        progress: called as ``progress(done_chunks, total_chunks)`` after each chunk.

    Returns:
        An :class:`IndexSummary`.

    Raises:
        InvalidInputError: the store is unreadable or has invalid strata arrays.
        ConflictError: ``out`` exists.
        onemg.compute.ComputeFailedError: a chunk failed for good (nothing is published).
    """
    root = _open(vcz)
    for needed in ("call_genotype", "variant_allele", "variant_position", "variant_contig",
                   "contig_id", "sample_id"):
        if needed not in root:
            raise InvalidInputError(f"{vcz}: VCF Zarr array {needed!r} is missing; "
                                    "re-create the store with bio2zarr")
    out = Path(out)
    if out.exists():
        raise ConflictError(f"{out} already exists; remove it or choose another folder")
    gt = root["call_genotype"]
    n = int(gt.shape[1])
    group, labels, member = _sample_groups(root, n)
    n_chunks = -(-int(gt.shape[0]) // int(gt.chunks[0])) if gt.shape[0] else 0
    dense_min = max(1, -(-n // DENSE_DIVISOR))
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        build = scratch / "index"
        build.mkdir()
        tasks = [_ChunkTask(str(Path(vcz).resolve()), c, str((build / "parts").resolve()),
                            member.shape[0], dense_min) for c in range(n_chunks)]
        # One chunk gains nothing from a cluster's start-up.
        with compute_client(compute if compute and n_chunks > 1 else ComputeSettings()) as client:
            results = map_ordered(client, _build_chunk, tasks, progress=progress,
                                  broadcast={"group": group})
        summary = _complete(build, results, n=n, labels=labels, member=member, group=group,
                            dense_min=dense_min, source=vcz)
        fsync_tree(build)
        publish_dir(build, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def _complete(out: Path, results: list[_ChunkRows], *, n: int, labels: list[str],
              member: np.ndarray, group: np.ndarray, dense_min: int, source: Path
              ) -> IndexSummary:
    """Write the final index files from the chunk results (in chunk order) and summarise."""
    _finalise(out, results, n=n, labels=labels, member=member, group=group,
              n_chunks=len(results), dense_min=dense_min, vcz=source)
    shutil.rmtree(out / "parts", ignore_errors=True)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return IndexSummary(
        n_variants=sum(len(r.ref) for r in results), n_individuals=n,
        skipped_alleles=sum(r.skipped_alleles for r in results),
        skipped_records_contig=sum(r.skipped_contigs for r in results), bytes=size)


class StreamingIndexBuilder:
    """Builds the index from record chunks handed over during a one-pass conversion.

    Chunks are indexed on one background thread: the counting kernel releases the GIL, so it
    runs beside the conversion instead of re-reading the finished store. At most
    ``max_pending`` chunks wait in memory; :meth:`add` blocks beyond that.

    Args:
        out: destination folder (created; must not exist).
        sex, country: per-sample strata in store order (as :func:`write_sample_strata`).
        contig_ids: the store's ``contig_id`` (what ``contig_codes`` index into).
        source: the store path recorded in the manifest.
    """

    def __init__(self, out: Path, *, sex: Sequence[str], country: Sequence[str],
                 contig_ids: Sequence[str], source: Path, max_pending: int = 2,
                 samples_chunk: int = 10_000,
                 progress: Callable[[int, int], None] | None = None,
                 total_chunks: int = 0) -> None:
        self.out = out
        self.n = len(sex)
        self.group, self.labels, self.member = _group_matrix(np.asarray(sex, dtype=str),
                                                            np.asarray(country, dtype=str))
        self.dense_min = max(1, -(-self.n // DENSE_DIVISOR))
        self.contig_ids = list(contig_ids)
        self.source = source
        self.max_pending = max_pending
        self.samples_chunk = samples_chunk  # bounds the kernel's per-block carrier masks
        self.progress = progress
        self.total_chunks = total_chunks
        out.mkdir(parents=True, exist_ok=False)
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="index")
        self._futures: list[concurrent.futures.Future[_ChunkRows]] = []
        self._lock = threading.Lock()
        self._done = 0

    def add(self, alleles: np.ndarray, positions: np.ndarray, contig_codes: np.ndarray,
            genotypes: np.ndarray) -> None:
        """Queue the next chunk (``genotypes``: int8[records, samples, ploidy])."""
        chunk = len(self._futures)
        if chunk >= self.max_pending:
            self._futures[chunk - self.max_pending].result()  # back-pressure; re-raises
        self._futures.append(self._pool.submit(
            index_chunk, chunk, self.out / "parts", alleles=alleles, positions=positions,
            contig_codes=contig_codes, contig_ids=self.contig_ids,
            genotypes=lambda s0, s1: genotypes[:, s0:s1], n=self.n,
            samples_chunk=self.samples_chunk, group=self.group, n_groups=self.member.shape[0],
            dense_min=self.dense_min))
        if self.progress:
            self._futures[-1].add_done_callback(self._tick)

    def _tick(self, _future: concurrent.futures.Future[_ChunkRows]) -> None:
        with self._lock:
            self._done += 1
            done = self._done
        self.progress(done, max(self.total_chunks, len(self._futures)))  # type: ignore[misc]

    def finish(self) -> IndexSummary:
        """Wait for every chunk and write the final index."""
        results = [f.result() for f in self._futures]
        self._pool.shutdown()
        return _complete(self.out, results, n=self.n, labels=self.labels, member=self.member,
                         group=self.group, dense_min=self.dense_min, source=self.source)

    def abort(self) -> None:
        """Stop after a failed conversion (the caller removes ``out``)."""
        for f in self._futures:
            f.cancel()
        self._pool.shutdown(wait=True)


def _group_names(labels: list[str], member: np.ndarray) -> list[list[str]]:
    """``[sex, country]`` of each group (country ``""`` where unknown), from the membership."""
    out = []
    for row in member:
        held = [labels[j].partition(":") for j in np.flatnonzero(row)]
        sex = next(v for k, _, v in held if k == "sex")
        out.append([sex, next((v for k, _, v in held if k == "country"), "")])
    return out


def _finalise(out: Path, results: list[_ChunkRows], *, n: int, labels: list[str],
              member: np.ndarray, group: np.ndarray, n_chunks: int, dense_min: int,
              vcz: Path) -> None:
    contig = np.concatenate([r.contig for r in results]) if results else np.zeros(0, np.uint8)
    pos = np.concatenate([r.pos for r in results]) if results else np.zeros(0, np.int32)
    ref = [s for r in results for s in r.ref]
    alt = [s for r in results for s in r.alt]
    n_g = member.shape[0]
    an_g = np.concatenate([r.an_g for r in results]) if results else np.zeros((0, n_g), np.int64)
    ac_g = np.concatenate([r.ac_g for r in results]) if results else np.zeros((0, n_g), np.int64)
    geno_g = (np.concatenate([r.geno_g for r in results]) if results
              else np.zeros((0, n_g, 2), np.int64))
    ref_a = np.array(ref, dtype=str) if ref else np.zeros(0, dtype="U1")
    alt_a = np.array(alt, dtype=str) if alt else np.zeros(0, dtype="U1")
    order = np.lexsort((alt_a, ref_a, pos, contig)) if pos.size else np.zeros(0, np.int64)
    ref = [ref[i] for i in order]
    alt = [alt[i] for i in order]
    contig, pos, an_g, ac_g = contig[order], pos[order], an_g[order], ac_g[order]
    geno_g = geno_g[order]
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
    np.save(out / "group_genotypes.npy", geno_g.astype(np.int32))
    np.save(out / "sample_group.npy", np.asarray(group, np.int16))
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
        "dense_min": dense_min, "source": str(vcz), "groups": _group_names(labels, member),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))

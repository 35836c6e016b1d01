"""One dense VCF Zarr store from several tree sequences (pieces of a genome), built on Dask.

``onemg synth --format index`` keeps one ``.trees`` per simulated piece (at most 1 Mb, several
chromosomes); ``--genotypes vcz`` turns them into one store per country. bio2zarr's own tskit
source reads one tree sequence on one contig, so this module gives bio2zarr a source over the
pieces in genome order (:class:`_PiecesSource`) and runs its partitions as Dask tasks with the
machinery of :mod:`onemg.genomics.trees_vcz` (scratch folder, atomic publish, retries).

Records follow the rules of the VCF writer (:mod:`onemg.synth.vcf`), so the store equals what
``vcf2zarr`` makes of the VCF of the same cohort: a site is a record only when a sample carries
a non-reference allele there, ALT lists only the alleles the samples carry (tskit's order), and
``ID`` comes from ``variant_ids`` (the rs ids of spiked variants). Which alleles are carried is
found first, per piece and without decoding genotypes: the samples below each mutation minus
those below its child mutations at the same site (:func:`_scan_piece`). Genotypes are then
decoded by tskit one partition at a time, so memory per task is one variant chunk.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from onemg.compute import compute_client, map_ordered
from onemg.errors import InvalidInputError
from onemg.genomics.trees_vcz import (
    VczBuildSummary,
    encode_on_dask,
    publish_store,
    scratch_beside,
)
from onemg.settings import ComputeSettings


@dataclass(frozen=True)
class TreesPiece:
    """One tree sequence of a store: tskit site position ``p`` is VCF ``POS = offset + p``."""

    trees: Path | str
    contig_id: str
    position_offset: int


@dataclass(frozen=True)
class _PieceScan:
    """What one piece contributes: its records and their carried alleles."""

    sites: np.ndarray  # int32 tskit site ids that become records, in order
    positions: np.ndarray  # int64 VCF positions of those records
    remap: dict[int, tuple[int, ...]]  # site id -> carried ALT allele indices (when not all)
    max_alleles: int  # REF + carried ALTs, at most, over the records
    max_length: int  # longest allele of the piece


def _scan_piece(piece: TreesPiece, n_individuals: int) -> _PieceScan:
    """Records of one piece: the sites where the samples carry a derived allele (a Dask task)."""
    import tskit

    ts = tskit.load(str(piece.trees))
    nodes = _sample_nodes(ts, n_individuals, piece.trees)
    keep: list[int] = []
    remap: dict[int, tuple[int, ...]] = {}
    max_alleles = 1
    for tree in ts.trees(tracked_samples=nodes):
        for site in tree.sites():
            if not site.mutations:
                continue
            states = [site.ancestral_state]
            code: dict[int, int] = {}
            below: dict[int, int] = {}
            for m in site.mutations:
                if m.derived_state not in states:
                    states.append(m.derived_state)
                code[m.id] = states.index(m.derived_state)
                below[m.id] = tree.num_tracked_samples(m.node)
            # A sample's allele is that of the lowest mutation above it: subtract the samples
            # of each child mutation (same site) from its parent's.
            own = dict(below)
            for m in site.mutations:
                if m.parent != tskit.NULL:
                    own[m.parent] -= below[m.id]
            count = [0] * len(states)
            for mid, k in code.items():
                count[k] += own[mid]
            carried = tuple(k for k in range(1, len(states)) if count[k] > 0)
            if not carried:
                continue
            keep.append(site.id)
            if len(carried) != len(states) - 1:
                remap[site.id] = carried
            max_alleles = max(max_alleles, len(carried) + 1)
    sites = np.asarray(keep, dtype=np.int32)
    lengths = [len(a) for a in ts.sites_ancestral_state] + [
        len(d) for d in ts.mutations_derived_state
    ]
    return _PieceScan(
        sites=sites,
        positions=ts.sites_position[sites].astype(np.int64) + piece.position_offset,
        remap=remap,
        max_alleles=max_alleles,
        max_length=max(lengths, default=0),
    )


def _sample_nodes(ts: Any, n_individuals: int, where: Path | str) -> np.ndarray:
    """The sample nodes of the tree sequence's individuals, two per individual, in order."""
    if ts.num_individuals != n_individuals:
        raise InvalidInputError(
            f"{where}: {ts.num_individuals} individuals in the tree sequence for "
            f"{n_individuals} sample ids; every piece must hold the same individuals, in order"
        )
    nodes = ts.individuals_nodes
    if nodes.ndim != 2 or nodes.shape[1] != 2 or (nodes < 0).any():
        raise InvalidInputError(f"{where}: every individual must be diploid (two sample nodes)")
    return nodes.reshape(-1).astype(np.int32)


@dataclass(frozen=True)
class _PiecesPlan:
    """Everything a worker needs to open the source (shipped once to every worker)."""

    trees: tuple[str, ...]
    piece_contig: tuple[int, ...]  # contig index per piece
    contigs: tuple[tuple[str, int | None], ...]
    sample_ids: tuple[str, ...]
    scans: tuple[_PieceScan, ...]
    ids: dict[int, str]  # record -> VCF ID (others are missing)

    def open(self) -> _PiecesSource:
        return _PiecesSource(self)


class _PiecesSource:
    """A bio2zarr source over the records of several pieces, in order (see the module doc)."""

    def __init__(self, plan: _PiecesPlan) -> None:
        from bio2zarr import vcz

        self.plan = plan
        # Record r of the store is site scans[k].sites[r - first[k]] of piece k.
        self.first = np.cumsum([0] + [len(s.sites) for s in plan.scans])
        self._samples = [vcz.Sample(id=i) for i in plan.sample_ids]
        self._loaded: tuple[int, Any, np.ndarray] | None = None

    # -- the parts of bio2zarr's Source the writer reads ------------------------------------
    @property
    def path(self) -> str:
        return self.plan.trees[0] if self.plan.trees else ""

    @property
    def num_records(self) -> int:
        return int(self.first[-1])

    @property
    def num_samples(self) -> int:
        return len(self._samples)

    @property
    def samples(self) -> list[Any]:
        return self._samples

    @property
    def contigs(self) -> list[Any]:
        from bio2zarr import vcz

        return [vcz.Contig(id=c, length=n) for c, n in self.plan.contigs]

    @property
    def filters(self) -> None:
        return None

    @property
    def root_attrs(self) -> dict[str, Any]:
        return {}

    def _pieces(self, start: int, stop: int) -> list[tuple[int, int, int]]:
        """``(piece, first, stop)`` record ranges (piece-local) covering ``[start, stop)``."""
        out = []
        for k in range(len(self.plan.scans)):
            lo, hi = max(start, self.first[k]), min(stop, self.first[k + 1])
            if lo < hi:
                out.append((k, int(lo - self.first[k]), int(hi - self.first[k])))
        return out

    def iter_contig(self, start: int, stop: int) -> Any:
        for k, lo, hi in self._pieces(start, stop):
            yield from (self.plan.piece_contig[k] for _ in range(lo, hi))

    def iter_id(self, start: int, stop: int) -> Any:
        yield from (self.plan.ids.get(r) for r in range(start, stop))

    def iter_field(self, field_name: str, shape: Any, dtype: Any, start: int, stop: int) -> Any:
        if field_name != "position":
            raise ValueError(f"unknown field {field_name}")
        for k, lo, hi in self._pieces(start, stop):
            yield from self.plan.scans[k].positions[lo:hi].tolist()

    def _load(self, k: int) -> tuple[Any, np.ndarray]:
        if self._loaded is None or self._loaded[0] != k:
            import tskit

            ts = tskit.load(self.plan.trees[k])
            self._loaded = (k, ts, _sample_nodes(ts, self.num_samples, self.plan.trees[k]))
        return self._loaded[1], self._loaded[2]

    def iter_alleles_and_genotypes(
        self, start: int, stop: int, shape: Any, num_alleles: int
    ) -> Any:
        from bio2zarr import constants, vcz
        from bio2zarr.zarr_utils import STRING_DTYPE_NAME

        phased = np.ones(shape[:-1], dtype=bool)
        for k, lo, hi in self._pieces(start, stop):
            ts, nodes = self._load(k)
            scan = self.plan.scans[k]
            wanted = scan.sites[lo:hi]
            positions = ts.sites_position
            j = 0
            for var in ts.variants(
                samples=nodes, isolated_as_missing=False, left=positions[wanted[0]],
                right=np.nextafter(positions[wanted[-1]], np.inf), copy=False,
            ):  # fmt: skip
                if j == len(wanted) or var.site.id != wanted[j]:
                    continue  # a site without carried alleles: not a record
                j += 1
                gt = var.genotypes
                site_alleles = list(var.alleles)
                carried = scan.remap.get(int(var.site.id))
                if carried is not None:
                    lookup = np.zeros(len(site_alleles), dtype=np.int8)
                    lookup[list(carried)] = np.arange(1, len(carried) + 1, dtype=np.int8)
                    gt = lookup[gt]
                    site_alleles = [site_alleles[0], *(site_alleles[c] for c in carried)]
                alleles = np.full(num_alleles, constants.STR_FILL, dtype=STRING_DTYPE_NAME)
                alleles[: len(site_alleles)] = site_alleles
                yield vcz.VariantData(
                    len(site_alleles[0]), alleles, gt.reshape(shape).astype(np.int8), phased
                )
            if j != len(wanted):
                raise RuntimeError(f"{self.plan.trees[k]}: {len(wanted) - j} records not decoded")

    def generate_schema(
        self, variants_chunk_size: int | None, samples_chunk_size: int | None
    ) -> Any:
        """The VCF route's arrays: position, contig, id (+ mask), alleles, length, genotypes."""
        from bio2zarr import core, vcz, zarr_utils
        from bio2zarr.zarr_utils import STRING_DTYPE_NAME

        scans = self.plan.scans
        max_alleles = max([s.max_alleles for s in scans], default=2)
        ends = [int(f(s.positions)) for s in scans if s.positions.size for f in (np.min, np.max)]
        dims = vcz.standard_dimensions(
            variants_size=self.num_records,
            variants_chunk_size=variants_chunk_size,
            samples_size=self.num_samples,
            samples_chunk_size=samples_chunk_size,
            ploidy_size=2,
            alleles_size=max(2, max_alleles),
        )
        schema = vcz.VcfZarrSchema(
            format_version=vcz.ZARR_SCHEMA_FORMAT_VERSION, dimensions=dims, fields=[]
        )
        boolean = dict(zarr_utils.DEFAULT_COMPRESSOR_BOOL_CONFIG)

        def spec(name: str, dtype: Any, dims: list[str], **kw: Any) -> Any:
            return vcz.ZarrArraySpec(name=name, dtype=dtype, dimensions=dims, description="", **kw)

        schema.fields = [
            spec("variant_contig", core.min_int_dtype(0, len(self.plan.contigs)), ["variants"]),
            spec("variant_allele", STRING_DTYPE_NAME, ["variants", "alleles"]),
            spec(
                "variant_length",
                core.min_int_dtype(0, max([s.max_length for s in scans], default=0)),
                ["variants"],
            ),
            spec("variant_id", STRING_DTYPE_NAME, ["variants"]),
            spec("variant_id_mask", "bool", ["variants"], compressor=boolean),
            spec(
                "variant_position",
                core.min_int_dtype(min(ends, default=0), max(ends, default=0)),
                ["variants"],
                source="position",
            ),
            spec("call_genotype_phased", "bool", ["variants", "samples"], compressor=boolean),
            spec(
                "call_genotype",
                "i1",
                ["variants", "samples", "ploidy"],
                compressor=dict(zarr_utils.DEFAULT_COMPRESSOR_GENOTYPES_CONFIG),
            ),
            spec(
                "call_genotype_mask", "bool", ["variants", "samples", "ploidy"], compressor=boolean
            ),  # fmt: skip
        ]
        return schema


def build_vcz_from_pieces(
    pieces: Sequence[TreesPiece],
    out: Path,
    *,
    sample_ids: Sequence[str],
    contigs: Sequence[tuple[str, int | None]] | None = None,
    variant_ids: Mapping[tuple[str, int], str] | None = None,
    variants_chunk_size: int | None = None,
    samples_chunk_size: int | None = None,
    attrs: Mapping[str, Any] | None = None,
    compute: ComputeSettings | None = None,
    partitions: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VczBuildSummary:
    """Write the dense VCF Zarr store ``out`` from tree sequences of consecutive pieces.

    Args:
        pieces: ``.trees`` files in genome order (by contig, then position), each with its
            contig and position offset; every piece holds the same diploid individuals, in
            order (individual ``i`` is ``sample_ids[i]``). Workers load them by path: on a
            cluster they must be on a file system every worker sees.
        out: the store to create; must not exist. It appears whole or not at all.
        sample_ids: one VCF sample id per individual.
        contigs: the store's contig table ``(id, length)`` (e.g. every GRCh38 chromosome, as a
            VCF header lists them); default: the pieces' contigs, lengths unknown.
        variant_ids: ``(contig id, POS) -> ID`` (e.g. rs ids); other records have none.
        variants_chunk_size, samples_chunk_size: Zarr chunks (bio2zarr's defaults).
        attrs: extra root attributes.
        compute: where the scans and partitions run (default: this process).
        partitions: number of encoding tasks (default as :func:`build_vcz_from_trees`). The
            output does not depend on it, nor on the number of workers.
        progress: ``progress(done, total)`` after each partition.

    Returns:
        A :class:`~onemg.genomics.trees_vcz.VczBuildSummary`.

    Raises:
        ConflictError: ``out`` already exists.
        InvalidInputError: no pieces, pieces out of order, a contig not in ``contigs``, or
            pieces whose individuals do not match ``sample_ids``.
        onemg.compute.ComputeFailedError: a task failed for good (nothing is published).
    """
    if not pieces:
        raise InvalidInputError("no tree sequences given: pass at least one piece")
    compute = compute or ComputeSettings()
    table = list(contigs) if contigs is not None else []
    if contigs is None:
        for p in pieces:
            if p.contig_id not in [c for c, _ in table]:
                table.append((p.contig_id, None))
    names = [c for c, _ in table]
    missing = sorted({p.contig_id for p in pieces} - set(names))
    if missing:
        raise InvalidInputError(f"contig(s) {', '.join(missing)} of the pieces are not in contigs")
    order = [(names.index(p.contig_id), p.position_offset) for p in pieces]
    if order != sorted(order):
        raise InvalidInputError("pieces must be in genome order (contig, then position)")
    out = Path(out)
    scratch = scratch_beside(out)
    try:
        with compute_client(compute) as client:
            scans = map_ordered(
                client, _scan_piece, list(pieces), broadcast={"n_individuals": len(sample_ids)}
            )
            plan = _PiecesPlan(
                trees=tuple(str(p.trees) for p in pieces),
                piece_contig=tuple(names.index(p.contig_id) for p in pieces),
                contigs=tuple((c, None if n is None else int(n)) for c, n in table),
                sample_ids=tuple(sample_ids),
                scans=tuple(scans),
                ids=_record_ids(pieces, scans, variant_ids or {}),
            )
            source = plan.open()
            schema = source.generate_schema(variants_chunk_size, samples_chunk_size)
            store = scratch / "store.vcz"
            n_partitions = encode_on_dask(
                source, schema, store, opener=plan, client=client, partitions=partitions,
                progress=progress,
            )  # fmt: skip
        size = publish_store(store, out, attrs or {})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return VczBuildSummary(
        path=out,
        n_variants=source.num_records,
        n_samples=len(sample_ids),
        n_partitions=n_partitions,
        bytes=size,
    )


def _record_ids(
    pieces: Sequence[TreesPiece], scans: Sequence[_PieceScan],
    variant_ids: Mapping[tuple[str, int], str],
) -> dict[int, str]:  # fmt: skip
    """Record number -> ID for the records ``variant_ids`` names."""
    ids: dict[int, str] = {}
    record = 0
    for piece, scan in zip(pieces, scans, strict=True):
        for pos in scan.positions.tolist():
            vid = variant_ids.get((piece.contig_id, pos))
            if vid is not None:
                ids[record] = vid
            record += 1
    return ids

"""A dense VCF Zarr store from a tree sequence, built chunk-parallel on Dask, published atomically.

bio2zarr's writer already splits an encode into ``init`` (schema and empty arrays), independent
``encode_partition(i)`` calls (a run of whole variant chunks each) and ``finalise`` (move the
chunks into place). Here every partition is one Dask task (:mod:`onemg.compute`), so the same
code runs in this process, on a ``LocalCluster`` or on a multi-machine cluster. A partition
decodes ``sites x haplotypes`` genotypes with tskit, so memory per task is bounded by one
variant chunk: ``variants_chunk_size x samples x ploidy`` bytes for ``call_genotype`` plus as
much again for the mask and phasing arrays (0.5 GiB for 100 variants at 1M samples).

The store is written under a scratch folder beside ``out`` and renamed into place only after
every partition and the finalise step succeeded: a failed or killed build publishes nothing. The
chunks do not depend on how sites are grouped into partitions, so the bytes are the same for any
number of workers (and equal to ``bio2zarr.tskit.convert`` in one process).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from onemg.compute import compute_client, map_ordered
from onemg.durable import fsync_tree, publish_dir
from onemg.errors import ConflictError, InvalidInputError
from onemg.settings import ComputeSettings

if TYPE_CHECKING:
    import tskit


@dataclass(frozen=True)
class VczBuildSummary:
    """What :func:`build_vcz_from_trees` wrote."""

    path: Path
    n_variants: int
    n_samples: int
    n_partitions: int
    bytes: int


@dataclass(frozen=True)
class _Partition:
    store: str
    index: int


@dataclass(frozen=True)
class _TskitOpener:
    """Opens bio2zarr's tskit source in a worker (shipped once to every worker by Dask)."""

    trees: str
    mapping: Any

    def open(self) -> Any:
        from bio2zarr.tskit import TskitFormat

        return TskitFormat(self.trees, model_mapping=self.mapping)


def _encode_partition(job: _Partition, opener: Any) -> int:
    """Encode one partition of the store (a Dask task; safe to re-run after a lost worker).

    ``opener.open()`` gives the bio2zarr source the parent initialised the store from.
    """
    from bio2zarr import vcz

    writer = vcz.VcfZarrWriter(type(None), job.store)
    with open(writer.wip_path / "metadata.json") as f:
        writer.metadata = vcz.VcfZarrWriterMetadata.fromdict(json.load(f))
    writer.source = opener.open()
    writer.encode_partition(job.index)
    return job.index


def encode_on_dask(
    source: Any,
    schema: Any,
    store: Path,
    *,
    opener: Any,
    client: Any,
    partitions: int | None,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Write the store ``store`` from bio2zarr ``source``: one Dask task per partition.

    ``opener`` (picklable, with ``open()``) re-creates ``source`` in each worker; ``client``
    is from :func:`onemg.compute.compute_client` (None: this process). Returns the number of
    partitions. The caller publishes ``store`` (it is built in a scratch folder).
    """
    from bio2zarr import vcz

    writer = vcz.VcfZarrWriter(type(source), store)
    n_chunks = max(1, -(-source.num_records // schema.get_chunks(["variants"])[0]))
    if partitions is None:
        slots = (
            sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
            if client is not None
            else 0
        )
        partitions = min(n_chunks, 4 * slots) if slots else 1
    writer.init(source, target_num_partitions=max(1, partitions), schema=schema)
    jobs = [_Partition(str(store), i) for i in range(writer.num_partitions)]
    map_ordered(client, _encode_partition, jobs, progress=progress, broadcast={"opener": opener})
    writer.finalise()
    writer.create_index()
    return len(jobs)


def publish_store(store: Path, out: Path, attrs: Mapping[str, Any]) -> int:
    """Add root ``attrs``, make ``store`` durable and rename it to ``out``; return its bytes."""
    _set_attrs(store, attrs)
    fsync_tree(store)
    publish_dir(store, out)
    return sum(f.stat().st_size for f in out.rglob("*") if f.is_file())


def scratch_beside(out: Path) -> Path:
    """A new scratch folder beside ``out`` (refused when ``out`` exists)."""
    if out.exists():
        raise ConflictError(f"{out} already exists; remove it or choose another output path")
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))


def _mapping(
    ts: tskit.TreeSequence,
    *,
    sample_ids: Sequence[str],
    contig_id: str,
    position_offset: int,
    contig_length: int | None,
    individuals: np.ndarray | None,
) -> Any:
    if individuals is None:
        individuals = np.arange(ts.num_individuals)
    if len(sample_ids) != len(individuals):
        raise InvalidInputError(
            f"{len(sample_ids)} sample ids for {len(individuals)} individuals of the tree "
            "sequence; give one id per individual (in order)"
        )
    if ts.num_sites and int(ts.sites_position.min()) + position_offset < 1:
        raise InvalidInputError(
            f"a site at tskit position {int(ts.sites_position.min())} + position_offset "
            f"{position_offset} is below VCF position 1; pass the region's 1-based start"
        )
    mapping = ts.map_to_vcf_model(
        individuals=np.asarray(individuals),
        individual_names=list(sample_ids),
        position_transform=lambda p: np.asarray(p, dtype=np.int64) + position_offset,
        contig_id=contig_id,
    )
    if contig_length is not None:
        mapping.contig_length = int(contig_length)
    return mapping


def build_vcz_from_trees(
    trees: tskit.TreeSequence | Path | str,
    out: Path,
    *,
    sample_ids: Sequence[str],
    contig_id: str,
    position_offset: int = 0,
    contig_length: int | None = None,
    individuals: np.ndarray | None = None,
    variants_chunk_size: int | None = None,
    samples_chunk_size: int | None = None,
    attrs: Mapping[str, str] | None = None,
    compute: ComputeSettings | None = None,
    partitions: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VczBuildSummary:
    """Write the dense VCF Zarr store ``out`` (bio2zarr's layout) from a tree sequence.

    Args:
        trees: a tree sequence or a ``.trees`` file. An in-memory tree sequence is written to a
            scratch ``.trees`` beside ``out`` first (workers load it from there; on a cluster
            ``out``'s folder must be on a file system every worker sees).
        out: the store to create; must not exist. It appears whole or not at all.
        sample_ids: one VCF sample id per individual, in order.
        contig_id: the VCF contig (e.g. ``chr7``).
        position_offset: VCF ``POS`` = tskit site position + this (positions must end >= 1).
        contig_length: recorded as ``contig_length`` (default: the tree sequence's length).
        individuals: tskit individual ids to export (default: all, in id order).
        variants_chunk_size, samples_chunk_size: Zarr chunks (bio2zarr's defaults: 1,000
            variants, 10,000 samples). Memory per task grows with ``variants x samples``.
        attrs: extra root attributes (e.g. ``onemg_synthetic``, ``onemg_dataset``).
        compute: where the partitions run (default: this process).
        partitions: number of tasks (default: one per variant chunk, at most
            ``4 x workers``; one in this process). The output does not depend on it.
        progress: ``progress(done, total)`` after each partition.

    Returns:
        A :class:`VczBuildSummary`.

    Raises:
        ConflictError: ``out`` already exists.
        InvalidInputError: sample ids that do not match the individuals, or positions below 1.
        onemg.compute.ComputeFailedError: a partition failed for good (nothing is published).
    """
    import tskit
    from bio2zarr.tskit import TskitFormat

    compute = compute or ComputeSettings()
    out = Path(out)
    scratch = scratch_beside(out)
    try:
        if isinstance(trees, tskit.TreeSequence):
            ts = trees
            trees_path = scratch / "source.trees"
            ts.dump(trees_path)
        else:
            trees_path = Path(trees)
            ts = tskit.load(trees_path)
        mapping = _mapping(
            ts,
            sample_ids=sample_ids,
            contig_id=contig_id,
            position_offset=position_offset,
            contig_length=contig_length,
            individuals=individuals,
        )
        source = TskitFormat(ts, model_mapping=mapping)
        source._path = str(trees_path)  # recorded in bio2zarr's scratch metadata only
        schema = source.generate_schema(
            variants_chunk_size=variants_chunk_size, samples_chunk_size=samples_chunk_size
        )
        store = scratch / "store.vcz"
        with compute_client(compute) as client:
            n_partitions = encode_on_dask(
                source, schema, store, opener=_TskitOpener(str(trees_path), mapping),
                client=client, partitions=partitions, progress=progress,
            )  # fmt: skip
        size = publish_store(store, out, attrs or {})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return VczBuildSummary(
        path=out,
        n_variants=int(ts.num_sites),
        n_samples=len(sample_ids),
        n_partitions=n_partitions,
        bytes=size,
    )


def _set_attrs(store: Path, attrs: Mapping[str, Any]) -> None:
    if not attrs:
        return
    import zarr

    root = zarr.open_group(str(store), mode="r+")
    root.attrs.update(dict(attrs))

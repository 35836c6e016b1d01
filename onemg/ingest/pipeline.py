"""`onemg ingest`: validate, convert, index, publish atomically, clean up.

Crash safety (``kill -9`` at any point leaves the node as before): every file is built under
``tmp/<uuid>/``, flushed, then renamed into ``datasets/<id>/<version>/``; the catalogue rows for
that version are written in one transaction and the dataset pointer is switched in a second one.
Readers follow only the pointer, so until that commit the previous version is what is served.
Old versions, orphan folders and ``tmp/`` leftovers are removed afterwards and again at the start
of the next ingest (under the node's ingest lock).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onemg.errors import ConflictError, InvalidInputError, NotFoundError
from onemg.genomics import build_index, convert_and_index, sample_ids
from onemg.genomics.assembly import check_grch38
from onemg.genomics.convert import genotype_format
from onemg.ingest.inputs import IngestInputs, match_samples
from onemg.ingest.layout import NodeLayout, fsync_tree, new_version, publish_dir
from onemg.retrieval.archive import ARCHIVE_DIR, build_archive, build_store_archive
from onemg.retrieval.keys import ensure_archive_key
from onemg.settings import ComputeSettings, Settings

#: ``progress(step, done, total)``; steps: validate, convert, index, archive, publish, cleanup.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did."""

    dataset_id: str
    version: str
    previous_version: str | None
    n_individuals: int
    n_variants: int
    path: Path
    dropped_vcf_samples: list[str] = field(default_factory=list)
    unloaded_records: list[str] = field(default_factory=list)
    skipped_alleles: int = 0
    skipped_records_contig: int = 0
    cleaned: list[str] = field(default_factory=list)
    #: The encrypted archive's manifest (None for a VCF Zarr input, which is not archived,
    #: and for a ready index without a dense store).
    archive: Any = None


def open_catalogue(database_url: str):  # noqa: ANN201 - the catalogue type is imported lazily
    """Engine + migrated schema + :class:`onemg.catalogue.Catalogue` for ``database_url``."""
    from onemg.catalogue import Catalogue
    from onemg.db import open_database

    return Catalogue(open_database(database_url))


def clean_leftovers(layout: NodeLayout, catalogue) -> list[str]:  # noqa: ANN001
    """Remove staging leftovers, stale versions and folders no catalogue row points to.

    Call with the node lock held. Returns a description of each thing removed.
    """
    removed = [f"tmp/{p.name}" for p in layout.clear_tmp()]
    for dataset_id, version in catalogue.stale_versions():
        catalogue.drop_version(dataset_id, version)
        layout.remove_version(dataset_id, version)
        removed.append(f"datasets/{dataset_id}/{version} (stale)")
    for dataset_id, versions in layout.version_dirs().items():
        try:
            current = catalogue.dataset(dataset_id).version
        except NotFoundError:
            current = None
        for version in versions:
            if version != current:
                layout.remove_version(dataset_id, version)
                removed.append(f"datasets/{dataset_id}/{version} (orphan)")
    return removed


def _exists(catalogue, dataset_id: str) -> bool:  # noqa: ANN001
    try:
        catalogue.dataset(dataset_id)
    except NotFoundError:
        return False
    return True


def ingest(
    inputs: IngestInputs,
    *,
    data_dir: Path,
    database_url: str,
    replace: bool = False,
    allow_unmatched: bool = False,
    workers: int = 0,
    progress: Progress | None = None,
    show_progress: bool = False,
    settings: Settings | None = None,
) -> IngestResult:
    """Load one dataset version into a node and make it the served one.

    Args:
        inputs: resolved files and descriptor (:func:`onemg.ingest.resolve_inputs`).
        data_dir: the node data directory.
        database_url: the node's catalogue database.
        replace: allow replacing an existing dataset with the same id.
        allow_unmatched: ingest only individuals present in both the VCF and the metadata
            (VCF-only samples are dropped from the genotypes; metadata-only records are not
            loaded) instead of failing.
        workers: bio2zarr worker processes for a two-pass conversion and, when > 0, the
            number of local Dask workers for an index build from a store (overrides
            ``settings.compute.workers``; 0 = as ``[compute]`` says).
        progress: step callback.
        show_progress: let bio2zarr draw its own progress bars during conversion.
        settings: the node's settings, for the archive key's passphrase (``[retrieval]``);
            default: ``data_dir`` with default settings (passphrase from the environment).

    Raises:
        ConflictError: the dataset exists and ``replace`` is false, or another ingest runs.
        InvalidInputError: any input problem, with file, line and field.
    """
    from onemg.catalogue import check_terms, parse_phenopackets
    from onemg.ontology import load_ontology

    def step(name: str, done: int = 0, total: int = 1) -> None:
        if progress:
            progress(name, done, total)

    # Refused before the node directory is touched: a wrong build is the input's fault.
    if inputs.genotypes is not None:
        check_grch38(inputs.genotypes, genotype_format(inputs.genotypes))
    layout = NodeLayout(data_dir)
    layout.root.mkdir(parents=True, exist_ok=True)
    catalogue = open_catalogue(database_url)
    node_settings = settings or Settings(data_dir=layout.root)
    with layout.lock():
        step("validate")
        archive_key = ensure_archive_key(node_settings)
        cleaned = clean_leftovers(layout, catalogue)
        ds_id = inputs.dataset_id
        if _exists(catalogue, ds_id) and not replace:
            raise ConflictError(f"dataset {ds_id!r} already exists in {layout.root}; pass "
                                "--replace to publish a new version of it")
        records = parse_phenopackets(inputs.metadata)
        check_terms(records, load_ontology())
        source = inputs.genotypes or inputs.samples
        samples = (sample_ids(inputs.genotypes) if inputs.genotypes is not None
                   else read_sample_list(inputs.samples))
        match = match_samples(samples, [r.id for r in records], allow_unmatched=allow_unmatched,
                              genotypes=source, metadata=inputs.metadata)
        if inputs.index is not None and match.vcf_only:
            raise InvalidInputError(
                f"{len(match.vcf_only)} individual(s) of the ready index {inputs.index} have no "
                f"phenopacket in {inputs.metadata.name}; an index cannot drop individuals: "
                "provide their phenopackets or re-create the index")
        by_id = {r.id: r for r in records}
        kept_records = [by_id[s] for s in match.kept]
        step("validate", 1, 1)

        stage = layout.new_staging()
        try:
            version = new_version()
            build = stage / version
            build.mkdir()
            step("convert")
            country = str(inputs.descriptor.get("country") or "")
            if inputs.index is not None:
                summary, manifest = _stage_ready_index(inputs, build, stage, kept_records,
                                                       country, archive_key, step)
            else:
                summary, manifest = _convert_and_archive(
                    inputs, build, stage, kept_records, country, match, archive_key, workers,
                    _compute(node_settings, workers), show_progress, step)
            step("publish")
            fsync_tree(build)
            final = layout.version_dir(ds_id, version)
            publish_dir(build, final)
            catalogue.stage_version(inputs.descriptor, version=version, records=kept_records,
                                    sample_ids=match.kept,
                                    data_path=layout.relative(final),
                                    country=country or None)
            previous = catalogue.publish_version(ds_id, version)
            step("publish", 1, 1)
            step("cleanup")
            if previous and previous != version:
                catalogue.drop_version(ds_id, previous)
                layout.remove_version(ds_id, previous)
            layout.clear_tmp()
        finally:
            # On an error (not a kill) leave nothing behind; a kill is cleaned at next start.
            shutil.rmtree(stage, ignore_errors=True)
        step("cleanup", 1, 1)
    return IngestResult(
        dataset_id=ds_id, version=version, previous_version=previous,
        n_individuals=len(match.kept), n_variants=summary.n_variants, path=final,
        dropped_vcf_samples=match.vcf_only, unloaded_records=match.metadata_only,
        skipped_alleles=summary.skipped_alleles,
        skipped_records_contig=summary.skipped_records_contig, cleaned=cleaned,
        archive=manifest)


def read_sample_list(path: Path) -> list[str]:
    """Sample ids, one a line (the ``samples`` file of a ready index), in index order."""
    ids = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    if not ids or any(not i for i in ids):
        raise InvalidInputError(f"{path}: expected one sample id per line, no blank lines")
    if len(set(ids)) != len(ids):
        raise InvalidInputError(f"{path}: duplicate sample ids")
    return ids


def _stage_ready_index(inputs: IngestInputs, build: Path, stage: Path, kept_records: list,
                       country: str, archive_key: bytes,
                       step: Callable[..., None]) -> tuple[Any, Any]:
    """A ready index (``onemg synth --format index``): checked, copied; its dense store, when
    there is one (``--genotypes vcz``), is archived for retrieval."""
    from onemg.genomics import adopt_index

    summary = adopt_index(inputs.index, build / "index", sample_sex=[r.sex for r in kept_records],
                          sample_country=[country] * len(kept_records))
    step("convert", 1, 1)
    (build / "descriptor.json").write_text(json.dumps(inputs.descriptor, indent=1))
    if inputs.dense is None:
        return summary, None
    store_ids = sample_ids(inputs.dense)
    if inputs.samples is None or store_ids != read_sample_list(inputs.samples):
        raise InvalidInputError(
            f"{inputs.dense}: its samples are not those of {inputs.samples} (in that order); "
            "the dense store must come from the same synthesis as the index")
    step("archive")
    manifest = build_store_archive(inputs.dense, build / ARCHIVE_DIR, archive_key=archive_key,
                                   work=stage / "archive-work")
    step("archive", 1, 1)
    return summary, manifest


def _convert_and_archive(inputs: IngestInputs, build: Path, stage: Path, kept_records: list,
                         country: str, match: Any, archive_key: bytes, workers: int,
                         compute: ComputeSettings, show_progress: bool,
                         step: Callable[..., None]) -> tuple[Any, Any]:
    """Genotypes -> VCF Zarr + index, then the encrypted archive (VCF/BCF inputs)."""
    summary = convert_and_index(
        inputs.genotypes, build / "genotypes.vcz", build / "index",
        sex=[r.sex for r in kept_records], country=[country] * len(kept_records),
        staging=stage / "work", keep_samples=match.kept if match.vcf_only else None,
        workers=workers, compute=compute, show_progress=show_progress,
        progress=lambda d, t: step("index", d, t))
    step("convert", 1, 1)
    (build / "descriptor.json").write_text(json.dumps(inputs.descriptor, indent=1))
    # The encrypted archive is built in the same staging folder, so it is published (or lost
    # to a kill) together with the rest of the version.
    step("archive")
    manifest = build_archive(inputs.genotypes, build / ARCHIVE_DIR, archive_key=archive_key,
                             work=stage / "archive-work",
                             keep_samples=match.kept if match.vcf_only else None)
    step("archive", 1, 1)
    return summary, manifest


def existing_layout(data_dir: Path) -> NodeLayout:
    """The layout of an existing node directory; raises NotFoundError if there is none."""
    layout = NodeLayout(data_dir)
    if not layout.root.is_dir():
        raise NotFoundError(f"no node data directory at {layout.root}; check --data-dir "
                            "(`onemg ingest` creates it)")
    return layout


def delete_dataset(dataset_id: str, *, data_dir: Path, database_url: str) -> None:
    """Remove a dataset's catalogue rows, then its files.

    Raises:
        NotFoundError: no such dataset.
    """
    layout = existing_layout(data_dir)
    catalogue = open_catalogue(database_url)
    with layout.lock():
        catalogue.dataset(dataset_id)  # raises NotFoundError
        catalogue.delete_dataset(dataset_id)
        for version in layout.version_dirs().get(dataset_id, []):
            layout.remove_version(dataset_id, version)


def _compute(settings: Settings, workers: int) -> ComputeSettings:
    """``[compute]`` of the node, with ``--workers N`` (when > 0) as the local worker count."""
    if workers > 0:
        return dataclasses.replace(settings.compute, workers=workers)
    return settings.compute


def rebuild_index(dataset_id: str, *, data_dir: Path, database_url: str, workers: int = 0,
                  progress: Progress | None = None,
                  settings: Settings | None = None):  # noqa: ANN201
    """Rebuild the served version's Beacon index from its VCF Zarr, swapping it in atomically.

    The chunks run where ``settings.compute`` says (a Dask LocalCluster of ``workers``
    processes when ``workers > 0``).

    Returns:
        The :class:`onemg.genomics.IndexSummary`.
    """
    import os

    layout = existing_layout(data_dir)
    catalogue = open_catalogue(database_url)
    with layout.lock():
        info = catalogue.dataset(dataset_id)
        version_dir = layout.resolve(info.data_path)
        if not (version_dir / "genotypes.vcz").exists():
            raise InvalidInputError(
                f"dataset {dataset_id!r} has no genotype store to rebuild its index from (it "
                "was ingested as a ready index, e.g. from onemg synth --format index); "
                "re-ingest it with --replace instead")
        stage = layout.new_staging()
        compute = _compute(settings or Settings(data_dir=layout.root), workers)
        summary = build_index(version_dir / "genotypes.vcz", stage / "index", compute=compute,
                              progress=(lambda d, t: progress("index", d, t)) if progress
                              else None)
        fsync_tree(stage / "index")
        # Two renames: a reader opening in between finds no index for an instant, never a
        # half-written one.
        old = stage / "old-index"
        if (version_dir / "index").exists():
            os.rename(version_dir / "index", old)
        os.rename(stage / "index", version_dir / "index")
        shutil.rmtree(stage, ignore_errors=True)
    return summary

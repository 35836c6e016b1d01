"""Ingest inputs: locate the files, read the descriptor, match VCF samples with metadata."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onemg.errors import InvalidInputError, NotFoundError
from onemg.ingest.descriptor import validate_descriptor
from onemg.ingest.layout import check_dataset_id

_SHOWN = 10  # ids listed in a mismatch message before "... and N more"


@dataclass(frozen=True)
class IngestInputs:
    """What one ingest reads: genotypes to convert and index, or a ready Beacon index.

    Exactly one of ``genotypes`` and ``index`` is set; ``samples`` (ids in index order, one a
    line) goes with ``index``.
    """

    dataset_id: str
    genotypes: Path | None
    metadata: Path
    descriptor: dict[str, Any]
    index: Path | None = None
    samples: Path | None = None
    #: A dense VCF Zarr store named beside a ready index (``onemg synth --genotypes vcz``):
    #: archived for retrieval, never re-indexed.
    dense: Path | None = None


def read_descriptor(path: Path) -> dict[str, Any]:
    """Load ``dataset.json`` and check it against its schema; raise naming file and field."""
    if not path.is_file():
        raise NotFoundError(f"dataset descriptor {path} does not exist")
    try:
        desc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(desc, dict):
        raise InvalidInputError(f"{path}: the descriptor must be a JSON object")
    return validate_descriptor(desc, path)


def resolve_inputs(
    *,
    source_dir: Path | None = None,
    dataset_id: str | None = None,
    genotypes: Path | None = None,
    metadata: Path | None = None,
    descriptor: Path | None = None,
) -> IngestInputs:
    """Combine explicit file options with a synth country folder (``dataset.json`` ``files``).

    Explicit options win over what the folder's descriptor names.

    Raises:
        InvalidInputError: a required input is missing or the ids disagree.
    """
    desc_path = descriptor or (source_dir / "dataset.json" if source_dir else None)
    if desc_path is None:
        raise InvalidInputError("no dataset descriptor: pass --descriptor dataset.json or a "
                                "synth country folder")
    desc = read_descriptor(desc_path)
    base = desc_path.parent
    files = desc.get("files") or {}
    geno = genotypes or (base / files["genotypes"] if files.get("genotypes") else None)
    meta = metadata or (base / files["metadata"] if files.get("metadata") else None)
    index = samples = dense = None
    if genotypes is None and files.get("index"):
        # A ready index (onemg synth --format index) is used as it is, even when a dense store
        # is named beside it: re-indexing 1M genomes would cost what the sparse path saves.
        # That store is only archived, so that the dataset can be retrieved.
        dense, geno = geno, None
        if dense is not None and not dense.exists():
            raise NotFoundError(f"{desc_path}: `files.genotypes` names {dense}, which does not "
                                "exist")
        index = base / files["index"]
        if not files.get("samples"):
            raise InvalidInputError(f"{desc_path}: `files.index` needs `files.samples` (the "
                                    "sample ids in index order, one a line)")
        samples = base / files["samples"]
        for what, path in (("index", index), ("samples", samples)):
            if not path.exists():
                raise NotFoundError(f"{desc_path}: `files.{what}` names {path}, which does not "
                                    "exist")
    if (geno is None and index is None) or meta is None:
        missing = [n for n, v in (("--genotypes", geno or index), ("--metadata", meta))
                   if v is None]
        raise InvalidInputError(f"missing {', '.join(missing)} (and {desc_path} names no "
                                "`files` for them)")
    ds_id = dataset_id or desc.get("id")
    if not ds_id:
        raise InvalidInputError(f"no dataset id: pass --dataset-id or set `id` in {desc_path}")
    if desc.get("id") not in (None, ds_id):
        raise InvalidInputError(
            f"--dataset-id {ds_id!r} differs from `id` {desc['id']!r} in {desc_path}; "
            "make them equal (one identifier everywhere)")
    desc = {**desc, "id": check_dataset_id(ds_id)}
    return IngestInputs(ds_id, geno, meta, desc, index=index, samples=samples, dense=dense)


def _listing(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_SHOWN])
    return shown + (f" ... and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


@dataclass(frozen=True)
class SampleMatch:
    """VCF samples joined with metadata records."""

    kept: list[str]  # VCF samples with metadata, in VCF order: individuals 0..n-1
    vcf_only: list[str]  # VCF samples without metadata (dropped)
    metadata_only: list[str]  # metadata records without genotypes (not loaded)


def match_samples(vcf_samples: Sequence[str], record_ids: Sequence[str], *,
                  allow_unmatched: bool, genotypes: Path, metadata: Path) -> SampleMatch:
    """Join samples and records by id.

    Args:
        vcf_samples: sample names in VCF order.
        record_ids: phenopacket ids.
        allow_unmatched: drop unmatched ids on both sides instead of failing.
        genotypes: for messages.
        metadata: for messages.

    Raises:
        InvalidInputError: ids differ and ``allow_unmatched`` is false (both lists shown), or
            nothing would be left.
    """
    ids = set(record_ids)
    samples = set(vcf_samples)
    vcf_only = [s for s in vcf_samples if s not in ids]
    meta_only = [r for r in record_ids if r not in samples]
    if len(samples) != len(vcf_samples):
        raise InvalidInputError(f"{genotypes}: duplicate sample names in the VCF header")
    if (vcf_only or meta_only) and not allow_unmatched:
        parts = []
        if vcf_only:
            parts.append(f"{len(vcf_only)} VCF sample(s) in {genotypes.name} have no "
                         f"phenopacket in {metadata.name}: {_listing(vcf_only)}")
        if meta_only:
            parts.append(f"{len(meta_only)} phenopacket(s) in {metadata.name} have no VCF "
                         f"sample: {_listing(meta_only)}")
        raise InvalidInputError("; ".join(parts) + ". Fix the files, or pass "
                                "--allow-unmatched to ingest only the matched individuals")
    kept = [s for s in vcf_samples if s in ids]
    if not kept:
        raise InvalidInputError(f"no VCF sample of {genotypes} has a phenopacket in {metadata}")
    return SampleMatch(kept, vcf_only, meta_only)

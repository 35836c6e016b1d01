"""What a node holds: datasets from the catalogue joined with their index manifests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onemg.ingest.layout import NodeLayout
from onemg.ingest.pipeline import existing_layout, open_catalogue


@dataclass(frozen=True)
class DatasetStatus:
    """One served dataset as `onemg datasets list|show` prints it."""

    id: str
    version: str
    n_individuals: int
    n_variants: int | None
    country: str | None
    path: Path
    size_bytes: int
    descriptor: dict[str, Any]


def _status(info, layout: NodeLayout) -> DatasetStatus:  # noqa: ANN001 - DatasetInfo
    path = layout.resolve(info.data_path)
    n_variants = None
    manifest = path / "index" / "manifest.json"
    if manifest.is_file():
        n_variants = int(json.loads(manifest.read_text())["n_variants"])
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0
    return DatasetStatus(id=info.id, version=info.version, n_individuals=info.n_individuals,
                         n_variants=n_variants, country=info.country, path=path,
                         size_bytes=size, descriptor=dict(info.descriptor or {}))


def list_datasets(*, data_dir: Path, database_url: str) -> list[DatasetStatus]:
    """Every published dataset of the node."""
    layout = existing_layout(data_dir)
    catalogue = open_catalogue(database_url)
    return [_status(info, layout) for info in catalogue.datasets()]


def dataset_status(dataset_id: str, *, data_dir: Path, database_url: str) -> DatasetStatus:
    """One dataset; raises NotFoundError if it (or the node directory) does not exist."""
    layout = existing_layout(data_dir)
    return _status(open_catalogue(database_url).dataset(dataset_id), layout)

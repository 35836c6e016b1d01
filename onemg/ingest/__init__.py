"""`onemg ingest` orchestration: validate inputs, convert, index, publish atomically, clean up."""

from onemg.ingest.inputs import IngestInputs, SampleMatch, match_samples, resolve_inputs
from onemg.ingest.layout import NodeLayout
from onemg.ingest.pipeline import (
    IngestResult,
    clean_leftovers,
    delete_dataset,
    ingest,
    open_catalogue,
    rebuild_index,
)
from onemg.ingest.status import DatasetStatus, dataset_status, list_datasets

__all__ = [
    "DatasetStatus",
    "IngestInputs",
    "IngestResult",
    "NodeLayout",
    "SampleMatch",
    "clean_leftovers",
    "dataset_status",
    "delete_dataset",
    "ingest",
    "list_datasets",
    "match_samples",
    "open_catalogue",
    "rebuild_index",
    "resolve_inputs",
]

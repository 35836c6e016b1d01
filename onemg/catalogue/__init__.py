"""The dataset catalogue: health metadata in SQL and Beacon filters -> individual sets.

Ingest parses Phenopackets (:func:`parse_phenopackets`), checks their ontology ids
(:func:`check_terms`), stages a dataset version (:meth:`Catalogue.stage_version`) and publishes
it (:meth:`Catalogue.publish_version`). The Beacon layer resolves filters to
:class:`~onemg.individual_set.IndividualSet` objects and renders default-model records.
"""

from onemg.catalogue.filters import (
    AlphanumericFilter,
    CustomFilter,
    Filter,
    OntologyFilter,
    UnknownFilterError,
)
from onemg.catalogue.phenopackets import check_terms, parse_phenopacket_lines, parse_phenopackets
from onemg.catalogue.records import Annotation, BiosampleInfo, IndividualRecord, SequencingInfo
from onemg.catalogue.store import Catalogue, DatasetInfo
from onemg.individual_set import IndividualSet

__all__ = [
    "AlphanumericFilter",
    "Annotation",
    "BiosampleInfo",
    "Catalogue",
    "CustomFilter",
    "DatasetInfo",
    "Filter",
    "IndividualRecord",
    "IndividualSet",
    "OntologyFilter",
    "SequencingInfo",
    "UnknownFilterError",
    "check_terms",
    "parse_phenopacket_lines",
    "parse_phenopackets",
]

"""The Beacon v2 default-model entry types this node serves, and the paths between them.

One table describes each entry type once: its URL segment, its ``entityType`` id, its default
schema id and the cross-entry lookups from the default model's ``endpoints.json``. Framework
documents (``/configuration``, ``/map``, ``/entry_types``) and the router are generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = "v2.0.0"
#: The API version the response schemas we emit are validated against.
API_VERSION = "v2.0.0"


@dataclass(frozen=True)
class EntryType:
    """One default-model entry type."""

    path: str  # URL segment under /api, e.g. "g_variants"
    id: str  # entityType id, e.g. "genomicVariant"
    name: str
    schema_name: str  # as in ga4gh-beacon-<schema_name>-v2.0.0
    ontology_id: str
    ontology_label: str
    description: str
    collection: bool = False
    #: Entry types reachable as /{path}/{id}/{other}: other path segments.
    lookups: tuple[str, ...] = ()

    @property
    def schema_id(self) -> str:
        """The default schema id, e.g. ``ga4gh-beacon-individual-v2.0.0``."""
        return f"ga4gh-beacon-{self.schema_name}-{SCHEMA_VERSION}"

    @property
    def returned_schema(self) -> dict[str, str]:
        """The ``returnedSchemas`` item for responses of this entry type."""
        return {"entityType": self.id, "schema": self.schema_id}


ENTRY_TYPES: tuple[EntryType, ...] = (
    EntryType("individuals", "individual", "Individual", "individual", "NCIT:C25190", "Person",
              "A human being; here one person of a national cohort (pseudonymous).",
              lookups=("biosamples", "g_variants")),
    EntryType("biosamples", "biosample", "Biological Sample", "biosample", "NCIT:C70699",
              "Biospecimen", "A sample taken from an individual (one per individual here).",
              lookups=("analyses", "g_variants", "runs")),
    EntryType("g_variants", "genomicVariant", "Genomic Variants", "variant",
              "ENSGLOSSARY:0000092", "Variant",
              "A genomic allele observed in at least one individual of a dataset.",
              lookups=("biosamples", "individuals")),
    EntryType("analyses", "analysis", "Bioinformatics analysis", "analysis",
              "edam:operation_2945", "Analysis",
              "The variant-calling analysis that produced a sample's genotypes.",
              lookups=("g_variants",)),
    EntryType("runs", "run", "Sequencing run", "run", "NCIT:C148088", "Sequencing run",
              "The sequencing run of a biosample.", lookups=("analyses", "g_variants")),
    EntryType("datasets", "dataset", "Dataset", "dataset", "NCIT:C47824", "Data set",
              "A national cohort published by this node, with its data use conditions.",
              collection=True, lookups=("biosamples", "g_variants", "individuals")),
    EntryType("cohorts", "cohort", "Cohort", "cohort", "NCIT:C61512", "Cohort",
              "A group of individuals sharing a characteristic (one study cohort per dataset).",
              collection=True, lookups=("individuals",)),
)

BY_PATH: dict[str, EntryType] = {e.path: e for e in ENTRY_TYPES}
BY_ID: dict[str, EntryType] = {e.id: e for e in ENTRY_TYPES}

#: Entry types whose records are one per individual (same dense index in a dataset).
PER_INDIVIDUAL: frozenset[str] = frozenset({"individuals", "biosamples", "runs", "analyses"})
#: Entry types with a filtering_terms sub-path.
WITH_FILTERING_TERMS: frozenset[str] = frozenset({"individuals", "datasets", "cohorts"})


def entry_type(path: str) -> EntryType:
    """The entry type for a URL segment (callers only pass segments from :data:`BY_PATH`)."""
    return BY_PATH[path]

"""The Beacon v2 vocabulary onemg speaks, node and hub alike: one definition of each term.

The version, the granularities, the ``includeResultsetResponses`` values and the default-model
entry types (their URL segment, ``entityType`` id, default schema id and cross-entry lookups
from the default model's ``endpoints.json``). The node's framework documents (``/configuration``,
``/map``, ``/entry_types``) and router, and the hub's merge and metadata, are generated from here.

Standard library only: importing this loads no web stack, database or numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

from onemg.errors import NotFoundError

#: The Beacon version our requests and responses follow (the response schemas we validate
#: against). Node and hub answer with the same ``apiVersion``.
API_VERSION = "v2.0.0"
#: The version suffix of the default schema ids (``ga4gh-beacon-individual-v2.0.0``).
SCHEMA_VERSION = "v2.0.0"

#: Granularities, lowest first: a response never claims more than was asked.
GRANULARITIES: tuple[str, ...] = ("boolean", "count", "record")
#: Rank of each granularity (``min(..., key=GRANULARITY_ORDER.__getitem__)`` is the lowest).
GRANULARITY_ORDER: dict[str, int] = {g: i for i, g in enumerate(GRANULARITIES)}
#: The security level of each granularity of a dataset that names none (``dataset.json``
#: ``access``): counts are public, records controlled. Levels are ``onemg.security.TIERS``.
DEFAULT_ACCESS: dict[str, str] = {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"}
#: ``includeResultsetResponses`` values (upper case; requests are matched case-insensitively).
INCLUDE_RESULTSETS: tuple[str, ...] = ("ALL", "HIT", "MISS", "NONE")

#: Where the official schemas live (``$schema`` of configuration documents).
SCHEMA_BASE = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"
MODEL_BASE = SCHEMA_BASE + "models/json/beacon-v2-default-model/"


@dataclass(frozen=True)
class EntryType:
    """One default-model entry type."""

    path: str  # URL segment under /api, e.g. "g_variants"
    id: str  # entityType id, e.g. "genomicVariant"
    name: str
    schema_name: str  # as in ga4gh-beacon-<schema_name>-v2.0.0
    model_dir: str  # folder of the default model, e.g. "genomicVariations"
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
    def schema_url(self) -> str:
        """Where the default schema is published."""
        return MODEL_BASE + f"{self.model_dir}/defaultSchema.json"

    @property
    def returned_schema(self) -> dict[str, str]:
        """The ``returnedSchemas`` item for responses of this entry type."""
        return {"entityType": self.id, "schema": self.schema_id}


ENTRY_TYPES: tuple[EntryType, ...] = (
    EntryType(
        "individuals",
        "individual",
        "Individual",
        "individual",
        "individuals",
        "NCIT:C25190",
        "Person",
        "A human being; here one person of a national cohort (pseudonymous).",
        lookups=("biosamples", "g_variants"),
    ),
    EntryType(
        "biosamples",
        "biosample",
        "Biological Sample",
        "biosample",
        "biosamples",
        "NCIT:C70699",
        "Biospecimen",
        "A sample taken from an individual (one per individual here).",
        lookups=("analyses", "g_variants", "runs"),
    ),
    EntryType(
        "g_variants",
        "genomicVariant",
        "Genomic Variants",
        "variant",
        "genomicVariations",
        "ENSGLOSSARY:0000092",
        "Variant",
        "A genomic allele observed in at least one individual of a dataset.",
        lookups=("biosamples", "individuals"),
    ),
    EntryType(
        "analyses",
        "analysis",
        "Bioinformatics analysis",
        "analysis",
        "analyses",
        "edam:operation_2945",
        "Analysis",
        "The variant-calling analysis that produced a sample's genotypes.",
        lookups=("g_variants",),
    ),
    EntryType(
        "runs",
        "run",
        "Sequencing run",
        "run",
        "runs",
        "NCIT:C148088",
        "Sequencing run",
        "The sequencing run of a biosample.",
        lookups=("analyses", "g_variants"),
    ),
    EntryType(
        "datasets",
        "dataset",
        "Dataset",
        "dataset",
        "datasets",
        "NCIT:C47824",
        "Data set",
        "A national cohort published by this node, with its data use conditions.",
        collection=True,
        lookups=("biosamples", "g_variants", "individuals"),
    ),
    EntryType(
        "cohorts",
        "cohort",
        "Cohort",
        "cohort",
        "cohorts",
        "NCIT:C61512",
        "Cohort",
        "A group of individuals sharing a characteristic (one study cohort per dataset).",
        collection=True,
        lookups=("individuals",),
    ),
)

BY_PATH: dict[str, EntryType] = {e.path: e for e in ENTRY_TYPES}
BY_ID: dict[str, EntryType] = {e.id: e for e in ENTRY_TYPES}
#: Entry types with a filtering_terms sub-path.
WITH_FILTERING_TERMS: frozenset[str] = frozenset({"individuals", "datasets", "cohorts"})


def entry_type(path: str) -> EntryType:
    """The entry type for a URL segment (callers only pass segments from :data:`BY_PATH`)."""
    return BY_PATH[path]


@dataclass(frozen=True)
class EntryPath:
    """A Beacon entry endpoint below ``/api``: what it returns, and the record it starts from."""

    path: str
    #: The entry type the endpoint returns (``biosamples`` for ``individuals/ID/biosamples``).
    target: EntryType
    #: The entry type of ``ID`` in ``/{source}/{ID}[/...]``, or ``None`` at a root endpoint.
    source: EntryType | None = None

    @property
    def is_collection(self) -> bool:
        """True for the datasets and cohorts roots (answers carry ``collections``)."""
        return self.source is None and self.target.collection


def resolve_entry_path(path: str) -> EntryPath:
    """Resolve ``path`` (below ``/api``) to an entry endpoint, exactly as a node routes it.

    Raises:
        NotFoundError: not an entry endpoint of the Beacon (the message lists the roots).
    """
    path = path.strip("/")
    parts = path.split("/")
    root = BY_PATH.get(parts[0])
    if root is not None and all(parts):
        if len(parts) == 1:
            return EntryPath(path, root)
        if len(parts) == 2:
            return EntryPath(path, root, root)
        if len(parts) == 3 and parts[2] in root.lookups:
            return EntryPath(path, BY_PATH[parts[2]], root)
    raise NotFoundError(
        f"/api/{path} is not a Beacon entry endpoint; query one of "
        + ", ".join(f"/api/{e.path}" for e in ENTRY_TYPES)
        + " (and /{id} or /{id}/<lookup> below them, see /api/map)"
    )

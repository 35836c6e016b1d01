"""SQL tables of the catalogue (SQLAlchemy Core on the shared declarative metadata).

Every row below ``cat_dataset_versions`` is scoped by the integer ``vid`` of one dataset version,
so a new version is written beside the old one and published by switching
``cat_datasets.current_version`` in one short transaction. Migration ``0001_catalogue`` creates
exactly these tables; change both together.

Descendant-term filters are one indexed lookup: ``cat_term_closure`` holds, for every term
annotated in a version, one row per ancestor (the term itself included), keyed by
``(vid, ancestor, term)``; ``cat_annotations`` is indexed so that ``(vid, term)`` finds
individuals. Broad ancestors (many members) also get a precomputed bitset in
``cat_term_bitsets``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from onemg.db import Base

_meta = Base.metadata


def _vid() -> Column:
    return Column("vid", Integer, ForeignKey("cat_dataset_versions.vid", ondelete="CASCADE"),
                  primary_key=True)


datasets = Table(
    "cat_datasets", _meta,
    Column("id", String(200), primary_key=True),
    Column("current_version", String(100), nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
)

dataset_versions = Table(
    "cat_dataset_versions", _meta,
    Column("vid", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", String(200), ForeignKey("cat_datasets.id", ondelete="CASCADE"),
           nullable=False),
    Column("version", String(100), nullable=False),
    #: staged -> published -> superseded
    Column("state", String(16), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("n_individuals", Integer, nullable=False),
    Column("data_path", String(1000), nullable=False),
    Column("country", String(8), nullable=True),
    Column("descriptor", JSON, nullable=False),
    UniqueConstraint("dataset_id", "version", name="uq_cat_dataset_versions_dataset_version"),
    # Never reuse a vid: caches in long-running processes are keyed by it.
    sqlite_autoincrement=True,
)

individuals = Table(
    "cat_individuals", _meta,
    _vid(),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("id", String(200), nullable=False),
    Column("sex", String(8), nullable=False),
    Column("year_of_birth", Integer, nullable=True),
    Column("country", String(8), nullable=True),
    Index("ix_cat_individuals_vid_id", "vid", "id", unique=True),
)

biosamples = Table(
    "cat_biosamples", _meta,
    _vid(),
    Column("id", String(200), primary_key=True),
    Column("idx", Integer, nullable=False),
    Column("tissue_id", String(64), nullable=True),
    Column("tissue_label", String(200), nullable=True),
    Column("sample_type_id", String(64), nullable=True),
    Column("sample_type_label", String(200), nullable=True),
    Column("collection_date", String(10), nullable=True),
    Index("ix_cat_biosamples_vid_idx", "vid", "idx"),
)

runs = Table(
    "cat_runs", _meta,
    _vid(),
    Column("id", String(200), primary_key=True),
    Column("idx", Integer, nullable=False),
    Column("biosample_id", String(200), nullable=False),
    Column("platform", String(200), nullable=True),
    Column("run_date", String(10), nullable=True),
    Index("ix_cat_runs_vid_idx", "vid", "idx"),
)

analyses = Table(
    "cat_analyses", _meta,
    _vid(),
    Column("id", String(200), primary_key=True),
    Column("idx", Integer, nullable=False),
    Column("biosample_id", String(200), nullable=False),
    Column("run_id", String(200), nullable=False),
    Column("pipeline", String(200), nullable=True),
    Column("analysis_date", String(10), nullable=True),
    Column("assembly", String(32), nullable=True),
    Column("file_uri", String(1000), nullable=True),
    Column("file_format", String(32), nullable=True),
    Index("ix_cat_analyses_vid_idx", "vid", "idx"),
)

#: Diseases (kind ``disease``) and phenotypic features (kind ``feature``) per individual.
annotations = Table(
    "cat_annotations", _meta,
    _vid(),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(8), primary_key=True),
    Column("term", String(64), primary_key=True),
    Column("onset_years", Float, nullable=True),
    Index("ix_cat_annotations_vid_term_idx", "vid", "term", "idx"),
)

#: Terms annotated in a version and all their ancestors, with labels.
terms = Table(
    "cat_terms", _meta,
    _vid(),
    Column("term", String(64), primary_key=True),
    Column("label", String(500), nullable=False),
    #: True for terms some individual is annotated with (what filtering_terms lists).
    Column("annotated", Boolean, nullable=False),
    Column("kind", String(8), nullable=True),
)

term_closure = Table(
    "cat_term_closure", _meta,
    _vid(),
    Column("ancestor", String(64), primary_key=True),
    Column("term", String(64), primary_key=True),
)

#: Precomputed members of the ancestors that cover many individuals: for those, one row read
#: replaces probing the annotation index once per member. ``bits`` is a packed little-endian
#: bitset (as IndividualSet, ``ceil(n / 8)`` bytes) for broad ancestors, and a sorted ``<i4``
#: list of indices (always shorter) for mid-size ones (``rows.LIST_MIN_MEMBERS`` and up).
term_bitsets = Table(
    "cat_term_bitsets", _meta,
    _vid(),
    Column("ancestor", String(64), primary_key=True),
    Column("members", Integer, nullable=False),
    Column("bits", LargeBinary, nullable=False),
)

#: Child tables in the order rows must be deleted (before their dataset version).
VERSION_TABLES = (term_bitsets, term_closure, terms, annotations, analyses, runs, biosamples,
                  individuals)

"""Catalogue: datasets, versions, individuals, biosamples, runs, analyses, annotations, terms.

Written by hand to match ``onemg/catalogue/tables.py``; runs on SQLite and PostgreSQL.

Revision ID: 0001_catalogue
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_catalogue"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cat_datasets",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("current_version", sa.String(100), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cat_datasets"),
    )
    op.create_table(
        "cat_dataset_versions",
        sa.Column("vid", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_individuals", sa.Integer, nullable=False),
        sa.Column("data_path", sa.String(1000), nullable=False),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("descriptor", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("vid", name="pk_cat_dataset_versions"),
        sa.ForeignKeyConstraint(["dataset_id"], ["cat_datasets.id"], ondelete="CASCADE",
                                name="fk_cat_dataset_versions_dataset_id_cat_datasets"),
        sa.UniqueConstraint("dataset_id", "version",
                            name="uq_cat_dataset_versions_dataset_version"),
        # Never reuse a vid (SQLite would reuse the largest after a delete): caches key on it.
        sqlite_autoincrement=True,
    )

    def versioned(name: str, *columns: sa.Column, pk: tuple[str, ...]) -> None:
        op.create_table(
            name,
            sa.Column("vid", sa.Integer, nullable=False),
            *columns,
            sa.PrimaryKeyConstraint(*pk, name=f"pk_{name}"),
            sa.ForeignKeyConstraint(["vid"], ["cat_dataset_versions.vid"], ondelete="CASCADE",
                                    name=f"fk_{name}_vid_cat_dataset_versions"),
        )

    versioned(
        "cat_individuals",
        sa.Column("idx", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("year_of_birth", sa.Integer, nullable=True),
        sa.Column("country", sa.String(8), nullable=True),
        pk=("vid", "idx"),
    )
    op.create_index("ix_cat_individuals_vid_id", "cat_individuals", ["vid", "id"], unique=True)
    versioned(
        "cat_biosamples",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("tissue_id", sa.String(64), nullable=True),
        sa.Column("tissue_label", sa.String(200), nullable=True),
        sa.Column("sample_type_id", sa.String(64), nullable=True),
        sa.Column("sample_type_label", sa.String(200), nullable=True),
        sa.Column("collection_date", sa.String(10), nullable=True),
        pk=("vid", "id"),
    )
    op.create_index("ix_cat_biosamples_vid_idx", "cat_biosamples", ["vid", "idx"])
    versioned(
        "cat_runs",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("biosample_id", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(200), nullable=True),
        sa.Column("run_date", sa.String(10), nullable=True),
        pk=("vid", "id"),
    )
    op.create_index("ix_cat_runs_vid_idx", "cat_runs", ["vid", "idx"])
    versioned(
        "cat_analyses",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("biosample_id", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(200), nullable=False),
        sa.Column("pipeline", sa.String(200), nullable=True),
        sa.Column("analysis_date", sa.String(10), nullable=True),
        sa.Column("assembly", sa.String(32), nullable=True),
        sa.Column("file_uri", sa.String(1000), nullable=True),
        sa.Column("file_format", sa.String(32), nullable=True),
        pk=("vid", "id"),
    )
    op.create_index("ix_cat_analyses_vid_idx", "cat_analyses", ["vid", "idx"])
    versioned(
        "cat_annotations",
        sa.Column("idx", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("onset_years", sa.Float, nullable=True),
        pk=("vid", "idx", "kind", "term"),
    )
    op.create_index("ix_cat_annotations_vid_term_idx", "cat_annotations",
                    ["vid", "term", "idx"])
    versioned(
        "cat_terms",
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("label", sa.String(500), nullable=False),
        sa.Column("annotated", sa.Boolean, nullable=False),
        sa.Column("kind", sa.String(8), nullable=True),
        pk=("vid", "term"),
    )
    versioned(
        "cat_term_closure",
        sa.Column("ancestor", sa.String(64), nullable=False),
        sa.Column("term", sa.String(64), nullable=False),
        pk=("vid", "ancestor", "term"),
    )
    versioned(
        "cat_term_bitsets",
        sa.Column("ancestor", sa.String(64), nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("bits", sa.LargeBinary, nullable=False),
        pk=("vid", "ancestor"),
    )


def downgrade() -> None:
    for name in ("cat_term_bitsets", "cat_term_closure", "cat_terms", "cat_annotations",
                 "cat_analyses", "cat_runs", "cat_biosamples", "cat_individuals",
                 "cat_dataset_versions", "cat_datasets"):
        op.drop_table(name)

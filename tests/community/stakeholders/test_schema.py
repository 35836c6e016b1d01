"""Migration 0010_stakeholders creates exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from onemg.community.stakeholders import models  # noqa: F401  (registers the tables)
from onemg.db import Base, open_database


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = open_database(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()

    ours = [c for c in diff if "stk_" in repr(c)]
    assert ours == [], ours

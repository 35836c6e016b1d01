"""Fixtures shared by the whole suite."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgcluster import PgCluster

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """The official Beacon v2 + VRS 1.3 JSON schemas (never fetched from the network)."""
    path = SHARED / "spec"
    if not path.exists():
        pytest.fail(f"Beacon v2 schemas not found at {path}; the suite expects ../shared/spec")
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One real PostgreSQL server for the whole session."""
    cluster = PgCluster()
    cluster.start()
    yield cluster
    cluster.stop()


_db_counter = itertools.count()


@pytest.fixture
def postgres_url(pg_cluster: PgCluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return pg_cluster.create_database(f"t{next(_db_counter)}")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test against SQLite and against a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")

"""Fixtures shared by the whole suite."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgcluster import PgCluster

#: The browser fixture (Debian's Chromium through Playwright) and the local SMTP server.
pytest_plugins = ["tests.browser", "tests.mailserver"]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    """The official Beacon v2 + VRS 1.3 JSON schemas vendored in the package (never fetched)."""
    from tests.beacon_schema import SPEC_DIR

    return SPEC_DIR


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One real PostgreSQL server for the whole session."""
    cluster = PgCluster()
    cluster.start()
    yield cluster
    cluster.stop()


_db_counter = itertools.count()


@pytest.fixture(scope="session", autouse=True)
def _k_floor_profile() -> Iterator[None]:
    """Nodes built by the loader (and node processes) run today's k floor, not the default
    ``budget+perturb`` profile: the suite tests exact Beacon behaviour everywhere but in
    tests/privacy, whose tests set their privacy settings explicitly (docs/privacy.md)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("ONEMG_PRIVACY_PROFILE", "k-floor")
    yield
    mp.undo()


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


@pytest.fixture(scope="session")
def synth_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic cohort, made once per session: FI, EE, PT x 150 individuals, seed 7.

    Returns the output folder; each country is in ``<path>/<cc>/`` (genotypes.vcf.gz + .tbi,
    individuals.jsonl, dataset.json, truth/). Dataset ids: synth-fi-s7, synth-ee-s7, synth-pt-s7.
    Treat it as read-only: other tests share it.
    """
    from onemg.synth import synthesize

    out = tmp_path_factory.mktemp("synth_cohort")
    # workers=1: no fork inside a test process that may run server threads (same output).
    synthesize(out, countries=["FI", "EE", "PT"], individuals=150, seed=7, workers=1)
    return out

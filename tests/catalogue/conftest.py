"""Fixtures for catalogue tests: a random FI cohort staged and published on SQLite/PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from onemg.catalogue import Catalogue, IndividualRecord, parse_phenopacket_lines
from onemg.db import make_engine, migrate
from onemg.ontology import Ontology, load_ontology
from tests.catalogue.cohort import cohort_lines, descriptor

YEAR = 2026
N_FI = 300


@pytest.fixture(scope="module")
def onto() -> Ontology:
    return load_ontology()


@pytest.fixture(scope="module")
def fi_records() -> list[IndividualRecord]:
    return parse_phenopacket_lines(cohort_lines("FI-s1", N_FI, seed=11))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


def sample_order(records: list[IndividualRecord], seed: int) -> list[str]:
    """VCF sample order differs from the metadata order; plus two samples without metadata."""
    ids = [r.id for r in records] + ["FI-nometa-1", "FI-nometa-2"]
    random.Random(seed).shuffle(ids)
    return ids


@pytest.fixture
def catalogue(engine: Engine, fi_records: list[IndividualRecord], onto: Ontology) -> Catalogue:
    # A low bitset threshold so that broad terms take the precomputed-bitset path and
    # rarer ones the index path: the random-filter tests check both.
    cat = Catalogue(engine, ontology=onto, current_year=YEAR, bitset_min_members=25)
    cat.stage_version(descriptor("synth-fi", "FI"), version="v1", records=fi_records,
                      sample_ids=sample_order(fi_records, 1), data_path="/data/fi/v1")
    cat.publish_version("synth-fi", "v1")
    return cat



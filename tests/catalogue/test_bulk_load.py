"""PostgreSQL COPY loading stores exactly the rows that row inserts store (real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from onemg.catalogue import Catalogue, IndividualRecord
from onemg.catalogue import tables as t
from onemg.catalogue.queries import bulk_insert
from onemg.catalogue.rows import build_rows
from onemg.db import make_engine, migrate
from onemg.ontology import Ontology
from tests.catalogue.conftest import sample_order

pytestmark = pytest.mark.postgres

TABLES = {
    "individuals": t.individuals,
    "biosamples": t.biosamples,
    "runs": t.runs,
    "analyses": t.analyses,
    "annotations": t.annotations,
    "terms": t.terms,
    "closure": t.term_closure,
    "bitsets": t.term_bitsets,
}


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    eng = make_engine(postgres_url)
    migrate(eng)
    yield eng
    eng.dispose()


def _version(conn, vid: int) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    if conn.execute(select(t.datasets.c.id)).first() is None:
        conn.execute(insert(t.datasets).values(id="d", created=datetime.now(UTC)))
    conn.execute(
        insert(t.dataset_versions).values(
            vid=vid,
            dataset_id="d",
            version=f"v{vid}",
            state="staged",
            created=datetime.now(UTC),
            n_individuals=0,
            data_path="x",
            descriptor={},
        )
    )


def _rows(conn, table, vid: int) -> list[tuple]:  # noqa: ANN001
    cols = [c for c in table.columns if c.name != "vid"]
    return sorted(tuple(r) for r in conn.execute(select(*cols).where(table.c.vid == vid)))


def test_copy_stores_the_same_rows_as_inserts(
    pg: Engine, fi_records: list[IndividualRecord], onto: Ontology
) -> None:
    # A low bitset threshold so that bitset rows (bytea) are part of the comparison.
    rows = build_rows(fi_records, sample_order(fi_records, 1), "FI", onto, bitset_min_members=25)
    with pg.begin() as conn:
        _version(conn, 1)
        _version(conn, 2)
        for name, table in TABLES.items():
            bulk_insert(conn, table, 1, getattr(rows, name), method="insert")
            bulk_insert(conn, table, 2, getattr(rows, name), method="copy")
    with pg.connect() as conn:
        for name, table in TABLES.items():
            by_insert, by_copy = _rows(conn, table, 1), _rows(conn, table, 2)
            assert by_copy == by_insert, name
            assert len(by_copy) == len(getattr(rows, name)) > 0, name
    # NULLs, floats, booleans and bytes went through COPY's text format unchanged.
    assert any(r["year_of_birth"] is None for r in rows.individuals)
    assert any(r["onset_years"] is not None for r in rows.annotations)


def test_catalogue_on_postgres_answers_like_sqlite(
    pg: Engine, fi_records: list[IndividualRecord], onto: Ontology, tmp_path: Path
) -> None:
    """The Catalogue loads PostgreSQL by COPY (method "auto") and SQLite by inserts."""
    from onemg.catalogue import OntologyFilter

    lite = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    migrate(lite)
    answers = []
    for engine in (pg, lite):
        cat = Catalogue(engine, ontology=onto, bitset_min_members=25)
        cat.stage_version(
            {"id": "d", "country": "FI"},
            version="v1",
            records=fi_records,
            sample_ids=sample_order(fi_records, 1),
            data_path="x",
        )
        cat.publish_version("d", "v1")
        answers.append(
            [
                cat.individual_set("d", [OntologyFilter(term)]).indices.tolist()
                for term in ("HP:0000118", "HP:0001250", "ICD10:IV", "ICD10:E84")
            ]
        )
    lite.dispose()
    assert answers[0] == answers[1]
    assert all(answers[0])


def test_copy_refuses_sqlite(tmp_path: Path) -> None:
    lite = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    migrate(lite)
    with lite.begin() as conn, pytest.raises(ValueError, match="COPY needs PostgreSQL"):
        bulk_insert(
            conn,
            t.terms,
            1,
            [{"term": "x", "label": "x", "annotated": True, "kind": None}],
            method="copy",
        )
    lite.dispose()

"""Catalogue store on real SQLite and PostgreSQL: filters vs. an independent computation,
version lifecycle, records, filtering terms."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sqlalchemy import Engine

from onemg.catalogue import (
    AlphanumericFilter,
    Catalogue,
    CustomFilter,
    IndividualRecord,
    OntologyFilter,
    UnknownFilterError,
    parse_phenopacket_lines,
)
from onemg.errors import ConflictError, InvalidInputError, NotFoundError
from onemg.ontology import Ontology
from tests.catalogue.cohort import cohort_lines, descriptor
from tests.catalogue.conftest import N_FI, YEAR, sample_order
from tests.catalogue.truth import random_filter, truth


def test_random_filters_match_independent_computation(
    catalogue: Catalogue, fi_records: list[IndividualRecord], onto: Ontology
) -> None:
    order = sample_order(fi_records, 1)
    by_id = {r.id: r for r in fi_records}
    recs = [by_id.get(sid) for sid in order]
    rng = random.Random(12)
    nonempty = 0
    for _ in range(120):
        filters = [random_filter(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
        got = catalogue.individual_set("synth-fi", filters)
        expected = [
            i for i, rec in enumerate(recs) if all(truth(f, rec, onto, "FI") for f in filters)
        ]
        assert got.n == len(order)
        assert got.indices.tolist() == expected, filters
        nonempty += bool(expected)
    assert nonempty > 30  # the random filters are not trivially empty


@pytest.mark.parametrize(
    "value", ["UBERON:0000178", "blood", "BLOOD", "UBERON:0001836", "saliva", "UBERON:9999999"]
)
def test_tissue_filter_matches_truth(
    catalogue: Catalogue, fi_records: list[IndividualRecord], onto: Ontology, value: str
) -> None:
    """The documented ``tissue:<id or label>`` filter (docs/catalogue.md), alone and combined."""
    order = sample_order(fi_records, 1)
    by_id = {r.id: r for r in fi_records}
    recs = [by_id.get(sid) for sid in order]
    f = CustomFilter(f"tissue:{value}")
    expected = [i for i, rec in enumerate(recs) if truth(f, rec, onto, "FI")]
    assert catalogue.individual_set("synth-fi", [f]).indices.tolist() == expected
    if value != "UBERON:9999999":
        # Each tissue is someone's and nobody's all: the filter really selects.
        assert 0 < len(expected) < len(fi_records)
    female = OntologyFilter("NCIT:C16576")
    both = [i for i in expected if truth(female, recs[i], onto, "FI")]
    assert catalogue.individual_set("synth-fi", [f, female]).indices.tolist() == both


def test_descendant_filters(catalogue: Catalogue, fi_records: list[IndividualRecord]) -> None:
    order = sample_order(fi_records, 1)
    child_only = [
        i
        for i, sid in enumerate(order)
        for r in fi_records
        if r.id == sid and "HP:0002069" in r.term_ids() and "HP:0001250" not in r.term_ids()
    ]
    assert child_only, "the random cohort should have someone annotated only with a child term"
    parent = catalogue.individual_set("synth-fi", [OntologyFilter("HP:0001250")])
    direct = catalogue.individual_set("synth-fi", [OntologyFilter("HP:0001250", False)])
    assert all(i in parent and i not in direct for i in child_only)
    block = catalogue.individual_set("synth-fi", [OntologyFilter("ICD10:E70-E90")])
    cf = catalogue.individual_set("synth-fi", [OntologyFilter("ICD10:E84")])
    assert len(cf) > 0
    assert (cf - block) == cf - cf
    # ICD10:E840 is understood as ICD10:E84.0.
    assert catalogue.individual_set(
        "synth-fi", [OntologyFilter("ICD10:E840")]
    ) == catalogue.individual_set("synth-fi", [OntologyFilter("ICD10:E84.0")])


def test_no_filters_and_empty(catalogue: Catalogue) -> None:
    everyone = catalogue.individual_set("synth-fi", [])
    assert len(everyone) == everyone.n == N_FI + 2
    # A real HPO term nobody has: empty, not an error.
    assert len(catalogue.individual_set("synth-fi", [OntologyFilter("HP:0001166")])) == 0


def test_unknown_filters_listed(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownFilterError) as info:
        catalogue.individual_set(
            "synth-fi",
            [
                OntologyFilter("HP:9999999"),
                OntologyFilter("MONDO:0000001"),
                AlphanumericFilter("bmi", ">", "30"),
                CustomFilter("colour:blue"),
                OntologyFilter("HP:0001250", scope="genomicVariation"),
            ],
        )
    assert info.value.ids == ["HP:9999999", "MONDO:0000001", "bmi", "colour:blue", "HP:0001250"]
    with pytest.raises(InvalidInputError, match="not a whole number"):
        catalogue.individual_set("synth-fi", [AlphanumericFilter("age", ">", "old")])
    with pytest.raises(InvalidInputError, match="operator '<'"):
        catalogue.individual_set("synth-fi", [AlphanumericFilter("country", "<", "FI")])
    with pytest.raises(NotFoundError, match="'nope' not found"):
        catalogue.individual_set("nope", [])


def test_age_accepts_iso_duration(catalogue: Catalogue) -> None:
    assert catalogue.individual_set(
        "synth-fi", [AlphanumericFilter("age", ">=", "P40Y")]
    ) == catalogue.individual_set("synth-fi", [AlphanumericFilter("age", ">=", "40")])


def test_country_across_datasets(catalogue: Catalogue, fi_records: list[IndividualRecord]) -> None:
    ee = parse_phenopacket_lines(cohort_lines("EE-s1", 40, seed=13))
    catalogue.stage_version(
        descriptor("synth-ee", "EE"),
        version="v1",
        records=ee,
        sample_ids=[r.id for r in ee],
        data_path="/data/ee/v1",
    )
    catalogue.publish_version("synth-ee", "v1")
    eq_ee = [AlphanumericFilter("country", "=", "ee")]
    assert len(catalogue.individual_set("synth-ee", eq_ee)) == 40
    assert len(catalogue.individual_set("synth-fi", eq_ee)) == 0
    assert (
        len(catalogue.individual_set("synth-fi", [AlphanumericFilter("country", "!", "EE")]))
        == N_FI + 2
    )
    strata = catalogue.strata("synth-ee")
    assert set(strata) >= {"sex:female", "sex:male", "country:EE"}
    assert sum(len(strata[k]) for k in strata if k.startswith("sex:")) == 40
    assert [d.id for d in catalogue.datasets()] == ["synth-ee", "synth-fi"]


def test_cache_returns_same_answers(catalogue: Catalogue) -> None:
    f = [OntologyFilter("HP:0001250"), AlphanumericFilter("sex", "=", "female")]
    first = catalogue.individual_set("synth-fi", f)
    assert catalogue.individual_set("synth-fi", f) == first
    assert catalogue.individual_set("synth-fi", list(reversed(f))) == first


def _mini(ids: list[str], sex: str) -> list[IndividualRecord]:
    return [IndividualRecord(id=i, sex=sex, year_of_birth=1980) for i in ids]


def test_version_lifecycle(engine: Engine, onto: Ontology) -> None:
    cat = Catalogue(engine, ontology=onto, current_year=YEAR)
    reader = Catalogue(engine, ontology=onto, current_year=YEAR)  # another worker
    desc = descriptor("ds", "PT")
    cat.stage_version(
        desc,
        version="v1",
        records=_mini(["a", "b"], "female"),
        sample_ids=["a", "b"],
        data_path="/v1",
    )
    # Staged only: invisible.
    assert cat.datasets() == []
    with pytest.raises(NotFoundError):
        reader.individual_set("ds", [])
    assert cat.stale_versions() == [("ds", "v1")]
    assert cat.publish_version("ds", "v1") is None
    assert reader.dataset("ds").version == "v1"
    assert len(reader.individual_set("ds", [OntologyFilter("NCIT:C16576")])) == 2

    cat.stage_version(
        desc,
        version="v2",
        records=_mini(["a", "b", "c"], "male"),
        sample_ids=["a", "b", "c"],
        data_path="/v2",
    )
    with pytest.raises(ConflictError, match="version v2 already exists"):
        cat.stage_version(desc, version="v2", records=[], sample_ids=["x"], data_path="/v2")
    # The old version is still served, cached sets included.
    assert reader.dataset("ds").n_individuals == 2
    assert len(reader.individual_set("ds", [OntologyFilter("NCIT:C16576")])) == 2
    assert cat.stale_versions() == [("ds", "v2")]
    assert cat.publish_version("ds", "v2") == "v1"
    info = reader.dataset("ds")
    assert (info.version, info.n_individuals, info.data_path) == ("v2", 3, "/v2")
    assert len(reader.individual_set("ds", [OntologyFilter("NCIT:C16576")])) == 0
    assert len(reader.individual_set("ds", [OntologyFilter("NCIT:C20197")])) == 3
    assert cat.stale_versions() == [("ds", "v1")]

    with pytest.raises(ConflictError, match="is the published one"):
        cat.drop_version("ds", "v2")
    cat.drop_version("ds", "v1")
    assert cat.stale_versions() == []
    with pytest.raises(NotFoundError):
        cat.drop_version("ds", "v1")
    # Rolling back to an older version is a publish too.
    cat.stage_version(
        desc, version="v3", records=_mini(["z"], "female"), sample_ids=["z"], data_path="/v3"
    )
    cat.publish_version("ds", "v3")
    assert cat.publish_version("ds", "v2") == "v3"
    assert reader.dataset("ds").version == "v2"

    cat.delete_dataset("ds")
    assert cat.datasets() == []
    assert cat.stale_versions() == []
    with pytest.raises(NotFoundError):
        reader.individual_set("ds", [])
    with pytest.raises(NotFoundError):
        cat.delete_dataset("ds")
    # A re-ingested dataset after delete is not confused with the cached old one.
    cat.stage_version(
        desc, version="v1", records=_mini(["q"], "male"), sample_ids=["q"], data_path="/v1"
    )
    cat.publish_version("ds", "v1")
    assert len(reader.individual_set("ds", [OntologyFilter("NCIT:C20197")])) == 1


def test_stage_is_one_transaction(
    engine: Engine, onto: Ontology, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onemg.catalogue.store as store

    real = store.build_rows

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        rows = real(*args, **kwargs)
        rows.closure.append(dict(rows.closure[0]))  # duplicate primary key, written last
        return rows

    monkeypatch.setattr(store, "build_rows", broken)
    cat = Catalogue(engine, ontology=onto)
    recs = parse_phenopacket_lines(cohort_lines("PT", 30, seed=14))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        cat.stage_version(
            descriptor("pt", "PT"),
            version="v1",
            records=recs,
            sample_ids=[r.id for r in recs],
            data_path="/pt",
        )
    assert cat.stale_versions() == []
    assert cat.datasets() == []


def test_stage_rejects_bad_input(engine: Engine, onto: Ontology) -> None:
    cat = Catalogue(engine, ontology=onto)
    with pytest.raises(InvalidInputError, match="name no genotyped sample"):
        cat.stage_version(
            descriptor("x", "FI"),
            version="v1",
            records=_mini(["a"], "male"),
            sample_ids=["b"],
            data_path="/x",
        )
    with pytest.raises(InvalidInputError, match="sample ids repeat"):
        cat.stage_version(
            descriptor("x", "FI"), version="v1", records=[], sample_ids=["b", "b"], data_path="/x"
        )
    with pytest.raises(InvalidInputError, match="'id' missing"):
        cat.stage_version({}, version="v1", records=[], sample_ids=["b"], data_path="/x")


def test_index_of(catalogue: Catalogue, fi_records: list[IndividualRecord]) -> None:
    order = sample_order(fi_records, 1)
    rec = fi_records[5]
    i = order.index(rec.id)
    assert catalogue.index_of("synth-fi", "individual", rec.id) == i
    assert catalogue.index_of("synth-fi", "biosample", rec.biosample.id) == i
    assert catalogue.index_of("synth-fi", "run", rec.sequencing.run_id) == i
    assert catalogue.index_of("synth-fi", "analysis", rec.sequencing.analysis_id) == i
    with pytest.raises(NotFoundError, match="no individual with id 'nobody'"):
        catalogue.index_of("synth-fi", "individual", "nobody")
    with pytest.raises(InvalidInputError, match="entry type 'variant'"):
        catalogue.index_of("synth-fi", "variant", "x")


def test_filtering_terms(catalogue: Catalogue, fi_records: list[IndividualRecord]) -> None:
    terms = {t["id"]: t for t in catalogue.filtering_terms("synth-fi")}
    present = {tid for r in fi_records for tid in r.term_ids()}
    ontology_ids = {k for k, v in terms.items() if v["type"] == "ontologyTerm"}
    assert present <= ontology_ids
    assert {"NCIT:C16576", "NCIT:C20197", "UBERON:0000178"} <= ontology_ids
    assert terms["yearOfBirth"]["type"] == "alphanumeric"
    assert terms["country"]["values"] == ["FI"]
    assert terms["UBERON:0000178"]["scopes"] == ["biosample"]
    assert any(k.startswith("sampleType:") for k in terms)
    # Every listed term is usable as a filter.
    for t in terms.values():
        if t["type"] == "ontologyTerm":
            catalogue.individual_set("synth-fi", [OntologyFilter(t["id"])])
        elif t["type"] == "custom":
            assert len(catalogue.individual_set("synth-fi", [CustomFilter(t["id"])])) > 0
    assert catalogue.filtering_terms() == catalogue.filtering_terms("synth-fi")


def test_records_roundtrip(catalogue: Catalogue, fi_records: list[IndividualRecord]) -> None:
    order = sample_order(fi_records, 1)
    by_id = {r.id: r for r in fi_records}
    indices = list(np.random.default_rng(15).choice(len(order), 40, replace=False))
    individuals = catalogue.individual_records("synth-fi", indices)
    assert [r["id"] for r in individuals] == [order[i] for i in indices]
    for record in individuals:
        rec = by_id.get(record["id"])
        expected_sex = rec.sex if rec else "unknown"
        assert record["sex"]["label"] == expected_sex
        if rec is None:
            continue
        assert sorted(d["diseaseCode"]["id"] for d in record.get("diseases", [])) == sorted(
            {a.term_id for a in rec.diseases}
        )
        assert sorted(
            f["featureType"]["id"] for f in record.get("phenotypicFeatures", [])
        ) == sorted({a.term_id for a in rec.features})
    bios = catalogue.biosample_records("synth-fi", indices)
    assert {b["individualId"] for b in bios} == {order[i] for i in indices} - {
        "FI-nometa-1",
        "FI-nometa-2",
    }
    with pytest.raises(InvalidInputError, match="out of range"):
        catalogue.individual_records("synth-fi", [N_FI + 2])


def test_descendant_filter_is_an_index_lookup(catalogue: Catalogue, engine: Engine) -> None:
    from onemg.catalogue.queries import term_statement

    if engine.dialect.name != "sqlite":
        pytest.skip("query plans of tiny PostgreSQL tables are sequential scans by design")
    stmt = term_statement(1, "HP:0001250", include_descendants=True)
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_cat_annotations_vid_term_idx (vid=? AND term=?)" in plan, plan
    assert "pk_cat_term_closure" in plan or "(vid=? AND ancestor=?)" in plan, plan
    assert "SCAN" not in plan, plan


def test_small_cache_gives_same_answers(
    engine: Engine, catalogue: Catalogue, onto: Ontology
) -> None:
    tiny = Catalogue(engine, ontology=onto, current_year=YEAR, cache_size=2, cache_bytes=100)
    rng = random.Random(30)
    for _ in range(30):
        filters = [random_filter(rng) for _ in range(2)]
        assert tiny.individual_set("synth-fi", filters) == catalogue.individual_set(
            "synth-fi", filters
        )
    assert len(tiny._sets) <= 2


def test_broad_terms_have_bitsets(catalogue: Catalogue, engine: Engine) -> None:
    from sqlalchemy import select

    from onemg.catalogue import tables as t

    with engine.connect() as conn:
        rows = conn.execute(select(t.term_bitsets.c.ancestor, t.term_bitsets.c.members)).all()
        ancestors = set(conn.execute(select(t.term_closure.c.ancestor).distinct()).scalars())
    stored = dict(rows)
    assert "HP:0000118" in stored
    assert all(m >= 25 for m in stored.values())
    for ancestor, members in stored.items():
        assert len(catalogue.individual_set("synth-fi", [OntologyFilter(ancestor)])) == members
    # Rare terms are not stored; they are answered from the index.
    assert ancestors - set(stored)


def test_member_lists_and_bitsets_answer_like_the_index(
    engine: Engine,
    fi_records: list[IndividualRecord],
    onto: Ontology,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Mid-size ancestors stored as int32 member lists, broad ones as bitsets, rare ones not at
    all: every filter answers as the independent computation says."""
    from sqlalchemy import func, select

    from onemg.catalogue import rows as rows_module
    from onemg.catalogue import tables as t

    monkeypatch.setattr(rows_module, "LIST_MIN_MEMBERS", 5)
    cat = Catalogue(engine, ontology=onto, current_year=YEAR, bitset_min_members=60)
    order = sample_order(fi_records, 1)
    cat.stage_version(
        descriptor("synth-fi", "FI"),
        version="v1",
        records=fi_records,
        sample_ids=order,
        data_path="/d",
    )
    cat.publish_version("synth-fi", "v1")
    n = len(order)
    with engine.connect() as conn:
        stored = conn.execute(
            select(
                t.term_bitsets.c.ancestor,
                t.term_bitsets.c.members,
                func.length(t.term_bitsets.c.bits),
            )
        ).all()
    kinds = {"bitset" if size == (n + 7) // 8 else "list" for _, _, size in stored}
    assert kinds == {"bitset", "list"}
    for _, members, size in stored:
        assert (
            members >= 60 if size == (n + 7) // 8 else (5 <= members < 60 and size == 4 * members)
        )
    by_id = {r.id: r for r in fi_records}
    recs = [by_id.get(sid) for sid in order]
    for ancestor, _, _ in stored:
        got = cat.individual_set("synth-fi", [OntologyFilter(ancestor)]).indices.tolist()
        f = OntologyFilter(ancestor)
        assert got == [i for i, rec in enumerate(recs) if truth(f, rec, onto, "FI")], ancestor

"""Ontology look-ups: labels, hierarchy, validation, DUO."""

from __future__ import annotations

import pytest

from onemg.errors import InvalidInputError, NotFoundError
from onemg.ontology import (
    Ontology,
    duo_ancestors,
    duo_term,
    duo_terms,
    load_ontology,
    validate_terms,
)


@pytest.fixture(scope="module")
def onto() -> Ontology:
    return load_ontology()


def test_load_ontology_is_one_object_per_process() -> None:
    assert load_ontology() is load_ontology()


def test_hpo_labels_and_hierarchy(onto: Ontology) -> None:
    assert onto.label("HP:0001250") == "Seizure"
    anc = onto.ancestors("HP:0001250")
    assert {"HP:0001250", "HP:0000118", "HP:0000001"} <= anc
    # Bilateral tonic-clonic seizure is below Seizure; Seizure is not below it.
    assert "HP:0002069" in onto.descendants("HP:0001250")
    assert "HP:0001250" in onto.ancestors("HP:0002069")
    assert "HP:0001250" not in onto.descendants("HP:0002069")
    # descendants and ancestors agree on the whole subtree (independent code paths).
    for child in onto.descendants("HP:0001250"):
        assert "HP:0001250" in onto.ancestors(child)


def test_icd10_hierarchy_and_spelling(onto: Ontology) -> None:
    assert onto.label("ICD10:E84.0") == "Cystic fibrosis with pulmonary manifestations"
    assert onto.ancestors("ICD10:E84.0") == {
        "ICD10:E84.0",
        "ICD10:E84",
        "ICD10:E70-E90",
        "ICD10:IV",
    }
    assert {"ICD10:E84.0", "ICD10:E84.9"} <= onto.descendants("ICD10:E70-E90")
    assert onto.normalize("ICD10:E840") == "ICD10:E84.0"
    assert onto.normalize("ICD10:e84.0") == "ICD10:E84.0"
    assert onto.normalize("ICD10:E70-E90") == "ICD10:E70-E90"


def test_flat_ontologies(onto: Ontology) -> None:
    assert onto.label("ORPHA:586") == "Cystic fibrosis"
    assert onto.ancestors("ORPHA:586") == {"ORPHA:586"}
    assert onto.ancestors("UBERON:0000178") == {"UBERON:0000178"}
    assert onto.label("NCIT:C16576") == "female"
    assert onto.label("NCIT:C20197") == "male"


def test_normalize_rejects_unsupported_and_malformed(onto: Ontology) -> None:
    with pytest.raises(InvalidInputError, match="unsupported ontology prefix 'MONDO'"):
        onto.normalize("MONDO:0000001")
    with pytest.raises(InvalidInputError, match="'HP:12' is malformed"):
        onto.normalize("HP:12")


def test_validate_terms_lists_every_problem(onto: Ontology) -> None:
    ids = [
        "HP:0001250",
        "HP:0000057",
        "HP:9999999",
        "ICD10:E840",
        "ICD10:Z99.99",
        "ORPHA:586",
        "FOO:1",
        "HP:12",
        "HP:0000057",
    ]
    problems = {p.term: p for p in validate_terms(ids, onto)}
    assert set(problems) == {
        "HP:0000057",
        "HP:9999999",
        "ICD10:E840",
        "ICD10:Z99.99",
        "FOO:1",
        "HP:12",
    }
    assert problems["HP:0000057"].kind == "obsolete"
    assert problems["HP:0000057"].replacement == "HP:0008665"
    assert "replace it with HP:0008665" in problems["HP:0000057"].message
    assert problems["HP:9999999"].kind == "unknown"
    assert problems["ICD10:E840"].kind == "non-canonical"
    assert problems["ICD10:E840"].replacement == "ICD10:E84.0"
    assert problems["ICD10:Z99.99"].kind == "unknown"
    assert problems["FOO:1"].kind == "unsupported"
    assert problems["HP:12"].kind == "malformed"
    assert validate_terms(["HP:0001250", "ICD10:E84.0", "ORPHA:586", "UBERON:0000178"]) == []


def test_duo_table() -> None:
    assert duo_term("DUO:0000042").label == "general research use"
    assert duo_term("DUO:0000042").shorthand == "GRU"
    assert duo_ancestors("DUO:0000007") == {
        "DUO:0000007",
        "DUO:0000006",
        "DUO:0000042",
        "DUO:0000001",
    }
    assert duo_ancestors("DUO:0000007", include_self=False) == {
        "DUO:0000006",
        "DUO:0000042",
        "DUO:0000001",
    }
    assert duo_ancestors("DUO:0000045") == {"DUO:0000045", "DUO:0000018", "DUO:0000017"}
    ids = {t.id for t in duo_terms()}
    # Every parent named in the table is itself a term (the table is closed).
    assert all(p in ids for t in duo_terms() for p in t.parents)
    with pytest.raises(NotFoundError, match="unknown DUO term 'DUO:9999999'"):
        duo_term("DUO:9999999")


def test_duo_through_ontology(onto: Ontology) -> None:
    assert onto.label("DUO:0000006") == "health or medical or biomedical research"
    assert "DUO:0000007" in onto.descendants("DUO:0000042")
    assert validate_terms(["DUO:0000042", "DUO:0000099"], onto)[0].term == "DUO:0000099"

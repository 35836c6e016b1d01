"""onemg's DUO table against the DUO release it was taken from (duo-basic.owl, vendored)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from onemg.access import duo as matcher
from onemg.ontology import duo_ancestors, duo_term, duo_terms, load_ontology

OWL = Path(__file__).parent / "data" / "duo-basic.owl"
NS = {
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "obo": "http://www.geneontology.org/formats/oboInOwl#",
}
RDF = "{" + NS["rdf"] + "}"


def _release() -> dict[str, tuple[str, frozenset[str]]]:
    """DUO id -> (label, direct DUO parents) from the OWL file.

    Ids come from ``oboInOwl:id``, not the IRI: the release spells NPOA's IRI ``DUO_00000044``.
    """
    root = ET.parse(OWL).getroot()
    classes = [c for c in root.findall("owl:Class", NS) if c.find("obo:id", NS) is not None]
    by_iri = {c.get(RDF + "about"): c.find("obo:id", NS).text for c in classes}
    release = {}
    for c in classes:
        parents = {
            by_iri.get(s.get(RDF + "resource"), "") for s in c.findall("rdfs:subClassOf", NS)
        }
        release[c.find("obo:id", NS).text] = (
            c.find("rdfs:label", NS).text,
            frozenset(p for p in parents if p.startswith("DUO:")),
        )
    return release


def test_every_row_matches_the_release() -> None:
    release = _release()
    assert len(release) > 30
    for term in duo_terms():
        assert term.id in release, f"{term.id} is not in DUO release 2022-09-15"
        label, parents = release[term.id]
        assert term.label == label, term.id
        assert frozenset(term.parents) == parents, term.id


@pytest.mark.parametrize(
    ("term", "parent"),
    [
        ("DUO:0000011", "DUO:0000001"),  # POA: a data use permission, not a kind of GRU
        ("DUO:0000018", "DUO:0000017"),  # NPUNCU: a data use modifier
        ("DUO:0000045", "DUO:0000018"),  # NPU under NPUNCU
        ("DUO:0000046", "DUO:0000018"),  # NCU under NPUNCU
    ],
)
def test_parents_of_the_corrected_terms(term: str, parent: str) -> None:
    assert duo_term(term).parents == (parent,)


def test_closure_follows_the_release() -> None:
    assert duo_ancestors("DUO:0000011") == {"DUO:0000011", "DUO:0000001"}
    assert duo_ancestors("DUO:0000045") == {"DUO:0000045", "DUO:0000018", "DUO:0000017"}
    assert duo_ancestors("DUO:0000018") == {"DUO:0000018", "DUO:0000017"}
    onto = load_ontology()
    # A filter on GRU no longer selects POA datasets; one on NPUNCU selects NPU and NCU ones.
    assert "DUO:0000011" not in onto.descendants("DUO:0000042")
    assert onto.descendants("DUO:0000018") == {"DUO:0000018", "DUO:0000045", "DUO:0000046"}


def test_matcher_constants_name_the_release_terms() -> None:
    release = _release()
    shorthand = {t.id: t.shorthand for t in duo_terms()}
    for name in (
        "NRES",
        "GRU",
        "HMB",
        "DS",
        "POA",
        "RS",
        "NMDS",
        "GSO",
        "NPUNCU",
        "PUB",
        "COL",
        "IRB",
        "GS",
        "MOR",
        "TS",
        "US",
        "PS",
        "IS",
        "RTN",
        "CC",
        "NPOA",
        "NPU",
        "NCU",
    ):
        term_id = getattr(matcher, name)
        assert term_id in release, name
        assert shorthand[term_id] == name
    for name, label in (
        ("METHODS", "method development"),
        ("ANCESTRY", "ancestry research"),
        ("POPULATION", "population research"),
        ("GENETIC", "genetic research"),
        ("BIOMEDICAL", "biomedical research"),
        ("CONTROL", "research control"),
        ("DRUG_DEVELOPMENT", "drug development research"),
        ("DISEASE_CATEGORY", "disease category research"),
    ):
        assert release[getattr(matcher, name)][0] == label, name

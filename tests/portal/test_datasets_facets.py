"""The /datasets facets over hand-made network answers: themes from the harvested DCAT-AP
catalogue and DS conditions, and every facet combined with the words."""

from __future__ import annotations

from types import SimpleNamespace

from rdflib import Graph

from onemg.dcat.topics import dataset_topics
from onemg.portal.datasets import NO_THEME, browse, build_datasets

TURTLE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix health: <http://healthdataportal.eu/ns/health#> .
<urn:ds:fi> a dcat:Dataset ; dct:identifier "ds-fi" ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/HEAL> ;
  health:healthCategory <urn:cat:genomic> ;
  dcat:keyword "rare diseases"@en, "Finland"@en .
<urn:ds:ee> a dcat:Dataset ; dct:identifier "ds-ee" ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/HEAL> ;
  dcat:keyword "cardiology"@en .
<http://publications.europa.eu/resource/authority/data-theme/HEAL> skos:prefLabel "Health"@en .
<urn:cat:genomic> skos:prefLabel "Human genetic, genomic and proteomic data"@en .
"""


def _answers() -> tuple[dict, dict]:
    def ds(id_: str, member: str, country: str, duo: dict) -> dict:
        return {
            "id": id_,
            "name": f"Cohort {country}",
            "description": f"People of {country}",
            "dataUseConditions": {"duoDataUse": [duo]},
            "info": {"memberId": member, "country": country},
        }

    datasets = {
        "response": {
            "collections": [
                ds("ds-fi", "fi", "FI", {"id": "DUO:0000042", "label": "general research use"}),
                ds(
                    "ds-ee",
                    "ee",
                    "EE",
                    {
                        "id": "DUO:0000007",
                        "label": "disease specific research",
                        "diseases": [{"id": "ICD10:E84", "label": "Cystic fibrosis"}],
                    },
                ),
                ds(
                    "ds-pt",
                    "pt",
                    "PT",
                    {"id": "DUO:0000006", "label": "health or medical or biomedical research"},
                ),
            ]
        }
    }
    cohorts = {
        "response": {
            "collections": [
                {"id": "ds-fi", "cohortSize": 300, "info": {"memberId": "fi"}},
                {"id": "ds-ee", "cohortSize": 20000, "info": {"memberId": "ee"}},
            ]
        }
    }
    return datasets, cohorts


def _datasets() -> list:
    members = [
        SimpleNamespace(config=SimpleNamespace(id=m), metadata=SimpleNamespace(info=None))
        for m in ("fi", "ee", "pt")
    ]
    topics = dataset_topics(Graph().parse(data=TURTLE, format="turtle"))
    keyed = {("fi", "ds-fi"): topics["ds-fi"], ("ee", "ds-ee"): topics["ds-ee"]}
    return build_datasets(*_answers(), members, keyed)


def test_topics_read_themes_categories_and_keywords_without_countries() -> None:
    topics = dataset_topics(Graph().parse(data=TURTLE, format="turtle"))
    assert topics["ds-fi"] == (
        "Health",
        "Human genetic, genomic and proteomic data",
        "rare diseases",
    )
    assert topics["ds-ee"] == ("cardiology", "Health")


def test_theme_facet_counts_and_combines_with_words_and_other_facets() -> None:
    datasets = _datasets()
    everything = browse(datasets, chosen={})
    themes = dict((v, n) for v, n, _ in everything.facets["theme"])
    assert themes == {
        "Health": 2,
        "Human genetic, genomic and proteomic data": 1,
        "rare diseases": 1,
        "cardiology": 1,
        "Cystic fibrosis (ICD10:E84)": 1,
        NO_THEME: 1,
    }
    health = browse(datasets, chosen={"theme": ["Health"]})
    assert [d.id for d in health.datasets] == ["ds-ee", "ds-fi"]
    # Ticking a theme still counts the other themes over the datasets the rest allows.
    assert dict((v, n) for v, n, _ in health.facets["theme"])["cardiology"] == 1
    both = browse(datasets, chosen={"theme": ["Health"], "country": ["FI"]})
    assert [d.id for d in both.datasets] == ["ds-fi"]
    by_size = browse(datasets, chosen={"theme": ["Health"], "size": ["10,000 to 100,000"]})
    assert [d.id for d in by_size.datasets] == ["ds-ee"]
    by_access = browse(
        datasets,
        text="cystic",
        chosen={"access": ["Controlled access (apply to the national committee)"]},
    )
    assert [d.id for d in by_access.datasets] == ["ds-ee"]  # the words match the disease area
    by_condition = browse(
        datasets,
        text="rare",
        chosen={
            "condition": [c for c, _, _ in everything.facets["condition"] if c.startswith("GRU")]
        },
    )
    assert [d.id for d in by_condition.datasets] == ["ds-fi"]
    nothing = browse(datasets, text="cardiology", chosen={"country": ["FI"]})
    assert nothing.datasets == []
    # The facet counts follow the words: "cardiology" leaves only ds-ee's values.
    assert {v for v, _, _ in nothing.facets["country"]} == {"EE", "FI"}
    assert dict((v, n) for v, n, _ in nothing.facets["country"])["FI"] == 0

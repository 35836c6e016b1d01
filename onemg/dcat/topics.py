"""What a harvested DCAT-AP catalogue says each dataset is about: its themes and keywords.

The portal's "theme / disease area" facet reads this: per ``dct:identifier`` (the one dataset id
of the network), the labels of its ``dcat:theme`` concepts (EU data themes, e.g. "Health"), of
its HealthDCAT-AP ``healthCategory`` and its ``dcat:keyword`` values. Country names among the
keywords are left out (the country facet already says where a dataset is).
"""

from __future__ import annotations

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from onemg.catalogue.beacon_records import COUNTRY_NAMES
from onemg.dcat.vocab import DCAT, DCT, HEALTH

_COUNTRIES = {name.casefold() for name in COUNTRY_NAMES.values()}


def _label(graph: Graph, node: URIRef) -> str | None:
    for predicate in (SKOS.prefLabel, RDFS.label, DCT.title):
        for value in graph.objects(node, predicate):
            if getattr(value, "language", None) in (None, "en"):
                return str(value)
    return None


def dataset_topics(graph: Graph) -> dict[str, tuple[str, ...]]:
    """``{dataset id: topic labels}`` of every ``dcat:Dataset`` in ``graph``, sorted, unique."""
    out: dict[str, tuple[str, ...]] = {}
    for ds in set(graph.subjects(RDF.type, DCAT.Dataset)):
        identifier = graph.value(ds, DCT.identifier)
        if identifier is None:
            continue
        topics: set[str] = set()
        for predicate in (DCAT.theme, HEALTH.healthCategory):
            for concept in graph.objects(ds, predicate):
                if isinstance(concept, URIRef) and (label := _label(graph, concept)):
                    topics.add(label)
        for word in graph.objects(ds, DCAT.keyword):
            text = str(word).strip()
            if text and text.casefold() not in _COUNTRIES:
                topics.add(text)
        out[str(identifier)] = tuple(sorted(topics, key=str.casefold))
    return out

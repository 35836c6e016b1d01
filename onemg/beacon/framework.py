"""Informational Beacon documents: ``/info``, ``/service-info``, ``/configuration``, ``/map``,
``/entry_types`` and ``/filtering_terms``. All are generated from :mod:`onemg.protocol.vocabulary`.
"""

from __future__ import annotations

from typing import Any

from onemg import __version__
from onemg.protocol.vocabulary import (
    API_VERSION,
    ENTRY_TYPES,
    SCHEMA_BASE,
    SCHEMA_VERSION,
    WITH_FILTERING_TERMS,
    EntryType,
)
from onemg.security import TIERS
from onemg.settings import BeaconSettings

_SCHEMA_BASE = SCHEMA_BASE
_ENVIRONMENTS = {"prod", "test", "dev", "staging"}
_PRODUCTION_STATUS = {"prod": "PROD", "test": "TEST", "staging": "TEST", "dev": "DEV"}
#: Ontologies our filtering terms come from (``resources`` of /filtering_terms).
RESOURCES: tuple[dict[str, str], ...] = (
    {"id": "hp", "name": "Human Phenotype Ontology", "url": "http://purl.obolibrary.org/obo/hp.owl",
     "namespacePrefix": "HP", "iriPrefix": "http://purl.obolibrary.org/obo/HP_"},
    {"id": "icd10", "name": "International Classification of Diseases, 10th revision",
     "url": "https://icd.who.int/browse10/2019/en", "namespacePrefix": "ICD10",
     "iriPrefix": "https://icd.who.int/browse10/2019/en#/"},
    {"id": "ordo", "name": "Orphanet Rare Disease Ontology",
     "url": "http://www.orphadata.org/data/ORDO/ordo_orphanet.owl", "namespacePrefix": "ORPHA",
     "iriPrefix": "http://www.orpha.net/ORDO/Orphanet_"},
    {"id": "ncit", "name": "NCI Thesaurus", "url": "http://purl.obolibrary.org/obo/ncit.owl",
     "namespacePrefix": "NCIT", "iriPrefix": "http://purl.obolibrary.org/obo/NCIT_"},
    {"id": "uberon", "name": "Uber-anatomy ontology",
     "url": "http://purl.obolibrary.org/obo/uberon.owl", "namespacePrefix": "UBERON",
     "iriPrefix": "http://purl.obolibrary.org/obo/UBERON_"},
)


def informational_meta(settings: BeaconSettings, entry: EntryType | None = None) -> dict:
    """``beaconInformationalResponseMeta``."""
    return {"beaconId": settings.beacon_id, "apiVersion": API_VERSION,
            "returnedSchemas": [entry.returned_schema] if entry else []}


def _environment(settings: BeaconSettings) -> str:
    env = settings.environment.lower()
    return env if env in _ENVIRONMENTS else "dev"


def info_results(settings: BeaconSettings, base_url: str) -> dict[str, Any]:
    """``beaconInfoResults``."""
    return {
        "id": settings.beacon_id,
        "name": settings.name,
        "apiVersion": API_VERSION,
        "environment": _environment(settings),
        "organization": {"id": settings.organization_id, "name": settings.organization_name},
        "description": "A national 1+ Million Genomes node: Beacon v2 discovery over genomes "
                       "and health metadata, with tiered access (PUBLIC, REGISTERED, CONTROLLED).",
        "version": __version__,
        "welcomeUrl": base_url,
        "info": {"kAnonymity": settings.k_anonymity, "assemblyId": "GRCh38",
                 "maxPageSize": settings.max_page_size},
    }


def info_response(settings: BeaconSettings, base_url: str) -> dict[str, Any]:
    """``beaconInfoResponse`` (``/`` and ``/info``)."""
    return {"meta": informational_meta(settings), "response": info_results(settings, base_url)}


def service_info(settings: BeaconSettings, base_url: str) -> dict[str, Any]:
    """GA4GH service-info 1.0 (no Beacon ``meta`` wrapper)."""
    return {
        "id": settings.beacon_id,
        "name": settings.name,
        "type": {"group": "org.ga4gh", "artifact": "beacon", "version": API_VERSION},
        "description": "Beacon v2 API of a 1+MG national node (onemg).",
        "organization": {"name": settings.organization_name, "url": base_url},
        "version": __version__,
        "environment": _environment(settings),
    }


def _definition(entry: EntryType, base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "ontologyTermForThisType": {"id": entry.ontology_id, "label": entry.ontology_label},
        "partOfSpecification": f"Beacon {API_VERSION}",
        "description": entry.description,
        "defaultSchema": {
            "id": entry.schema_id,
            "name": f"Default schema for {entry.name.lower()}",
            "referenceToSchemaDefinition": entry.schema_url,
            "schemaVersion": SCHEMA_VERSION,
        },
        "additionallySupportedSchemas": [],
        "nonFilteredQueriesAllowed": True,
    }
    if entry.path == "datasets":
        out["aCollectionOf"] = [{"id": "genomicVariant", "name": "Genomic Variants"},
                                {"id": "individual", "name": "Individuals"}]
    if entry.path == "cohorts":
        out["aCollectionOf"] = [{"id": "individual", "name": "Individuals"}]
    return out


def entry_types(base_url: str) -> dict[str, Any]:
    """The ``entryTypes`` dictionary shared by ``/configuration`` and ``/entry_types``."""
    return {e.id: _definition(e, base_url) for e in ENTRY_TYPES}


def configuration_response(settings: BeaconSettings, base_url: str) -> dict[str, Any]:
    """``beaconConfigurationResponse``."""
    return {"meta": informational_meta(settings), "response": {
        "$schema": _SCHEMA_BASE + "framework/json/configuration/beaconConfigurationSchema.json",
        "maturityAttributes": {"productionStatus": _PRODUCTION_STATUS[_environment(settings)]},
        "securityAttributes": {"defaultGranularity": "boolean",
                               "securityLevels": list(TIERS)},
        "entryTypes": entry_types(base_url),
    }}


def entry_types_response(settings: BeaconSettings, base_url: str) -> dict[str, Any]:
    """``beaconEntryTypesResponse``."""
    return {"meta": informational_meta(settings),
            "response": {"entryTypes": entry_types(base_url)}}


def map_response(settings: BeaconSettings, base_url: str) -> dict[str, Any]:
    """``beaconMapResponse``: every endpoint set with its lookups, as absolute URLs."""
    by_path = {e.path: e for e in ENTRY_TYPES}
    sets: dict[str, Any] = {}
    for e in ENTRY_TYPES:
        root = f"{base_url}/{e.path}"
        item: dict[str, Any] = {
            "entryType": e.id,
            "rootUrl": root,
            "singleEntryUrl": root + "/{id}",
            "openAPIEndpointsDefinition": f"{base_url}/openapi.json",
            "endpoints": {
                f"{by_path[o].id}Lookup": {"returnedEntryType": by_path[o].id,
                                           "url": f"{root}/{{id}}/{o}"}
                for o in e.lookups
            },
        }
        if e.path in WITH_FILTERING_TERMS and e.collection:
            item["filteringTermsUrl"] = root + "/{id}/filtering_terms"
        sets[e.id] = item
    return {"meta": informational_meta(settings), "response": {
        "$schema": _SCHEMA_BASE + "framework/json/configuration/beaconMapSchema.json",
        "endpointSets": sets,
    }}


def filtering_terms_response(settings: BeaconSettings, terms: list[dict[str, Any]]
                             ) -> dict[str, Any]:
    """``beaconFilteringTermsResponse``."""
    prefixes = {t["id"].split(":", 1)[0] for t in terms if ":" in t.get("id", "")}
    resources = [r for r in RESOURCES if r["namespacePrefix"] in prefixes]
    return {"meta": informational_meta(settings),
            "response": {"filteringTerms": terms, "resources": resources}}

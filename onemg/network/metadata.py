"""The hub's informational endpoints, built from the members' cached metadata.

``/info`` describes the network itself (and lists members with their circuit state);
``/map``, ``/configuration`` and ``/entry_types`` are the union of what members declare, with
URLs rewritten to the hub; ``/filtering_terms`` is the union of member terms (scopes and values
merged per term id) so a researcher sees every term usable anywhere in the network.
"""

from __future__ import annotations

from typing import Any

from onemg import __version__
from onemg.network.registry import MemberRegistry
from onemg.protocol.vocabulary import (
    API_VERSION,
    ENTRY_TYPES,
    SCHEMA_BASE,
    SCHEMA_VERSION,
    EntryType,
)
from onemg.settings import BeaconSettings

_CONFIG_SCHEMA = SCHEMA_BASE + "framework/json/configuration/beaconConfigurationSchema.json"
_MAP_SCHEMA = SCHEMA_BASE + "framework/json/configuration/beaconMapSchema.json"


def _meta(beacon: BeaconSettings) -> dict[str, Any]:
    return {"beaconId": beacon.beacon_id, "apiVersion": API_VERSION, "returnedSchemas": []}


def _default_entry_type(entry: EntryType) -> dict[str, Any]:
    return {
        "id": entry.id,
        "name": entry.name,
        "ontologyTermForThisType": {"id": entry.ontology_id, "label": entry.ontology_label},
        "partOfSpecification": f"Beacon {API_VERSION}",
        "defaultSchema": {
            "id": entry.schema_id,
            "name": f"Default schema for {entry.name.lower()}",
            "referenceToSchemaDefinition": entry.schema_url,
            "schemaVersion": SCHEMA_VERSION,
        },
    }


def _member_entry_types(registry: MemberRegistry) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for member in registry.members:
        conf = (member.metadata.configuration or {}).get("response", {})
        entry_types = conf.get("entryTypes")
        if isinstance(entry_types, dict):
            for key, value in entry_types.items():
                merged.setdefault(key, value)
    return merged or {e.id: _default_entry_type(e) for e in ENTRY_TYPES}


def info_response(beacon: BeaconSettings, registry: MemberRegistry) -> dict[str, Any]:
    """The network's ``/info``: the hub's identity plus every member's status."""
    members = [m.describe() for m in registry.members]
    countries = sorted({m.config.country for m in registry.members})
    return {
        "meta": _meta(beacon),
        "response": {
            "id": beacon.beacon_id,
            "name": beacon.name,
            "apiVersion": API_VERSION,
            "environment": beacon.environment,
            "organization": {"id": beacon.organization_id, "name": beacon.organization_name},
            "description": (
                f"Beacon Network of {len(members)} national nodes ({', '.join(countries)}); "
                "answers keep per-node provenance and never sum adjusted counts as exact."
            ),
            "info": {"isBeaconNetwork": True, "countries": countries, "members": members},
        },
    }


def map_response(
    beacon: BeaconSettings, registry: MemberRegistry, *, hub_api_url: str
) -> dict[str, Any]:
    """The network's ``/map``: endpoint sets any member serves, pointing at the hub."""
    hub_api_url = hub_api_url.rstrip("/")
    endpoint_sets: dict[str, Any] = {}
    for member in registry.members:
        member_sets = (member.metadata.map or {}).get("response", {}).get("endpointSets")
        if not isinstance(member_sets, dict):
            continue
        for key, endpoint in member_sets.items():
            if key in endpoint_sets or not isinstance(endpoint, dict):
                continue
            endpoint_sets[key] = _rewrite_urls(endpoint, member.config.api_url, hub_api_url)
    if not endpoint_sets:
        endpoint_sets = {
            e.id: {
                "entryType": e.id,
                "rootUrl": f"{hub_api_url}/{e.path}",
                "singleEntryUrl": f"{hub_api_url}/{e.path}/{{id}}",
            }
            for e in ENTRY_TYPES
        }
    return {
        "meta": _meta(beacon),
        "response": {"$schema": _MAP_SCHEMA, "endpointSets": endpoint_sets},
    }


def _rewrite_urls(value: Any, member_prefix: str, hub_prefix: str) -> Any:
    if isinstance(value, str):
        return (
            hub_prefix + value[len(member_prefix) :] if value.startswith(member_prefix) else value
        )
    if isinstance(value, dict):
        return {k: _rewrite_urls(v, member_prefix, hub_prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_urls(v, member_prefix, hub_prefix) for v in value]
    return value


def configuration_response(beacon: BeaconSettings, registry: MemberRegistry) -> dict[str, Any]:
    """The network's ``/configuration``: union of entry types and security levels."""
    levels: set[str] = set()
    for member in registry.members:
        conf = (member.metadata.configuration or {}).get("response", {})
        security = conf.get("securityAttributes") or {}
        levels.update(x for x in security.get("securityLevels", []) if isinstance(x, str))
    status = {"prod": "PROD", "test": "TEST"}.get(beacon.environment, "DEV")
    return {
        "meta": _meta(beacon),
        "response": {
            "$schema": _CONFIG_SCHEMA,
            "maturityAttributes": {"productionStatus": status},
            "securityAttributes": {
                "defaultGranularity": "boolean",
                "securityLevels": sorted(levels) or ["PUBLIC"],
            },
            "entryTypes": _member_entry_types(registry),
        },
    }


def entry_types_response(beacon: BeaconSettings, registry: MemberRegistry) -> dict[str, Any]:
    """The network's ``/entry_types``."""
    return {"meta": _meta(beacon), "response": {"entryTypes": _member_entry_types(registry)}}


def filtering_terms_response(beacon: BeaconSettings, registry: MemberRegistry) -> dict[str, Any]:
    """Union of member filtering terms; ``info.network`` says which member offers how many."""
    terms: dict[str, dict[str, Any]] = {}
    resources: dict[str, dict[str, Any]] = {}
    per_member = []
    for member in registry.members:
        response = (member.metadata.filtering_terms or {}).get("response", {})
        member_terms = response.get("filteringTerms") or []
        per_member.append(
            {
                "id": member.config.id,
                "country": member.config.country,
                "terms": len(member_terms),
                "cached": member.metadata.filtering_terms is not None,
            }
        )
        for term in member_terms:
            if not isinstance(term, dict) or not isinstance(term.get("id"), str):
                continue
            merged = terms.setdefault(
                term["id"], {"type": term.get("type", "ontologyTerm"), "id": term["id"]}
            )
            if "label" in term and "label" not in merged:
                merged["label"] = term["label"]
            for key in ("scopes", "values"):
                if isinstance(term.get(key), list):
                    merged[key] = sorted({*merged.get(key, []), *map(str, term[key])})
        for resource in response.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("id"), str):
                resources.setdefault(resource["id"], resource)
    return {
        "meta": _meta(beacon),
        "response": {
            "filteringTerms": [terms[k] for k in sorted(terms)],
            "resources": [resources[k] for k in sorted(resources)],
        },
        "info": {"network": {"members": per_member}},
    }


def service_info(beacon: BeaconSettings) -> dict[str, Any]:
    """GA4GH service-info 1.0 for the hub."""
    return {
        "id": beacon.beacon_id,
        "name": beacon.name,
        "type": {"group": "org.ga4gh", "artifact": "beacon", "version": API_VERSION},
        "organization": {"name": beacon.organization_name, "url": "https://onemg.eu/"},
        "version": __version__,
        "environment": beacon.environment,
        "description": "1+MG Beacon Network aggregator",
    }

"""Validate documents against the official Beacon v2 (and VRS 1.3) JSON schemas, offline.

Usage from any test::

    from tests.beacon_schema import validate
    validate(response.json(), "beaconCountResponse")
    validate(record, "individuals/defaultSchema.json")

Schemas are read from the copies vendored in the package, ``onemg/data/schemas`` (source, version
and licences in its ``README.md``). Every remote ``$ref`` the schemas
use (``https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/...`` and
``https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json``) is mapped onto those copies; any other
reference fails loudly instead of touching the network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

import onemg

SPEC_DIR = Path(onemg.__file__).resolve().parent / "data" / "schemas"
BEACON_DIR = SPEC_DIR / "beacon-v2"
VRS_FILE = SPEC_DIR / "vrs-1.3" / "vrs.json"

BEACON_BASE = "https://raw.githubusercontent.com/ga4gh-beacon/beacon-v2/main/"
VRS_URIS = ("https://w3id.org/ga4gh/schema/vrs/1.3/vrs.json",)

#: Short names for the schemas tests use most.
ALIASES: dict[str, str] = {
    name: f"framework/json/responses/{name}.json"
    for name in (
        "beaconBooleanResponse",
        "beaconCountResponse",
        "beaconResultsetsResponse",
        "beaconCollectionsResponse",
        "beaconErrorResponse",
        "beaconInfoResponse",
        "beaconMapResponse",
        "beaconConfigurationResponse",
        "beaconEntryTypesResponse",
        "beaconFilteringTermsResponse",
        "ga4gh-service-info-1-0-0-schema",
    )
} | {
    "beaconRequestBody": "framework/json/requests/beaconRequestBody.json",
    "individual": "models/json/beacon-v2-default-model/individuals/defaultSchema.json",
    "biosample": "models/json/beacon-v2-default-model/biosamples/defaultSchema.json",
    "genomicVariant": "models/json/beacon-v2-default-model/genomicVariations/defaultSchema.json",
    "analysis": "models/json/beacon-v2-default-model/analyses/defaultSchema.json",
    "run": "models/json/beacon-v2-default-model/runs/defaultSchema.json",
    "dataset": "models/json/beacon-v2-default-model/datasets/defaultSchema.json",
    "cohort": "models/json/beacon-v2-default-model/cohorts/defaultSchema.json",
}


def _local_path(uri: str) -> Path:
    """The local file behind ``uri``; raise ``NoSuchResource`` for anything unknown."""
    base = uri.split("#", 1)[0]
    if base in VRS_URIS:
        return VRS_FILE
    if base.startswith(BEACON_BASE):
        path = (BEACON_DIR / base.removeprefix(BEACON_BASE)).resolve()
        if BEACON_DIR.resolve() in path.parents and path.is_file():
            return path
    raise NoSuchResource(ref=uri)


@cache
def _load(path: Path) -> Resource:
    contents = json.loads(path.read_text())
    return Resource.from_contents(contents, default_specification=DRAFT202012)


def _retrieve(uri: str) -> Resource:
    return _load(_local_path(uri))


@cache
def _registry() -> Registry:
    return Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def schema_uri(schema: str | Path) -> str:
    """The canonical ``raw.githubusercontent.com`` URI for a schema name, alias or local path."""
    if isinstance(schema, Path) or str(schema).startswith("/"):
        rel = Path(schema).resolve().relative_to(BEACON_DIR.resolve())
        return BEACON_BASE + rel.as_posix()
    name = str(schema)
    if name in ALIASES:
        return BEACON_BASE + ALIASES[name]
    if name.startswith(BEACON_BASE) or name in VRS_URIS:
        return name
    if name.endswith(".json") and "/" in name and not name.startswith(("framework", "models")):
        # "individuals/defaultSchema.json" style: relative to the default model.
        return BEACON_BASE + "models/json/beacon-v2-default-model/" + name
    return BEACON_BASE + name


@cache
def _validator(uri: str) -> jsonschema.protocols.Validator:
    resource = _retrieve(uri)
    cls = jsonschema.validators.validator_for(
        resource.contents, default=jsonschema.Draft202012Validator
    )
    # $ref resolution is relative to the document's canonical URI, so we anchor it there.
    registry = _registry().with_resource(uri, resource)
    schema = dict(resource.contents)
    schema["$id"] = uri
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def errors(instance: Any, schema: str | Path) -> list[str]:
    """All validation errors of ``instance`` against ``schema`` (empty list when valid)."""
    validator = _validator(schema_uri(schema))
    found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]


def validate(instance: Any, schema: str | Path) -> None:
    """Raise ``AssertionError`` listing every violation of ``schema`` by ``instance``.

    ``schema`` is an alias from :data:`ALIASES` (e.g. ``"beaconCountResponse"``, ``"individual"``),
    a path relative to the beacon-v2 repo (``"framework/json/..."``), a default-model relative path
    (``"individuals/defaultSchema.json"``), a local file path, or a canonical URI.
    """
    problems = errors(instance, schema)
    if problems:
        raise AssertionError(
            f"document does not validate against {schema}:\n  " + "\n  ".join(problems[:20])
        )


def validate_beacon_response(body: dict[str, Any]) -> None:
    """Validate a Beacon entry response by its shape, including every record it returns."""
    if "error" in body:
        validate(body, "beaconErrorResponse")
        return
    granularity = body["meta"]["returnedGranularity"]
    entity = (
        body["meta"]["returnedSchemas"][0]["entityType"]
        if body["meta"]["returnedSchemas"]
        else None
    )
    response = body.get("response") or {}
    if "collections" in response:
        validate(body, "beaconCollectionsResponse")
        for item in response["collections"]:
            validate(item, entity or "dataset")
    elif granularity == "record":
        validate(body, "beaconResultsetsResponse")
        for rs in response.get("resultSets", []):
            for item in rs["results"]:
                validate(item, entity)
    elif granularity == "count":
        validate(body, "beaconCountResponse")
    else:
        validate(body, "beaconBooleanResponse")

"""The offline schema validator itself: local $refs, VRS, and loud failures."""

from __future__ import annotations

import json

import pytest
from referencing.exceptions import Unresolvable

from tests.beacon_schema import BEACON_DIR, errors, validate


def test_official_examples_validate() -> None:
    model = BEACON_DIR / "models/json/beacon-v2-default-model"
    for entity, name in [("individuals", "individual-MIN-example.json"),
                         ("genomicVariations", "genomicVariant-MIN-VRS-example.json"),
                         ("runs", "runs-MAX-example.json")]:
        doc = json.loads((model / entity / "examples" / name).read_text())
        validate(doc, f"{entity}/defaultSchema.json")


def test_violations_are_listed() -> None:
    with pytest.raises(AssertionError, match="beaconId"):
        validate({"meta": {}, "responseSummary": {"exists": True}}, "beaconBooleanResponse")


def test_vrs_references_are_resolved_locally() -> None:
    bad = {"variantInternalId": "x", "variation": {"type": "Allele", "location": 5}}
    assert errors(bad, "genomicVariant")


def test_unknown_remote_reference_fails_loudly(tmp_path) -> None:  # noqa: ANN001
    from tests import beacon_schema

    schema = {"$ref": "https://example.org/elsewhere.json"}
    validator_cls = beacon_schema.jsonschema.Draft202012Validator
    v = validator_cls(schema, registry=beacon_schema._registry())
    with pytest.raises(Unresolvable):
        v.validate({})

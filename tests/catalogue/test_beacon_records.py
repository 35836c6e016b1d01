"""Catalogue records validate against the official Beacon v2 default-model schemas."""

from __future__ import annotations

import pytest

from onemg.catalogue import Catalogue
from tests.beacon_schema import errors, validate
from tests.catalogue.conftest import N_FI


@pytest.fixture
def every_index() -> list[int]:
    return list(range(N_FI + 2))


def test_individuals_validate(catalogue: Catalogue, every_index: list[int]) -> None:
    records = catalogue.individual_records("synth-fi", every_index)
    assert len(records) == N_FI + 2
    assert any("diseases" in r for r in records)
    assert any(d.get("ageOfOnset") for r in records for d in r.get("diseases", []))
    assert any(f.get("onset") for r in records for f in r.get("phenotypicFeatures", []))
    # Schema validation is slow; every shape (diseases, onsets, no metadata) is in the first 80.
    for record in records[:80]:
        validate(record, "individual")


@pytest.mark.parametrize(("method", "schema"), [
    ("biosample_records", "biosample"), ("run_records", "run"), ("analysis_records", "analysis"),
])
def test_entries_validate(catalogue: Catalogue, every_index: list[int], method: str,
                          schema: str) -> None:
    records = getattr(catalogue, method)("synth-fi", every_index)
    assert len(records) == N_FI  # the two samples without metadata have none
    for record in records[:80]:
        validate(record, schema)


def test_collections_validate(catalogue: Catalogue) -> None:
    (dataset,) = catalogue.dataset_records()
    validate(dataset, "dataset")
    assert dataset["id"] == "synth-fi"
    assert dataset["dataUseConditions"]["duoDataUse"][0]["id"] == "DUO:0000042"
    (cohort,) = catalogue.cohort_records()
    validate(cohort, "cohort")
    assert cohort["cohortType"] == "study-defined"
    assert cohort["cohortSize"] == N_FI + 2


def test_filtering_terms_validate(catalogue: Catalogue) -> None:
    schema = "framework/json/responses/sections/beaconFilteringTermsResults.json"
    body = {"filteringTerms": catalogue.filtering_terms()}
    assert errors(body, schema) == []


def test_bad_record_is_caught_by_schema() -> None:
    # Guard against a validator that accepts anything.
    assert errors({"id": "x"}, "individual")

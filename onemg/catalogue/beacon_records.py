"""Render catalogue rows as Beacon v2 default-model records (pure functions, no SQL).

Each function takes plain row mappings as the store reads them and returns a JSON-ready dict that
validates against the matching ``beacon-v2-default-model/<entry>/defaultSchema.json``.

No record carries ``info``: the default-model schemas reference ``../common/info.json``, which
does not exist in beacon-v2 (it lives under ``framework/json/common``), so strict validators cannot
resolve it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from onemg.catalogue.records import years_duration

SEX_TERM = {
    "female": {"id": "NCIT:C16576", "label": "female"},
    "male": {"id": "NCIT:C20197", "label": "male"},
    "unknown": {"id": "NCIT:C17998", "label": "unknown"},
}

#: Names of the countries a 1+MG node is likely to sit in (ISO 3166-1 alpha-2).
COUNTRY_NAMES = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CH": "Switzerland", "CY": "Cyprus",
    "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GR": "Greece", "HR": "Croatia", "HU": "Hungary",
    "IE": "Ireland", "IS": "Iceland", "IT": "Italy", "LI": "Liechtenstein", "LT": "Lithuania",
    "LU": "Luxembourg", "LV": "Latvia", "MT": "Malta", "NL": "Netherlands", "NO": "Norway",
    "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SE": "Sweden", "SI": "Slovenia",
    "SK": "Slovakia", "GB": "United Kingdom",
}

#: DUO release assumed for data-use terms whose descriptor names no version (Beacon requires one).
DUO_VERSION = "2021-02-23"
_REFERENCE_SAMPLE = {"id": "EFO:0009654", "label": "reference sample"}
_SPECIMEN_FROM_ORGANISM = {"id": "OBI:0001479", "label": "specimen from organism"}


def location(country: str | None) -> dict[str, str] | None:
    """A Beacon ``GeographicLocation`` term for an ISO 3166-1 alpha-2 code."""
    if not country:
        return None
    return {"id": f"ISO3166:{country}", "label": COUNTRY_NAMES.get(country, country)}


def _term(term_id: str, labels: Mapping[str, str]) -> dict[str, str]:
    label = labels.get(term_id)
    return {"id": term_id, "label": label} if label else {"id": term_id}


def _onset(years: float | None) -> dict[str, str] | None:
    return None if years is None else {"iso8601duration": years_duration(years)}


def individual_record(row: Mapping[str, Any], annotations: Sequence[Mapping[str, Any]],
                      labels: Mapping[str, str]) -> dict[str, Any]:
    """Beacon ``individual`` from an individuals row and its annotation rows."""
    record: dict[str, Any] = {"id": row["id"], "sex": SEX_TERM[row["sex"]]}
    origin = location(row["country"])
    if origin:
        record["geographicOrigin"] = origin
    diseases, features = [], []
    for a in annotations:
        if a["kind"] == "disease":
            item: dict[str, Any] = {"diseaseCode": _term(a["term"], labels)}
            if (onset := _onset(a["onset_years"])) is not None:
                item["ageOfOnset"] = onset
            diseases.append(item)
        elif a["kind"] == "feature":
            item = {"featureType": _term(a["term"], labels)}
            if (onset := _onset(a["onset_years"])) is not None:
                item["onset"] = onset
            features.append(item)
    if diseases:
        record["diseases"] = diseases
    if features:
        record["phenotypicFeatures"] = features
    return record


def biosample_record(row: Mapping[str, Any], individual_id: str) -> dict[str, Any]:
    """Beacon ``biosample`` from a biosamples row."""
    record: dict[str, Any] = {
        "id": row["id"], "individualId": individual_id,
        "biosampleStatus": _REFERENCE_SAMPLE, "sampleOriginType": _SPECIMEN_FROM_ORGANISM,
    }
    if row["tissue_id"]:
        record["sampleOriginDetail"] = {"id": row["tissue_id"],
                                        **({"label": row["tissue_label"]}
                                           if row["tissue_label"] else {})}
    if row["collection_date"]:
        record["collectionDate"] = row["collection_date"]
    return record


def run_record(row: Mapping[str, Any], individual_id: str) -> dict[str, Any]:
    """Beacon ``run`` from a runs row (``runDate`` is required; unknown dates are omitted)."""
    record: dict[str, Any] = {"id": row["id"], "biosampleId": row["biosample_id"],
                              "individualId": individual_id,
                              "runDate": row["run_date"] or "1970-01-01",
                              "libraryStrategy": "WGS"}
    if row["platform"]:
        record["platform"] = row["platform"]
    return record


def analysis_record(row: Mapping[str, Any], individual_id: str) -> dict[str, Any]:
    """Beacon ``analysis`` from an analyses row."""
    record: dict[str, Any] = {
        "id": row["id"], "individualId": individual_id, "biosampleId": row["biosample_id"],
        "runId": row["run_id"], "analysisDate": row["analysis_date"] or "1970-01-01",
        "pipelineName": row["pipeline"] or "unknown",
    }
    return record


def data_use(descriptor: Mapping[str, Any]) -> dict[str, Any]:
    """The descriptor's ``dataUseConditions``, each DUO term given a version if it has none."""
    conditions = descriptor.get("dataUseConditions") or {}
    uses = [{**u, "version": u.get("version") or DUO_VERSION}
            for u in conditions.get("duoDataUse") or ()]
    return {**conditions, "duoDataUse": uses} if uses else {}


def dataset_record(dataset_id: str, version: str, descriptor: Mapping[str, Any],
                   created: str, updated: str, n: int) -> dict[str, Any]:
    """Beacon ``dataset`` collection record."""
    record: dict[str, Any] = {
        "id": dataset_id, "name": descriptor.get("title") or dataset_id,
        "description": descriptor.get("description") or "",
        "createDateTime": descriptor.get("createDateTime") or created,
        "updateDateTime": updated, "version": version,
    }
    if use := data_use(descriptor):
        record["dataUseConditions"] = use
    return record


def cohort_record(dataset_id: str, version: str, descriptor: Mapping[str, Any], n: int,
                  sexes: Sequence[str], countries: Sequence[str]) -> dict[str, Any]:
    """Beacon ``cohort`` record: every dataset version is one study-defined cohort."""
    criteria: dict[str, Any] = {}
    if countries:
        criteria["locations"] = [location(c) for c in countries]
    if sexes:
        criteria["genders"] = [SEX_TERM[s] for s in sexes]
    record: dict[str, Any] = {
        "id": dataset_id, "name": descriptor.get("title") or dataset_id,
        "cohortType": "study-defined", "cohortSize": n,
    }
    if criteria:
        record["inclusionCriteria"] = criteria
    return record

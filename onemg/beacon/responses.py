"""Beacon v2 response documents, built as plain dicts (serialised with orjson by the web layer).

Shapes follow ``framework/json/responses``: boolean, count, resultSets and collections responses
share ``meta`` (``beaconResponseMeta``) and ``responseSummary``. The v2.2 fields
``countPrecision``/``countAdjustedTo`` go on ``responseSummary`` and on each result set, where the
v2.0 schemas allow additional properties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from onemg.beacon.policy import ReportedCount
from onemg.protocol.request import BeaconRequest
from onemg.protocol.vocabulary import API_VERSION, EntryType
from onemg.settings import BeaconSettings


@dataclass
class ResultSet:
    """One dataset's part of an answer."""

    dataset_id: str
    count: ReportedCount
    results: list[dict[str, Any]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def meta(settings: BeaconSettings, request: BeaconRequest, entry: EntryType | None,
         granularity: str) -> dict[str, Any]:
    """``beaconResponseMeta``."""
    out: dict[str, Any] = {
        "beaconId": settings.beacon_id,
        "apiVersion": API_VERSION,
        "returnedSchemas": [entry.returned_schema] if entry else [],
        "returnedGranularity": granularity,
        "receivedRequestSummary": request.summary(),
    }
    if request.test_mode:
        out["testMode"] = True
    return out


def _count_fields(count: ReportedCount) -> dict[str, Any]:
    out: dict[str, Any] = {"countPrecision": count.precision}
    if count.adjusted_to is not None:
        out["countAdjustedTo"] = [count.adjusted_to]
    return out


def _included(sets: Sequence[ResultSet], include: str) -> list[ResultSet]:
    if include == "ALL":
        return list(sets)
    if include == "HIT":
        return [s for s in sets if s.count.exists]
    if include == "MISS":
        return [s for s in sets if not s.count.exists]
    return []


def result_set(rs: ResultSet, *, with_results: bool) -> dict[str, Any]:
    """A ``ResultsetInstance``."""
    out: dict[str, Any] = {
        "id": rs.dataset_id,
        "setType": "dataset",
        "exists": rs.count.exists,
        "resultsCount": rs.count.count,
        "results": rs.results if with_results else [],
        **_count_fields(rs.count),
    }
    if rs.info:
        out["info"] = rs.info
    return out


def entry_response(
    settings: BeaconSettings,
    request: BeaconRequest,
    entry: EntryType,
    granularity: str,
    total: ReportedCount,
    sets: Sequence[ResultSet],
    *,
    info: dict[str, Any] | None = None,
    exists: bool | None = None,
) -> dict[str, Any]:
    """A boolean, count or resultSets response, by ``granularity``.

    ``exists`` (default ``total.exists``) also counts datasets answered as boolean only, which
    have no count in ``total``.
    """
    body: dict[str, Any] = {"meta": meta(settings, request, entry, granularity)}
    summary: dict[str, Any] = {"exists": total.exists if exists is None else exists}
    if granularity != "boolean":
        summary["numTotalResults"] = total.count
        summary.update(_count_fields(total))
    body["responseSummary"] = summary
    if granularity != "boolean":
        body["response"] = {"resultSets": [
            result_set(rs, with_results=granularity == "record")
            for rs in _included(sets, request.include)
        ]}
    if info:
        body["info"] = info
    return body


def collections_response(settings: BeaconSettings, request: BeaconRequest, entry: EntryType,
                         granularity: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``beaconCollectionsResponse`` (record) or count/boolean answer over datasets/cohorts."""
    body: dict[str, Any] = {"meta": meta(settings, request, entry, granularity)}
    summary: dict[str, Any] = {"exists": bool(items)}
    if granularity != "boolean":
        summary["numTotalResults"] = len(items)
    body["responseSummary"] = summary
    if granularity == "record":
        page = items[request.offset: request.offset + request.limit]
        body["response"] = {"collections": page}
    return body


def error_response(settings: BeaconSettings, status: int, message: str,
                   request: BeaconRequest | None = None) -> dict[str, Any]:
    """A ``beaconErrorResponse`` with a complete ``meta``."""
    request = request or BeaconRequest()
    return {
        "meta": meta(settings, request, None, request.granularity),
        "error": {"errorCode": status, "errorMessage": message},
    }

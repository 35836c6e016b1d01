"""Checks that a member's answer is a well-formed Beacon v2 response before the hub uses it.

A member that answers with something that is not JSON, or JSON that is not a Beacon response,
is treated exactly like a member that is down: its answer is dropped, the failure is reported
and counted by its circuit breaker. The checks here are the parts of the Beacon v2 response
schemas the merge relies on (meta, responseSummary, resultSets, collections, v2.2 count
precision); they are hand-written because running the full JSON Schema validator on every
member answer would cost more than the hub's whole latency budget.
"""

from __future__ import annotations

from typing import Any

import orjson

from onemg.errors import UpstreamError
from onemg.protocol.vocabulary import GRANULARITIES

PRECISIONS = ("exact", "imprecise", "rounded")


def _fail(what: str) -> UpstreamError:
    return UpstreamError(f"schema-invalid Beacon response: {what}")


def parse_json(content: bytes) -> Any:
    """Decode a member's body; raise ``UpstreamError`` when it is not JSON."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        snippet = content[:60].decode("utf-8", "replace")
        raise UpstreamError(f"invalid JSON ({exc.msg}) starting {snippet!r}") from exc


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_adjustment(section: dict[str, Any], where: str) -> None:
    precision = section.get("countPrecision")
    if precision is not None and precision not in PRECISIONS:
        raise _fail(f"{where}.countPrecision {precision!r} is not one of {PRECISIONS}")
    adjusted = section.get("countAdjustedTo")
    if adjusted is not None and (
        not isinstance(adjusted, list)
        or not all(isinstance(a, str | int) and not isinstance(a, bool) for a in adjusted)
    ):
        raise _fail(f"{where}.countAdjustedTo must be an array of strings or integers")


def _check_result_set(rs: Any, index: int) -> None:
    where = f"response.resultSets[{index}]"
    if not isinstance(rs, dict):
        raise _fail(f"{where} is not an object")
    if not isinstance(rs.get("id"), str):
        raise _fail(f"{where}.id is missing or not a string")
    if not isinstance(rs.get("exists"), bool):
        raise _fail(f"{where}.exists is missing or not a boolean")
    if "resultsCount" in rs and not _is_count(rs["resultsCount"]):
        raise _fail(f"{where}.resultsCount must be a non-negative integer")
    results = rs.get("results", [])
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise _fail(f"{where}.results must be an array of objects")
    if "info" in rs and not isinstance(rs["info"], dict):
        raise _fail(f"{where}.info must be an object")
    _check_adjustment(rs, where)


def check_entry_response(body: Any, *, expected_beacon_id: str | None = None) -> dict[str, Any]:
    """Validate a member's entry (query) response and return it.

    Raises:
        UpstreamError: the body is not a Beacon boolean/count/resultSets/collections response,
            or it names a ``meta.beaconId`` other than ``expected_beacon_id``.
    """
    if not isinstance(body, dict):
        raise _fail("the body is not a JSON object")
    meta = body.get("meta")
    if not isinstance(meta, dict):
        raise _fail("meta is missing")
    beacon_id = meta.get("beaconId")
    if not isinstance(beacon_id, str) or not beacon_id:
        raise _fail("meta.beaconId is missing")
    if expected_beacon_id is not None and beacon_id != expected_beacon_id:
        raise UpstreamError(
            f"untrusted answer: meta.beaconId {beacon_id!r}, expected {expected_beacon_id!r}"
        )
    if meta.get("returnedGranularity") not in GRANULARITIES:
        raise _fail(f"meta.returnedGranularity {meta.get('returnedGranularity')!r} is invalid")
    summary = body.get("responseSummary")
    if not isinstance(summary, dict) or not isinstance(summary.get("exists"), bool):
        raise _fail("responseSummary.exists is missing or not a boolean")
    if "numTotalResults" in summary and not _is_count(summary["numTotalResults"]):
        raise _fail("responseSummary.numTotalResults must be a non-negative integer")
    _check_adjustment(summary, "responseSummary")
    response = body.get("response", {})
    if not isinstance(response, dict):
        raise _fail("response is not an object")
    result_sets = response.get("resultSets", [])
    if not isinstance(result_sets, list):
        raise _fail("response.resultSets is not an array")
    for index, rs in enumerate(result_sets):
        _check_result_set(rs, index)
    collections = response.get("collections", [])
    if not isinstance(collections, list) or not all(isinstance(c, dict) for c in collections):
        raise _fail("response.collections must be an array of objects")
    return body


def check_error_response(body: Any) -> str | None:
    """The ``error.errorMessage`` of a Beacon error response, or ``None`` if it is not one."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("errorMessage")
        return str(message) if message is not None else "no message"
    return None


def check_informational(body: Any, *, what: str) -> dict[str, Any]:
    """Validate an informational response (/info, /map, /configuration, /filtering_terms)."""
    if not isinstance(body, dict):
        raise _fail(f"{what}: the body is not a JSON object")
    meta = body.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("beaconId"), str):
        raise _fail(f"{what}: meta.beaconId is missing")
    if not isinstance(body.get("response"), dict):
        raise _fail(f"{what}: response is missing or not an object")
    return body

"""Merging member answers into one Beacon v2 network response, keeping provenance.

Rules (documented for users in docs/network.md):

- Every member result set is kept, one per member dataset, stamped with the member's
  ``beaconId``, country and member id (top-level ``beaconId`` plus ``info``).
- ``responseSummary.exists`` is true when any answering member says so.
- ``returnedGranularity`` is the finest granularity any answering member returned (never above
  what was asked): one member answering as boolean no longer hides every other member's count.
- ``numTotalResults`` is added with :mod:`onemg.network.counts` over the members that gave a
  count: exact only when every part is, otherwise ``countPrecision`` + ``countAdjustedTo`` carry
  the interval holding the true total. Members that gave no count are named in
  ``info.network.count.notCounted``.
- ``info.network.members`` gives each member's own ``returnedGranularity`` and, when some of its
  datasets were answered more coarsely than asked, its ``coarserDatasets`` (which datasets, and
  the credential that would unlock them), and its ``hints`` (e.g. a start that looks 1-based),
  as the member said, and its ``privacy`` note (which datasets' answers carry noise).
- ``info.network`` lists every member with its status, the reason it failed or was skipped,
  and its latency, so a partial answer says exactly what it is missing.
"""

from __future__ import annotations

from typing import Any

from onemg.network.counts import read_member_total, total
from onemg.network.fanout import MemberOutcome
from onemg.network.query import NetworkQuery
from onemg.protocol.vocabulary import API_VERSION, GRANULARITY_ORDER


def _default_schemas(query: NetworkQuery) -> list[dict[str, str]]:
    return [query.entry.target.returned_schema]


def _meta(query: NetworkQuery, *, beacon_id: str, granularity: str, schemas: Any) -> dict:
    return {
        "beaconId": beacon_id,
        "apiVersion": API_VERSION,
        "returnedGranularity": granularity,
        "returnedSchemas": schemas,
        "receivedRequestSummary": query.summary,
    }


def _provenance(outcome: MemberOutcome) -> dict[str, Any]:
    member = outcome.member
    return {
        "beaconId": outcome.beacon_id,
        "country": member.config.country,
        "memberId": member.config.id,
    }


def _stamp(item: dict[str, Any], outcome: MemberOutcome) -> dict[str, Any]:
    stamp = _provenance(outcome)
    info = item.get("info") if isinstance(item.get("info"), dict) else {}
    return {**item, "beaconId": stamp["beaconId"], "info": {**info, **stamp}}


def _wanted(include: str, exists: bool) -> bool:
    return include == "ALL" or (include == "HIT" and exists) or (include == "MISS" and not exists)


def _result_sets(outcome: MemberOutcome, query: NetworkQuery, granularity: str) -> list[dict]:
    body = outcome.body or {}
    sets = body.get("response", {}).get("resultSets") or []
    if sets:
        return [_stamp(rs, outcome) for rs in sets]
    # A member that answered only a summary still gets one labelled set (count and above),
    # so per-country figures are visible in the same place for every member.
    summary = body["responseSummary"]
    if granularity == "boolean" or "numTotalResults" not in summary:
        return []
    if not _wanted(query.include, summary["exists"]):
        return []
    synthetic = {
        "id": outcome.beacon_id or outcome.member.config.id,
        "setType": "beacon",
        "exists": summary["exists"],
        "resultsCount": summary["numTotalResults"],
        "results": [],
    }
    for key in ("countPrecision", "countAdjustedTo"):
        if key in summary:
            synthetic[key] = summary[key]
    return [_stamp(synthetic, outcome)]


def _network_info(outcomes: list[MemberOutcome], extra: dict[str, Any]) -> dict[str, Any]:
    members = []
    for o in outcomes:
        entry = o.describe()
        if o.status == "ok" and o.body is not None:
            entry["exists"] = o.body["responseSummary"]["exists"]
            entry["returnedGranularity"] = o.body["meta"].get("returnedGranularity")
            member_info = o.body.get("info") or {}
            coarser = member_info.get("coarserDatasets")
            if isinstance(coarser, list) and coarser:
                entry["coarserDatasets"] = coarser
            hints = member_info.get("hints")
            if isinstance(hints, list) and hints:
                entry["hints"] = [str(h) for h in hints]
            privacy = member_info.get("privacy")
            if isinstance(privacy, dict) and privacy:
                # Which of its answers the member perturbed (docs/privacy.md), boolean ones too.
                entry["privacy"] = privacy
        members.append(entry)
    return {
        "network": {
            "queried": sum(o.status != "skipped" for o in outcomes),
            "answered": [o.member.config.id for o in outcomes if o.status == "ok"],
            "unavailable": [
                {
                    "id": o.member.config.id,
                    "country": o.member.config.country,
                    "status": o.status,
                    "reason": o.reason,
                }
                for o in outcomes
                if o.status != "ok"
            ],
            "members": members,
            **extra,
        }
    }


def merge_entry(
    outcomes: list[MemberOutcome], query: NetworkQuery, *, beacon_id: str
) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of the network answer to ``query``."""
    ok = [o for o in outcomes if o.status == "ok" and o.body is not None]
    if not ok:
        return _no_answer(outcomes, query, beacon_id=beacon_id)
    finest = max(
        (o.body["meta"]["returnedGranularity"] for o in ok), key=GRANULARITY_ORDER.__getitem__
    )
    granularity = min(query.granularity, finest, key=GRANULARITY_ORDER.__getitem__)
    schemas = next(
        (
            o.body["meta"].get("returnedSchemas")
            for o in ok
            if o.body["meta"].get("returnedSchemas")
        ),
        None,
    ) or _default_schemas(query)
    summary: dict[str, Any] = {"exists": any(o.body["responseSummary"]["exists"] for o in ok)}
    extra: dict[str, Any] = {}
    if granularity != "boolean":
        counted = [(o, read_member_total(o.body)) for o in ok]
        parts = [(o, p) for o, p in counted if p is not None]
        if parts:
            network_total = total(p for _, p in parts)
            summary.update(network_total.summary_fields())
            extra["count"] = {
                "precision": network_total.precision,
                "lowerBound": network_total.lower,
                "upperBound": network_total.upper,
                "byMember": {
                    o.member.config.id: {
                        "reported": p.reported,
                        "precision": p.precision,
                        "lowerBound": p.lower,
                        "upperBound": p.upper,
                    }
                    for o, p in parts
                },
                "notCounted": [o.member.config.id for o, p in counted if p is None],
            }
    body: dict[str, Any] = {
        "meta": _meta(query, beacon_id=beacon_id, granularity=granularity, schemas=schemas),
        "responseSummary": summary,
    }
    if query.is_collection:
        collections = [
            _stamp(c, o) for o in ok for c in o.body.get("response", {}).get("collections") or []
        ]
        body["response"] = {"collections": collections}
    else:
        sets = [rs for o in ok for rs in _result_sets(o, query, granularity)]
        body["response"] = {"resultSets": sets}
    body["info"] = _network_info(outcomes, extra)
    return 200, body


def _no_answer(
    outcomes: list[MemberOutcome], query: NetworkQuery, *, beacon_id: str
) -> tuple[int, dict[str, Any]]:
    rejected = [o for o in outcomes if o.status == "rejected"]
    if rejected and all(o.status in ("rejected", "skipped") for o in outcomes):
        # Every member that was asked refused the query itself: that is the caller's error.
        status = rejected[0].http_status or 400
        message = "every member rejected the query: " + "; ".join(
            f"{o.member.config.id}: {o.reason}" for o in rejected
        )
    elif not outcomes:
        status, message = 503, "this network has no members configured"
    else:
        status = 503
        message = "no member of the network answered; see info.network for each member's reason"
    body = {
        "meta": _meta(
            query, beacon_id=beacon_id, granularity="boolean", schemas=_default_schemas(query)
        ),
        "error": {"errorCode": status, "errorMessage": message},
        "info": _network_info(outcomes, {}),
    }
    return status, body

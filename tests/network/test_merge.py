"""Merging member outcomes: granularity, provenance, partial and empty answers."""

from __future__ import annotations

from onemg.demo.stub import StubConfig, entry_body
from onemg.network.breaker import CircuitBreaker
from onemg.network.config import MemberConfig
from onemg.network.fanout import MemberOutcome
from onemg.network.merge import merge_entry
from onemg.network.query import from_get
from onemg.network.registry import MemberState
from tests.beacon_schema import validate, validate_beacon_response


def _member(cc: str) -> MemberState:
    config = MemberConfig(id=cc.lower(), base_url=f"http://{cc}.node/api", country=cc)
    return MemberState(config, CircuitBreaker(failure_threshold=1, cooldown_s=1))


def _ok(cc: str, granularity: str, counts: tuple[int, ...] = (10,)) -> MemberOutcome:
    body = entry_body(StubConfig(country=cc, beacon_id=f"b.{cc}", counts=counts), granularity)
    return MemberOutcome(_member(cc), "ok", elapsed_ms=1.0, http_status=200, body=body)


QUERY = from_get(
    "individuals", {"requestedGranularity": "count"}, "requestedGranularity=count", max_page=1000
)


def test_boolean_member_does_not_hide_the_others_counts() -> None:
    fi, ee = _ok("FI", "count", (12,)), _ok("EE", "boolean")
    ee.body["info"] = {"coarserDatasets": [{"datasetId": "ee-1", "returnedGranularity": "boolean",
                                            "unlockedBy": "REGISTERED"}],
                       "hints": ["Beacon `start` is 0-based"]}
    status, body = merge_entry([fi, ee], QUERY, beacon_id="h")
    assert status == 200
    assert body["meta"]["returnedGranularity"] == "count"
    assert body["responseSummary"]["numTotalResults"] == 12  # FI's count is still there
    assert body["info"]["network"]["count"]["notCounted"] == ["ee"]
    members = {m["id"]: m for m in body["info"]["network"]["members"]}
    assert members["ee"]["returnedGranularity"] == "boolean"
    assert members["ee"]["coarserDatasets"][0]["unlockedBy"] == "REGISTERED"
    assert "coarserDatasets" not in members["fi"]
    assert members["ee"]["hints"] == ["Beacon `start` is 0-based"]
    validate_beacon_response(body)


def test_all_boolean_members_claim_no_count() -> None:
    status, body = merge_entry([_ok("FI", "boolean"), _ok("EE", "boolean")], QUERY,
                               beacon_id="h")
    assert status == 200
    assert body["meta"]["returnedGranularity"] == "boolean"
    assert body["responseSummary"] == {"exists": True}
    validate_beacon_response(body)


def test_partial_answer_names_the_missing_member() -> None:
    down = MemberOutcome(_member("PT"), "failed", "unreachable (ConnectError)", elapsed_ms=0.5)
    status, body = merge_entry([_ok("FI", "count", (7,)), down], QUERY, beacon_id="h")
    assert status == 200
    assert body["responseSummary"]["numTotalResults"] == 7
    assert body["info"]["network"]["unavailable"] == [
        {"id": "pt", "country": "PT", "status": "failed", "reason": "unreachable (ConnectError)"}
    ]
    validate(body, "beaconCountResponse")


def test_no_answer_is_a_503_beacon_error() -> None:
    down = MemberOutcome(_member("PT"), "failed", "timed out after 2 s")
    status, body = merge_entry([down], QUERY, beacon_id="h")
    assert status == 503
    validate(body, "beaconErrorResponse")
    assert body["info"]["network"]["unavailable"][0]["reason"] == "timed out after 2 s"


def test_query_rejected_by_every_member_is_the_callers_error() -> None:
    rejected = [
        MemberOutcome(_member(cc), "rejected", "HTTP 400: bad start", http_status=400)
        for cc in ("FI", "EE")
    ]
    status, body = merge_entry(rejected, QUERY, beacon_id="h")
    assert status == 400
    assert "every member rejected the query" in body["error"]["errorMessage"]
    validate(body, "beaconErrorResponse")


def test_summary_only_member_gets_a_labelled_result_set() -> None:
    outcome = _ok("FI", "count", (12,))
    outcome.body["response"] = {"resultSets": []}
    _, body = merge_entry([outcome], QUERY, beacon_id="h")
    (rs,) = body["response"]["resultSets"]
    assert (rs["id"], rs["setType"], rs["resultsCount"]) == ("b.FI", "beacon", 12)
    assert rs["info"] == {"beaconId": "b.FI", "country": "FI", "memberId": "fi"}

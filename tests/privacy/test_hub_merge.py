"""The hub never makes an answer more exact than its members gave: a network total over a
perturbed or floored member stays imprecise, with an interval that says which kind it is."""

from __future__ import annotations

from onemg.beacon.policy import ReportedCount, total
from onemg.demo.stub import StubConfig, entry_body
from onemg.network.breaker import CircuitBreaker
from onemg.network.config import MemberConfig
from onemg.network.counts import read_member_total
from onemg.network.fanout import MemberOutcome
from onemg.network.merge import merge_entry
from onemg.network.query import from_get
from onemg.network.registry import MemberState
from tests.beacon_schema import validate_beacon_response
from tests.privacy.conftest import bearer, serve, variant_url

QUERY = from_get(
    "individuals", {"requestedGranularity": "count"}, "requestedGranularity=count", max_page=1000
)


def _outcome(cc: str, body: dict) -> MemberOutcome:
    config = MemberConfig(id=cc.lower(), base_url=f"http://{cc}.node/api", country=cc)
    member = MemberState(config, CircuitBreaker(failure_threshold=1, cooldown_s=1))
    return MemberOutcome(member, "ok", elapsed_ms=1.0, http_status=200, body=body)


def _exact(cc: str, count: int) -> MemberOutcome:
    return _outcome(
        cc, entry_body(StubConfig(country=cc, beacon_id=f"b.{cc}", counts=(count,)), "count")
    )


async def test_perturbed_member_keeps_the_network_total_noisy(make_node) -> None:
    app, _ = make_node("budget+perturb", budget=100)
    async with serve(app) as c:
        noisy = (
            await c.get(
                variant_url("7:1020:A:G", dataset="ds-fi,ds-ee"), headers=bearer("hub-user")
            )
        ).json()
    node_total = noisy["responseSummary"]
    assert node_total["countPrecision"] == "imprecise"
    assert node_total["countAdjustedTo"][0].startswith("~")  # the node's own total, two sets
    part = read_member_total(noisy)
    assert part is not None
    assert part.soft
    assert not part.exact
    status, body = merge_entry([_outcome("FI", noisy), _exact("EE", 40)], QUERY, beacon_id="h")
    assert status == 200
    summary = body["responseSummary"]
    assert summary["countPrecision"] == "imprecise"
    assert summary["countAdjustedTo"] == [f"~{part.lower + 40}-{part.upper + 40}"]
    assert summary["numTotalResults"] == node_total["numTotalResults"] + 40
    # The member's result sets (with their perturbation notes) reach the researcher as given.
    fi_sets = [rs for rs in body["response"]["resultSets"] if rs["info"]["country"] == "FI"]
    assert all(rs["countPrecision"] == "imprecise" for rs in fi_sets)
    members = {m["id"]: m for m in body["info"]["network"]["members"]}
    assert members["fi"]["privacy"]["perturbedDatasets"] == ["ds-fi", "ds-ee"]
    assert "privacy" not in members["ee"]
    validate_beacon_response(body)


async def test_floored_member_keeps_the_total_imprecise(make_node) -> None:
    app, _ = make_node("k-floor")
    async with serve(app) as c:
        floored = (await c.get(variant_url("7:1010:A:G"))).json()
    status, body = merge_entry([_outcome("FI", floored), _exact("EE", 12)], QUERY, beacon_id="h")
    assert body["responseSummary"]["countPrecision"] == "imprecise"
    assert body["responseSummary"]["countAdjustedTo"] == ["12-16"]  # 0..4 plus 12


def test_node_total_of_noisy_parts_is_labelled_soft() -> None:
    exact = ReportedCount(10)
    noisy = ReportedCount(4, exact=False, adjusted_to="~0-9", bounds=(0, 9), noisy=True)
    floored = ReportedCount(0, exact=False, adjusted_to="<5", bounds=(0, 4))
    assert total([exact, exact]).exact
    assert total([exact, floored]).adjusted_to == "10-14"
    combined = total([exact, noisy, floored])
    assert not combined.exact
    assert combined.adjusted_to == "~10-23"
    assert combined.noisy


def test_portal_words_never_present_noise_as_certain() -> None:
    from onemg.network.counts import read_count
    from onemg.portal.search import count_text

    noisy = read_count(
        {"resultsCount": 7, "countPrecision": "imprecise", "countAdjustedTo": ["~2-12"]},
        count_key="resultsCount",
    )
    floored = read_count(
        {"resultsCount": 0, "countPrecision": "imprecise", "countAdjustedTo": ["<5"]},
        count_key="resultsCount",
    )
    assert count_text(noisy) == (
        "about 7 (with privacy noise: between 2 and 12 with 99% probability)"
    )
    assert count_text(floored) == "fewer than 5"

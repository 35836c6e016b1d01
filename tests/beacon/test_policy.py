"""Granularity tiers and the privacy floor."""

from __future__ import annotations

import pytest

from onemg.beacon.policy import decide, floor_count, total, unlocked_by
from onemg.errors import AccessDeniedError
from onemg.security import ANONYMOUS, Principal
from onemg.testing import MemoryAuditSink

DEFAULT = {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"}
REGISTERED_COUNT = {"boolean": "PUBLIC", "count": "REGISTERED", "record": "CONTROLLED"}
CLOSED = {"boolean": "REGISTERED", "count": "REGISTERED", "record": "CONTROLLED"}
OPEN = {"boolean": "PUBLIC", "count": "PUBLIC", "record": "PUBLIC"}


@pytest.mark.parametrize(("principal", "requested", "datasets", "expected"), [
    (ANONYMOUS, "record", [("a", DEFAULT)], ("count", ("a",))),
    (ANONYMOUS, "record", [("a", OPEN)], ("record", ("a",))),
    # one restrictive dataset no longer lowers the others: b keeps its count
    (ANONYMOUS, "count", [("a", REGISTERED_COUNT), ("b", DEFAULT)], ("count", ("a", "b"))),
    (ANONYMOUS, "count", [("a", CLOSED), ("b", DEFAULT)], ("count", ("b",))),
    (Principal("u", registered=True), "count", [("a", REGISTERED_COUNT)], ("count", ("a",))),
    (Principal("u", datasets=frozenset({"a"})), "record", [("a", DEFAULT)],
     ("record", ("a",))),
    (Principal("u", registered=True), "boolean", [("a", CLOSED)], ("boolean", ("a",))),
])
def test_decide(principal: Principal, requested: str, datasets: list, expected: tuple) -> None:
    audit = MemoryAuditSink()
    d = decide(requested, datasets, principal, audit=audit, action="t")
    assert (d.granularity, d.dataset_ids) == expected
    if datasets == [("a", REGISTERED_COUNT), ("b", DEFAULT)]:
        assert dict(d.by_dataset) == {"a": "boolean", "b": "count"}
        assert unlocked_by(REGISTERED_COUNT, "boolean", "count") == "REGISTERED"
    # Every decision is audited, anonymous ones too: one entry per dataset in scope.
    assert len(audit.entries) == len(datasets)
    assert {e["user"] for e in audit.entries} == {principal.subject or "anonymous"}
    for e in audit.entries:
        ds = e["resource"].removeprefix("dataset:")
        if ds not in expected[1]:
            assert e["result"] == "denied"
        else:
            returned = d.of(ds)  # each dataset's own granularity is what is audited
            assert e["result"] == ("granted" if returned == requested else "downgraded")
            assert e["reason"] == f"requested={requested} returned={returned}"


def test_anonymous_downgrade_is_audited_with_entry_type() -> None:
    audit = MemoryAuditSink()
    decide("record", [("a", DEFAULT)], ANONYMOUS, audit=audit, action="beacon.query",
           entry_type="individuals", origin="10.0.0.1")
    assert audit.entries == [{"user": "anonymous", "action": "beacon.query",
                              "resource": "dataset:a/individuals", "result": "downgraded",
                              "reason": "requested=record returned=count",
                              "origin": "10.0.0.1"}]


def test_authenticated_insufficient_is_denied_and_audited() -> None:
    audit = MemoryAuditSink()
    with pytest.raises(AccessDeniedError, match="b"):
        decide("record", [("a", DEFAULT), ("b", DEFAULT)],
               Principal("u", datasets=frozenset({"a"})), audit=audit, action="t")
    # The whole request is refused: every dataset in scope is audited as denied.
    assert {(e["resource"], e["result"]) for e in audit.entries} == {
        ("dataset:a", "denied"), ("dataset:b", "denied")}
    assert {e["user"] for e in audit.entries} == {"u"}
    (b,) = [e for e in audit.entries if e["resource"] == "dataset:b"]
    assert "403: granularity not granted" in b["reason"]


def test_controlled_set() -> None:
    d = decide("count", [("a", DEFAULT), ("b", DEFAULT)],
               Principal("u", datasets=frozenset({"a"})), audit=MemoryAuditSink(), action="t")
    assert d.controlled == frozenset({"a"})


@pytest.mark.parametrize(("count", "k", "reported", "exact"), [
    (0, 5, 0, False), (1, 5, 0, False), (4, 5, 0, False), (5, 5, 5, True), (17, 5, 17, True),
    (1, 1, 1, True), (0, 1, 0, True),
])
def test_floor(count: int, k: int, reported: int, exact: bool) -> None:
    r = floor_count(count, k, protect=True)
    assert (r.count, r.exact, r.exists) == (reported, exact, reported > 0)
    assert r.precision == ("exact" if exact else "imprecise")
    assert floor_count(count, k, protect=False).count == count


def test_zero_and_counts_below_k_are_one_answer() -> None:
    """Issue 11 §1: neither the count nor exists tells 0 from 1..k-1 (a singleton's
    existence must not come out of a floored count)."""
    answers = {floor_count(c, 5, protect=True) for c in range(5)}
    assert len(answers) == 1
    (only,) = answers
    assert (only.count, only.exists, only.adjusted_to, only.interval) == (0, False, "<5", (0, 4))


def test_total_of_reported_parts() -> None:
    t = total([floor_count(2, 5, protect=True), floor_count(100, 5, protect=True)])
    # The reported parts add up; the interval holds the true total (100..104).
    assert (t.count, t.exact, t.adjusted_to) == (100, False, "100-104")
    assert total([floor_count(0, 5, protect=True)]).adjusted_to == "<5"
    assert total([floor_count(7, 5, protect=True), floor_count(9, 5, protect=True)]).exact

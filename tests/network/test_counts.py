"""Honest count arithmetic: exact only when every part is, otherwise an interval."""

from __future__ import annotations

import pytest

from onemg.network.counts import CountPart, read_count, read_member_total, total


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"n": 7}, CountPart(7, "exact", 7, 7)),
        ({"n": 7, "countPrecision": "exact"}, CountPart(7, "exact", 7, 7)),
        (
            {"n": 5, "countPrecision": "imprecise", "countAdjustedTo": [5]},
            CountPart(5, "imprecise", 0, 4),
        ),
        (
            {"n": 30, "countPrecision": "rounded", "countAdjustedTo": [10]},
            CountPart(30, "rounded", 21, 39),
        ),
        (
            {"n": 30, "countPrecision": "rounded", "countAdjustedTo": ["immediate ten"]},
            CountPart(30, "rounded", 21, 30),
        ),
        (
            {"n": 25, "countPrecision": "imprecise", "countAdjustedTo": ["20-30"]},
            CountPart(25, "imprecise", 20, 30),
        ),
        (
            {"n": 31, "countPrecision": "imprecise", "countAdjustedTo": [">30"]},
            CountPart(31, "imprecise", 31, None),
        ),
        (
            {"n": 3, "countPrecision": "imprecise", "countAdjustedTo": ["<5"]},
            CountPart(3, "imprecise", 0, 4),
        ),
        ({"n": 9, "countPrecision": "imprecise"}, CountPart(9, "imprecise", 0, None)),
        ({"n": 9, "countAdjustedTo": ["whatever"]}, CountPart(9, "imprecise", 0, None)),
    ],
)
def test_read_count(section: dict, expected: CountPart) -> None:
    assert read_count(section, count_key="n") == expected


def test_read_count_without_count_is_none() -> None:
    assert read_count({"exists": True}, count_key="numTotalResults") is None


def test_total_of_exact_parts_is_exact() -> None:
    result = total([CountPart(3, "exact", 3, 3), CountPart(4, "exact", 4, 4)])
    assert result.summary_fields() == {"numTotalResults": 7, "countPrecision": "exact"}


def test_total_never_adds_floors_as_exact() -> None:
    floored = CountPart(5, "imprecise", 0, 4)
    result = total([CountPart(100, "exact", 100, 100), floored])
    assert result.summary_fields() == {
        "numTotalResults": 105,
        "countPrecision": "imprecise",
        "countAdjustedTo": ["100-104"],
    }


def test_total_rounded_parts_stay_rounded_and_unbounded_parts_give_lower_bound() -> None:
    assert (
        total([CountPart(30, "rounded", 21, 30), CountPart(10, "rounded", 1, 10)]).label == "22-40"
    )
    unbounded = total([CountPart(30, "rounded", 21, 30), CountPart(9, "imprecise", 0, None)])
    assert (unbounded.precision, unbounded.label) == ("imprecise", ">=21")


def test_member_total_uses_per_dataset_intervals() -> None:
    body = {
        "responseSummary": {
            "exists": True,
            "numTotalResults": 105,
            "countPrecision": "imprecise",
            "countAdjustedTo": [105],
        },
        "response": {
            "resultSets": [
                {"id": "a", "resultsCount": 100, "countPrecision": "exact"},
                {
                    "id": "b",
                    "resultsCount": 5,
                    "countPrecision": "imprecise",
                    "countAdjustedTo": [5],
                },
            ]
        },
    }
    assert read_member_total(body) == CountPart(105, "imprecise", 100, 104)


def test_member_total_falls_back_to_summary_when_sets_do_not_add_up() -> None:
    body = {
        "responseSummary": {
            "exists": True,
            "numTotalResults": 105,
            "countPrecision": "imprecise",
            "countAdjustedTo": [105],
        },
        "response": {"resultSets": [{"id": "a", "resultsCount": 5, "countPrecision": "exact"}]},
    }
    assert read_member_total(body) == CountPart(105, "imprecise", 0, 104)

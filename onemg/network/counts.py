"""Honest arithmetic on counts that members may have rounded, floored or noised.

Every count a member reports is read as an interval that holds the true count: an exact count
``n`` is ``[n, n]``; an adjusted one (v2.2 ``countPrecision`` ``rounded``/``imprecise`` with
``countAdjustedTo``) is whatever interval its adjustment allows, and an adjustment the hub cannot
interpret is ``[0, unbounded)``. The network total is the sum of the intervals. It is reported
as exact only when every part is exact; otherwise ``countPrecision`` says how it was adjusted and
``countAdjustedTo`` carries the interval (``"L-U"`` or ``">=L"``), so nobody mistakes a sum of
floors for a count.

Understood ``countAdjustedTo`` items, for a reported count ``n``:

- ``"L-U"`` -> ``[L, U]``; ``">N"`` -> ``[N+1, inf)``; ``">=N"`` -> ``[N, inf)``;
  ``"<N"`` -> ``[0, N-1]``; ``"<=N"`` -> ``[0, N]``;
- ``"immediate ten"`` / ``"immediate hundred"`` (rounded up) -> ``[n-9, n]`` / ``[n-99, n]``;
- ``"~L-U"`` (a noisy count of onemg's privacy perturbation; docs/privacy.md) -> ``[L, U]``, its
  99% interval: marked *soft*, so a total that includes it is labelled ``"~L-U"`` too and is
  never reported as a certainty;
- an integer ``k``: with ``n == k`` a floor (the true count is below ``k``: onemg nodes'
  privacy floor and pi-api's ``imprecise_count``) -> ``[0, k-1]``; otherwise a rounding unit
  -> ``[n-k+1, n+k-1]``.

A member's total is read from its per-dataset result sets when they add up to its summary
(each dataset then keeps its own interval: 5 floored + 100 exact is ``[100, 104]``, not
``[0, 104]``), and from its summary otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_SOFT = re.compile(r"^\s*~\s*(\d+)\s*-\s*(\d+)\s*$")
_BOUND = re.compile(r"^\s*(>=|<=|>|<)\s*(\d+)\s*$")
_IMMEDIATE = {"immediate ten": 10, "immediate hundred": 100, "immediate thousand": 1000}


@dataclass(frozen=True)
class CountPart:
    """One reported count and the interval that holds the true count."""

    reported: int
    precision: str
    lower: int
    #: ``None`` means no upper bound is known.
    upper: int | None
    #: True when ``[lower, upper]`` is a confidence interval of a noisy count, not a certainty.
    soft: bool = False

    @property
    def exact(self) -> bool:
        """True when the reported count is the true count."""
        return self.precision == "exact"


def _interval(item: Any, reported: int) -> tuple[int, int | None] | None:
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        if item <= 0:
            return None
        if reported == item:
            return 0, item - 1
        return max(0, reported - item + 1), reported + item - 1
    if not isinstance(item, str):
        return None
    text = item.strip().lower()
    if text in _IMMEDIATE:
        return max(0, reported - _IMMEDIATE[text] + 1), reported
    if match := _RANGE.match(text):
        low, high = int(match[1]), int(match[2])
        return (low, high) if low <= high else None
    if match := _BOUND.match(text):
        op, value = match[1], int(match[2])
        return {
            ">": (value + 1, None),
            ">=": (value, None),
            "<": (0, max(0, value - 1)),
            "<=": (0, value),
        }[op]
    return None


def read_count(section: Mapping[str, Any], *, count_key: str) -> CountPart | None:
    """The :class:`CountPart` of a responseSummary or resultSet, or ``None`` without a count."""
    reported = section.get(count_key)
    if not isinstance(reported, int) or isinstance(reported, bool):
        return None
    precision = section.get("countPrecision") or "exact"
    adjusted = section.get("countAdjustedTo") or []
    if precision == "exact" and not adjusted:
        return CountPart(reported, "exact", reported, reported)
    if precision == "exact":
        # countAdjustedTo without a precision still means the count was adjusted.
        precision = "imprecise"
    for item in adjusted:
        if isinstance(item, str) and (match := _SOFT.match(item)):
            low, high = int(match[1]), int(match[2])
            if low <= high:
                return CountPart(reported, "imprecise", low, high, soft=True)
            continue
        bounds = _interval(item, reported)
        if bounds is not None:
            return CountPart(reported, precision, bounds[0], bounds[1])
    return CountPart(reported, precision, 0, None)


@dataclass(frozen=True)
class CountTotal:
    """The network total over several parts."""

    reported: int
    precision: str
    lower: int
    upper: int | None
    #: True when some part was a noisy count: the interval is then a confidence interval.
    soft: bool = False

    def summary_fields(self) -> dict[str, Any]:
        """``numTotalResults`` plus the v2.2 precision fields for a responseSummary."""
        fields: dict[str, Any] = {
            "numTotalResults": self.reported,
            "countPrecision": self.precision,
        }
        if self.precision != "exact":
            fields["countAdjustedTo"] = [self.label]
        return fields

    @property
    def label(self) -> str:
        """The interval as a v2.2 ``countAdjustedTo`` string: ``"L-U"``, ``">=L"``, or
        ``"~L-U"`` when it rests on noisy counts."""
        if self.upper is None:
            return f">={self.lower}"
        return f"{'~' if self.soft else ''}{self.lower}-{self.upper}"


def total(parts: Iterable[CountPart]) -> CountTotal:
    """Add counts honestly: exact only if every part is exact, else an interval."""
    parts = list(parts)
    reported = sum(p.reported for p in parts)
    lower = sum(p.lower for p in parts)
    upper: int | None = 0
    for p in parts:
        upper = None if upper is None or p.upper is None else upper + p.upper
    inexact = [p for p in parts if not p.exact]
    if not inexact:
        precision = "exact"
    elif all(p.precision == "rounded" for p in inexact):
        precision = "rounded"
    else:
        precision = "imprecise"
    return CountTotal(reported=reported, precision=precision, lower=lower, upper=upper,
                      soft=any(p.soft for p in parts))


def read_member_total(body: Mapping[str, Any]) -> CountPart | None:
    """The interval of one member's total count (see the module docstring), or ``None``."""
    summary = read_count(body.get("responseSummary") or {}, count_key="numTotalResults")
    if summary is None or summary.exact:
        return summary
    sets = (body.get("response") or {}).get("resultSets") or []
    parts = [read_count(rs, count_key="resultsCount") for rs in sets]
    if not parts or any(p is None for p in parts):
        return summary
    combined = total(p for p in parts if p is not None)
    if combined.reported != summary.reported:
        return summary
    return CountPart(summary.reported, summary.precision, combined.lower, combined.upper,
                     soft=combined.soft)

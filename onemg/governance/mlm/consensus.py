"""Consensus arithmetic: a panel's spread per indicator and the Delphi agreement rule.

Pure functions over plain values (no I/O). The published Delphi rule of the MLM's own validation
(B1MG D5.1) is: an item reaches agreement when at least 86% of the panel agree, or at least 79%
agree and nobody disagrees. Applied to level ratings, onemg reads "agree" as *a rating within
±``tolerance`` levels of the panel median* and "disagree" as *a rating at least
``disagreement_distance`` levels away from the median*. "Don't know" answers count in neither
share. Percentages are compared exactly (fractions), so 6 of 7 (85.71%) misses 86%.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from onemg.errors import InvalidInputError


@dataclass(frozen=True)
class DelphiRule:
    """When a panel agrees on an indicator (configurable; the defaults are the published rule)."""

    agreement_pct: float = 86.0
    tolerance: int = 1
    lenient_pct: float = 79.0
    disagreement_distance: int = 3
    #: Fewer known ratings than this never count as agreement.
    min_ratings: int = 2

    def __post_init__(self) -> None:
        if not (0 < self.lenient_pct <= self.agreement_pct <= 100):
            raise InvalidInputError(
                "Delphi rule: need 0 < lenient_pct <= agreement_pct <= 100 "
                f"(got {self.lenient_pct} and {self.agreement_pct})"
            )
        if not (0 <= self.tolerance < self.disagreement_distance <= 4):
            raise InvalidInputError(
                "Delphi rule: need 0 <= tolerance < disagreement_distance <= 4 "
                f"(got {self.tolerance} and {self.disagreement_distance})"
            )
        if self.min_ratings < 1:
            raise InvalidInputError("Delphi rule: min_ratings must be at least 1")

    def as_dict(self) -> dict[str, float | int]:
        """The rule as JSON-friendly values."""
        return {
            "agreement_pct": self.agreement_pct,
            "tolerance": self.tolerance,
            "lenient_pct": self.lenient_pct,
            "disagreement_distance": self.disagreement_distance,
            "min_ratings": self.min_ratings,
        }


@dataclass(frozen=True)
class Spread:
    """How a panel rated one indicator."""

    levels: tuple[int, ...]
    dont_know: int
    median: float | None
    agreement: Fraction | None
    disagreement: Fraction | None
    consensus: bool

    @property
    def agreement_pct(self) -> float | None:
        """Agreement as a percentage (for display)."""
        return None if self.agreement is None else float(self.agreement * 100)

    @property
    def disagreement_pct(self) -> float | None:
        """Disagreement as a percentage (for display)."""
        return None if self.disagreement is None else float(self.disagreement * 100)

    @property
    def suggested_level(self) -> int | None:
        """The median rounded half down (a cautious suggestion; the panel decides)."""
        if self.median is None:
            return None
        return int(self.median) if self.median % 1 <= 0.5 else int(self.median) + 1


def spread(ratings: Sequence[int | None], rule: DelphiRule) -> Spread:
    """The spread of one indicator's ratings (``None`` = don't know) under ``rule``."""
    levels = tuple(sorted(r for r in ratings if r is not None))
    if any(r not in (1, 2, 3, 4, 5) for r in levels):
        raise InvalidInputError(f"ratings must be levels 1-5 or None, got {list(ratings)}")
    dont_know = len(ratings) - len(levels)
    if not levels:
        return Spread(levels, dont_know, None, None, None, False)
    median = statistics.median(levels)
    n = len(levels)
    within = sum(1 for lv in levels if abs(lv - median) <= rule.tolerance)
    apart = sum(1 for lv in levels if abs(lv - median) >= rule.disagreement_distance)
    agreement, disagreement = Fraction(within, n), Fraction(apart, n)
    pct = agreement * 100
    consensus = n >= rule.min_ratings and (
        pct >= Fraction(str(rule.agreement_pct))
        or (pct >= Fraction(str(rule.lenient_pct)) and apart == 0)
    )
    return Spread(levels, dont_know, float(median), agreement, disagreement, consensus)

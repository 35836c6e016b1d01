"""Benchmark statistics between health systems (pure functions).

For each indicator: this system's level, the median and highest level among the systems that
shared, and the distribution of levels. Privacy: below ``DISTRIBUTION_MIN`` (5) systems the
distribution and the highest level are hidden, so no single country's score can be read off. Below
``MEDIAN_MIN`` (3) the median is hidden too: with two systems the median is their mean, and a
system that knows its own level could compute the other's.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from onemg.governance.mlm.model import Model

DISTRIBUTION_MIN = 5
MEDIAN_MIN = 3


@dataclass(frozen=True)
class IndicatorBenchmark:
    """One indicator compared across the systems that shared."""

    indicator_id: str
    own: int | None
    systems: int
    median: float | None
    highest: int | None
    distribution: tuple[int, ...] | None  # count of systems at levels 1..5
    suppressed: str | None  # why something is hidden, for the reader


def _suppression(n: int) -> str | None:
    if n < MEDIAN_MIN:
        return (
            f"only {n} system(s) shared this indicator; at least {MEDIAN_MIN} are needed "
            "before a median is shown"
        )
    if n < DISTRIBUTION_MIN:
        return (
            f"only {n} systems shared this indicator; the highest level and the distribution "
            f"appear from {DISTRIBUTION_MIN} systems"
        )
    return None


def indicator_benchmarks(
    model: Model, own: Mapping[str, int], pool: Sequence[Mapping[str, int]]
) -> list[IndicatorBenchmark]:
    """Compare ``own`` with ``pool`` (one mapping per shared system, own included if shared)."""
    out = []
    for ind in model.indicators:
        vals = [p[ind.id] for p in pool if ind.id in p]
        n = len(vals)
        median = float(statistics.median(vals)) if n >= MEDIAN_MIN else None
        full = n >= DISTRIBUTION_MIN
        out.append(
            IndicatorBenchmark(
                ind.id,
                own.get(ind.id),
                n,
                median,
                max(vals) if full else None,
                tuple(vals.count(lv) for lv in (1, 2, 3, 4, 5)) if full else None,
                _suppression(n),
            )
        )
    return out


@dataclass(frozen=True)
class Spot:
    """An indicator or domain in the cross-Europe view."""

    id: str
    name: str
    median: float
    lowest: float
    highest: float

    @property
    def range(self) -> float:
        """Highest minus lowest: how asymmetric the systems are."""
        return self.highest - self.lowest


@dataclass(frozen=True)
class CrossEurope:
    """Consistently strong and weak indicators and domains, and the largest asymmetries."""

    systems: int
    suppressed: str | None
    strong: tuple[Spot, ...] = ()
    weak: tuple[Spot, ...] = ()
    strong_domains: tuple[Spot, ...] = ()
    weak_domains: tuple[Spot, ...] = ()
    asymmetries: tuple[Spot, ...] = ()


def cross_europe(
    model: Model,
    pool: Sequence[Mapping[str, int]],
    *,
    strong_at: float = 4.0,
    weak_at: float = 2.0,
    top: int = 10,
) -> CrossEurope:
    """Aggregate view over every shared system (hidden below ``DISTRIBUTION_MIN`` systems).

    Strong: median >= ``strong_at`` and no system below 3. Weak: median <= ``weak_at`` and no
    system above 3. Domains use each system's mean level of the domain.
    """
    n = len(pool)
    if n < DISTRIBUTION_MIN:
        return CrossEurope(
            n, f"only {n} systems shared; cross-Europe views appear from {DISTRIBUTION_MIN}"
        )
    spots = []
    for ind in model.indicators:
        vals = [p[ind.id] for p in pool if ind.id in p]
        if len(vals) >= DISTRIBUTION_MIN:
            spots.append(
                Spot(ind.id, ind.statement, float(statistics.median(vals)), min(vals), max(vals))
            )
    domains = []
    for d in model.domains:
        means = [
            statistics.fmean(v) for p in pool if (v := [p[i.id] for i in d.indicators if i.id in p])
        ]
        if len(means) >= DISTRIBUTION_MIN:
            domains.append(
                Spot(
                    d.id,
                    d.name,
                    round(statistics.median(means), 2),
                    round(min(means), 2),
                    round(max(means), 2),
                )
            )
    return CrossEurope(
        n,
        None,
        strong=tuple(s for s in spots if s.median >= strong_at and s.lowest >= 3),
        weak=tuple(s for s in spots if s.median <= weak_at and s.highest <= 3),
        strong_domains=tuple(
            sorted((d for d in domains if d.median >= 3), key=lambda d: -d.median)
        ),
        weak_domains=tuple(sorted((d for d in domains if d.median < 3), key=lambda d: d.median)),
        asymmetries=tuple(sorted(spots, key=lambda s: (-s.range, s.id))[:top]),
    )

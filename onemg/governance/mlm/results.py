"""Results of a finalised (or in-progress) assessment: domain summaries, gaps, roadmap, deltas.

Pure functions over the model and {indicator id: consensus level}. The model defines no
composite score, so domain means and medians are *derived* summaries, unweighted, and every view
that shows them also shows the indicator profile.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from onemg.governance.mlm.model import Indicator, Model, comparable

#: The roadmap's sequential steps (B1MG D5.2).
STAGES = ("assess", "learn", "plan", "implement")


@dataclass(frozen=True)
class DomainSummary:
    """Derived summary of one domain: mean and median of its indicators' consensus levels."""

    domain_id: str
    name: str
    rated: int
    total: int
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class Gap:
    """An indicator below the target level and the concrete next step."""

    indicator: Indicator
    level: int
    target: int
    next_step: str
    default_stage: str


@dataclass(frozen=True)
class Delta:
    """How one indicator moved between two finalised assessments."""

    indicator: Indicator
    previous: int | None
    current: int | None

    @property
    def delta(self) -> int | None:
        """Current minus previous level (None when either is missing)."""
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous


def domain_summaries(model: Model, levels: Mapping[str, int]) -> list[DomainSummary]:
    """Mean and median consensus level per domain (derived, unweighted)."""
    out = []
    for d in model.domains:
        vals = [levels[i.id] for i in d.indicators if i.id in levels]
        out.append(
            DomainSummary(
                d.id,
                d.name,
                len(vals),
                len(d.indicators),
                round(statistics.fmean(vals), 2) if vals else None,
                float(statistics.median(vals)) if vals else None,
            )
        )
    return out


def default_stage(level: int) -> str:
    """Where a gap starts on the roadmap: the lower the level, the earlier the step."""
    return STAGES[min(level, len(STAGES)) - 1]


def gaps(model: Model, levels: Mapping[str, int], target: int) -> list[Gap]:
    """Indicators whose consensus level is below ``target``, in model order."""
    out = []
    for ind in model.indicators:
        level = levels.get(ind.id)
        if level is not None and level < target:
            out.append(Gap(ind, level, target, ind.descriptor(level + 1), default_stage(level)))
    return out


def deltas(
    current_model: Model,
    current: Mapping[str, int],
    previous_model: Model,
    previous: Mapping[str, int],
) -> list[Delta]:
    """Per-indicator change from ``previous`` to ``current`` (mapped across model versions)."""
    pairs = comparable(current_model, previous_model)
    return [
        Delta(ind, previous.get(pairs[ind.id]) if ind.id in pairs else None, current.get(ind.id))
        for ind in current_model.indicators
    ]

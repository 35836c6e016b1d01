"""Which defences apply to one answer: the effective settings, and what an answer costs.

Effective settings for a dataset and a caller: ``[privacy]`` settings, overridden by the dataset
descriptor's ``privacy`` object, overridden by its ``privacy.tiers.<TIER>`` entry for the
highest tier the caller holds on that dataset (``PUBLIC`` for anonymous callers).

The risk of an exact answer (profile ``budget``), after Shringarpure & Bustamante (2015) and
Raisaro et al. (2017): a "yes" about an allele carried by ``c`` of ``N`` individuals is evidence
of membership for a carrier of the allele worth

    cost(c) = -ln(1 - D),   D = (1 - c/N)^N   (the chance that none of N people carries it),

the likelihood ratio P(yes | carrier in the dataset) / P(yes | carrier not in it) = 1/(1 - D)
of their likelihood-ratio test, with the carrier frequency estimated from the dataset itself.
A singleton costs about 0.46 nats, five carriers 0.0068. A "no" costs nothing (no member
carries the allele). This is an estimate, not a bound: under the k floor a "yes" about an
allele of exactly k carriers may be the target's own doing (k - 1 others read "no"), and its
evidence is then far above cost(k); the 10,000-question run measured a power of 0.10 at 1% FPR
for the ``budget`` profile alone (docs/privacy-attacks.md).

A perturbed answer (profiles ``perturb``, ``budget+perturb``) costs its epsilon: whatever the
true count, the likelihood ratio of any noisy answer between neighbouring datasets is at most
``exp(epsilon)``. That is a bound: with a budget ``B`` the product of these ratios over every
perturbed answer one user gets is at most ``exp(B)``, so any membership test built on them has
power at most ``exp(B)`` times its false-positive rate: ln 5 ≈ 1.609 gives power ≤ 5% at 1% FPR.
Answers outside the risk budget (common alleles, exact and free; filtered counts without a
variant, on their own epsilon budget) are outside that bound (docs/privacy.md).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from onemg.settings import PrivacySettings

_KNOBS = frozenset(f.name for f in dataclasses.fields(PrivacySettings))


def effective(
    settings: PrivacySettings, override: Mapping[str, Any] | None, tier: str
) -> PrivacySettings:
    """The settings for one dataset (descriptor ``privacy`` object) and the caller's tier."""
    if not override:
        return settings
    changes = {k: v for k, v in override.items() if k in _KNOBS and v is not None}
    per_tier = (override.get("tiers") or {}).get(tier) or {}
    changes.update({k: v for k, v in per_tier.items() if k in _KNOBS and v is not None})
    return dataclasses.replace(settings, **changes) if changes else settings


def top_tier(tiers: frozenset[str]) -> str:
    """The highest of a caller's tiers on a dataset."""
    for tier in ("CONTROLLED", "REGISTERED"):
        if tier in tiers:
            return tier
    return "PUBLIC"


def yes_cost(carriers: int, n: int) -> float:
    """Nats of membership evidence a "yes" gives about a carrier (module docstring)."""
    if carriers <= 0 or n <= 0:
        return 0.0
    if carriers >= n:
        return 0.0
    d = math.exp(n * math.log1p(-carriers / n))
    return -math.log1p(-d)

"""Run the attacks on many targets against one Beacon and evaluate them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from onemg.errors import InvalidInputError
from onemg.privacy.attacks.evaluate import evaluate
from onemg.privacy.attacks.lrt import DEFAULT_DELTA
from onemg.privacy.attacks.oracle import BeaconOracle
from onemg.privacy.attacks.strategies import ATTACKS, RUNNERS, Trace
from onemg.privacy.attacks.targets import (
    Reference,
    Target,
    load_members,
    load_outsiders,
    read_profiles,
)
from onemg.synth.panel import read_panel


@dataclass(frozen=True)
class AttackPlan:
    """What to run: which attacks, how many questions per target, the LRT's parameters."""

    attacks: tuple[str, ...] = ATTACKS
    max_queries: int = 10_000
    delta: float = DEFAULT_DELTA
    fpr: float = 0.01
    beacon_size: int | None = None  # None: asked of the Beacon (a count of individuals)

    def __post_init__(self) -> None:
        unknown = [a for a in self.attacks if a not in RUNNERS]
        if unknown or not self.attacks:
            raise InvalidInputError(
                f"unknown attack(s) {', '.join(unknown) or '(none)'}: "
                f"choose from {', '.join(ATTACKS)}"
            )
        if self.max_queries < 1:
            raise InvalidInputError("the number of questions per target must be at least 1")
        if not 0 < self.fpr < 1 or not 0 < self.delta < 1:
            raise InvalidInputError("fpr and delta must lie strictly between 0 and 1")


def choose_targets(
    cohort: Path, panel_dir: Path, *, members: int, outsiders: int, seed: int
) -> tuple[list[Target], Reference]:
    """Draw members from the cohort and non-members from the panel; the rest is the reference."""
    rng = np.random.default_rng(seed)
    profiles = read_profiles(cohort)
    ids = sorted(profiles)
    panel = read_panel(panel_dir)
    if members > len(ids) or outsiders >= panel.individuals:
        raise InvalidInputError(
            f"asked for {members} members and {outsiders} non-members, but the cohort has "
            f"{len(ids)} individuals and the panel {panel.individuals} (some must remain as the "
            "reference): lower --targets or make a larger panel (--held-out)"
        )
    chosen_in = sorted(rng.choice(len(ids), members, replace=False).tolist())
    chosen_out = sorted(rng.choice(panel.individuals, outsiders, replace=False).tolist())
    borrowed = rng.choice(len(ids), outsiders, replace=True).tolist()
    targets = load_members(cohort, [ids[i] for i in chosen_in], profiles)
    targets += load_outsiders(panel, chosen_out, [profiles[ids[i]] for i in borrowed])
    return targets, Reference.from_panel(panel.without(chosen_out))


async def beacon_size(oracle: BeaconOracle) -> int:
    """The Beacon's number of individuals in scope, as it reports it."""
    n = await oracle.count(())
    if not n:
        raise InvalidInputError(
            "the Beacon did not give its number of individuals; pass --beacon-size N"
        )
    return n


def http_oracles(
    client: httpx.AsyncClient,
    tokens: Sequence[str | None] = (None,),
    *,
    dataset_ids: Sequence[str] | None = None,
    prefix: str = "/api",
) -> list[BeaconOracle]:
    """One :class:`BeaconOracle` per account in ``tokens`` (None: anonymous), over ``client``."""
    return [
        BeaconOracle(client, dataset_ids=dataset_ids, token=t, prefix=prefix)
        for t in tokens or (None,)
    ]


async def run_traces(
    oracles: Sequence[BeaconOracle],
    targets: Sequence[Target],
    reference: Reference,
    plan: AttackPlan,
    *,
    n: int,
    on_target: Callable[[], None] | None = None,
) -> dict[str, list[Trace]]:
    """Every attack of ``plan`` on every target: the traces, per attack, in target order.

    Target ``i`` is attacked from account ``oracles[i % len(oracles)]`` (at least one).
    """
    traces: dict[str, list[Trace]] = {a: [] for a in plan.attacks}
    for i, target in enumerate(targets):
        oracle = oracles[i % len(oracles)]
        for name in plan.attacks:
            traces[name].append(
                await RUNNERS[name](
                    target, reference, oracle, n=n, max_queries=plan.max_queries, delta=plan.delta
                )
            )
        if on_target is not None:
            on_target()
    return traces


def summarize(
    traces: dict[str, list[Trace]], plan: AttackPlan, *, n: int, questions_sent: int
) -> dict[str, Any]:
    """The report of traces gathered by :func:`run_traces` (one run, or several merged)."""
    some = next(iter(traces.values()), [])
    return {
        "beacon_size": n,
        "max_queries": plan.max_queries,
        "fpr": plan.fpr,
        "delta": plan.delta,
        "targets_in": sum(t.member for t in some),
        "targets_out": sum(not t.member for t in some),
        "questions_sent": questions_sent,
        "attacks": {
            name: evaluate(tr, fpr=plan.fpr, max_queries=plan.max_queries)
            for name, tr in traces.items()
        },
    }


async def attack(
    oracles: Sequence[BeaconOracle],
    targets: Sequence[Target],
    reference: Reference,
    plan: AttackPlan,
    *,
    on_target: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run ``plan`` on every target and evaluate; the report as a dict.

    Target ``i`` is attacked from account ``oracles[i % len(oracles)]``; one account asks each
    question once (its answers are cached across targets and attacks).
    """
    if not oracles:
        raise InvalidInputError("no account to attack from: give at least one oracle")
    n = plan.beacon_size or await beacon_size(oracles[0])
    traces = await run_traces(oracles, targets, reference, plan, n=n, on_target=on_target)
    return summarize(traces, plan, n=n, questions_sent=sum(o.stats.sent for o in oracles))

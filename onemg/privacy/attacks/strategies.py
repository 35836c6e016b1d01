"""The four attacks. Each asks one target's questions in its own order and scores the answers.

* ``sb``: Shringarpure & Bustamante (2015): the target's ALT alleles, rarest first (frequencies
  from the reference panel), the LRT after each answer.
* ``raisaro``: Raisaro et al. (2017)'s optimal attacker: the alleles whose answer carries the
  most expected information (KL divergence of the answer under "in" and "out") first.
* ``ld``: in the spirit of von Thenen et al. (2019): alleles in perfect LD in the panel (the same
  carriers, within ``LD_WINDOW``) form a block; the block's answers (their majority) are
  inferred for all the target's alleles of the block, asked or not, refused or not. One
  question per block first, then more per block as votes against perturbation.
* ``diff``: count differencing: the count of individuals with the target's phenotype profile
  (sex, year of birth, diagnoses), and, per ALT allele rarest first, the count of those who also
  carry it. The pair isolates the few people who share the profile, so the LRT runs on a Beacon
  the size of the first count instead of the whole cohort.

Every attack returns a :class:`Trace`: the cumulative score after each question asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onemg.privacy.attacks.lrt import information, score_terms
from onemg.privacy.attacks.oracle import NO, REFUSED, YES, BeaconOracle
from onemg.privacy.attacks.targets import Reference, Target

ATTACKS = ("sb", "raisaro", "ld", "diff")
LABELS = {
    "sb": "SB-2015 LRT",
    "raisaro": "Raisaro 2017 optimal",
    "ld": "LD inference",
    "diff": "count differencing",
}


@dataclass(frozen=True)
class Trace:
    """One target under one attack: the score after each question (cumulative), refusals."""

    target: str
    member: bool
    scores: np.ndarray
    refused: int


def _rarest_first(target: Target, ref: Reference) -> tuple[list, np.ndarray]:
    af = ref.frequencies(target.keys)
    order = np.lexsort((np.array([k[1] for k in target.keys], dtype=np.int64), af))
    return [target.keys[i] for i in order], af[order]


async def _plain(
    target: Target,
    keys: list,
    af: np.ndarray,
    oracle: BeaconOracle,
    *,
    n: int,
    max_queries: int,
    delta: float,
) -> Trace:
    keys, af = keys[:max_queries], af[:max_queries]
    answers = np.array([await oracle.exists(k) for k in keys], dtype=np.int8)
    scores = np.cumsum(score_terms(af, answers, n, delta))
    return Trace(target.id, target.member, scores, int((answers == REFUSED).sum()))


async def sb(
    target: Target, ref: Reference, oracle: BeaconOracle, *, n: int, max_queries: int, delta: float
) -> Trace:
    """SB-2015: rarest alleles first."""
    keys, af = _rarest_first(target, ref)
    return await _plain(target, keys, af, oracle, n=n, max_queries=max_queries, delta=delta)


async def raisaro(
    target: Target, ref: Reference, oracle: BeaconOracle, *, n: int, max_queries: int, delta: float
) -> Trace:
    """Raisaro 2017: most informative questions first."""
    af = ref.frequencies(target.keys)
    info = information(af, n, delta)
    order = np.lexsort((np.array([k[1] for k in target.keys], dtype=np.int64), -info))
    return await _plain(
        target,
        [target.keys[i] for i in order],
        af[order],
        oracle,
        n=n,
        max_queries=max_queries,
        delta=delta,
    )


async def ld(
    target: Target, ref: Reference, oracle: BeaconOracle, *, n: int, max_queries: int, delta: float
) -> Trace:
    """LD inference: a block's answers (majority) score all the target's alleles of the block.

    Questions go in rounds: first one allele of every block (blocks by their rarest allele),
    then a second allele of every block that has one, and so on. Against an exact Beacon the
    first round already answers every block; against a perturbed one the later rounds are
    votes on the same hidden bit (the noise of different questions is independent), and a
    refused question is answered by its block's other alleles.
    """
    keys, af = _rarest_first(target, ref)
    groups = ref.groups(keys)
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups.tolist()):
        members.setdefault(g, []).append(i)  # insertion order: blocks by rarest allele
    blocks = list(members.values())
    queue = [b[r] for r in range(max(map(len, blocks), default=0)) for b in blocks if len(b) > r]
    votes: dict[int, list[int]] = {}
    contribution: dict[int, float] = {}
    scores: list[float] = []
    total, refused = 0.0, 0
    for i in queue[:max_queries]:
        g = int(groups[i])
        answer = await oracle.exists(keys[i])
        if answer == REFUSED:
            refused += 1
        else:
            votes.setdefault(g, []).append(answer)
            majority = YES if 2 * sum(votes[g]) >= len(votes[g]) else NO
            block = members[g]
            new = float(score_terms(af[block], np.full(len(block), majority), n, delta).sum())
            total += new - contribution.get(g, 0.0)
            contribution[g] = new
        scores.append(total)
    return Trace(target.id, target.member, np.asarray(scores, dtype=np.float64), refused)


async def diff(
    target: Target, ref: Reference, oracle: BeaconOracle, *, n: int, max_queries: int, delta: float
) -> Trace:
    """Count differencing: (profile) and (profile + allele) pairs, scored on the profile's size."""
    if not target.filters or max_queries < 2:
        return Trace(target.id, target.member, np.zeros(0), 0)
    profile = await oracle.count(target.filters)
    # The Beacon that the pairs isolate: the people sharing the profile (at least the target
    # if it is in; a refused or floored-to-0 count tells nothing, so assume the whole cohort).
    size = profile if profile else n
    keys, af = _rarest_first(target, ref)
    keys, af = keys[: max_queries - 1], af[: max_queries - 1]
    answers = np.empty(len(keys), dtype=np.int8)
    for i, key in enumerate(keys):
        c = await oracle.count(target.filters, key)
        answers[i] = REFUSED if c is None else YES if c >= 1 else NO
    terms = score_terms(af, answers, max(size, 1), delta)
    scores = np.concatenate([[0.0], np.cumsum(terms)])
    refused = int((answers == REFUSED).sum()) + (profile is None)
    return Trace(target.id, target.member, scores, refused)


RUNNERS = {"sb": sb, "raisaro": raisaro, "ld": ld, "diff": diff}

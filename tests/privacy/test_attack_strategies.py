"""The attacks' question order and scoring on a hand-made reference and fixed answers.

The answers come from a table (a Beacon whose every answer is known in advance), so the scores
can be checked against :func:`score_terms` computed by hand; the HTTP side is tested end to end
in test_attack_e2e.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from onemg.privacy.attacks.lrt import score_terms
from onemg.privacy.attacks.oracle import NO, REFUSED, YES
from onemg.privacy.attacks.strategies import ld, sb
from onemg.privacy.attacks.targets import Reference, Target
from onemg.synth.panel import Panel


class TableBeacon:
    """Answers from a dict; records the order of the questions."""

    def __init__(self, answers: dict) -> None:
        self.answers, self.asked = answers, []

    async def exists(self, key: tuple) -> int:
        self.asked.append(key)
        return self.answers[key]


def _reference() -> Reference:
    # Five alleles on a panel of 4 people (8 haplotypes): a, b, c share carriers {0, 3} (one
    # LD block), d is carried by haplotype 5, e by 1, 2, 6.
    keys = [("1", 100, "A", "C"), ("1", 200, "A", "G"), ("1", 300, "C", "T"),
            ("1", 400, "G", "A"), ("1", 500, "T", "C")]  # fmt: skip
    carriers = [[0, 3], [0, 3], [0, 3], [5], [1, 2, 6]]
    indptr = np.cumsum([0] + [len(c) for c in carriers])
    panel = Panel(
        np.array([k[0] for k in keys]), np.array([k[1] for k in keys]),
        np.array([k[2] for k in keys]), np.array([k[3] for k in keys]), indptr,
        np.concatenate(carriers).astype(np.int32), 4,
    )  # fmt: skip
    return Reference.from_panel(panel)


KEYS = [("1", 100, "A", "C"), ("1", 200, "A", "G"), ("1", 300, "C", "T"),
        ("1", 400, "G", "A"), ("1", 500, "T", "C")]  # fmt: skip


async def test_sb_asks_rarest_first_and_sums_the_lrt() -> None:
    ref = _reference()
    target = Target("t", True, tuple(KEYS), ())
    beacon = TableBeacon(dict(zip(KEYS, [YES, YES, NO, YES, REFUSED], strict=True)))
    trace = await sb(target, ref, beacon, n=10, max_queries=10, delta=0.01)  # type: ignore[arg-type]
    # d (AC 1) first, then a, b, c (AC 2, by position), then e (AC 3).
    assert beacon.asked == [KEYS[3], KEYS[0], KEYS[1], KEYS[2], KEYS[4]]
    af = ref.frequencies(beacon.asked)
    expected = np.cumsum(score_terms(af, np.array([YES, YES, YES, NO, REFUSED]), 10, 0.01))
    assert trace.scores == pytest.approx(expected)
    assert trace.refused == 1


async def test_ld_infers_a_block_and_takes_its_majority() -> None:
    ref = _reference()
    target = Target("t", True, tuple(KEYS), ())
    # The block {a, b, c} is answered yes, no, yes (a noisy Beacon): majority yes.
    beacon = TableBeacon(dict(zip(KEYS, [YES, NO, YES, YES, REFUSED], strict=True)))
    trace = await ld(target, ref, beacon, n=10, max_queries=10, delta=0.01)  # type: ignore[arg-type]
    # Round 1: one allele per block (d, then the block via a, then e); round 2: b; round 3: c.
    assert beacon.asked == [KEYS[3], KEYS[0], KEYS[4], KEYS[1], KEYS[2]]
    af = ref.frequencies(KEYS)
    term = {k: score_terms(af[i : i + 1], np.array([YES]), 10, 0.01)[0]
            for i, k in enumerate(KEYS)}  # fmt: skip
    block_yes = term[KEYS[0]] + term[KEYS[1]] + term[KEYS[2]]
    # After a: the whole block scores yes (b and c inferred); e refused adds nothing; after b
    # (1 yes, 1 no: a tie counts as yes) and c (2 yes, 1 no) it stays yes.
    assert trace.scores == pytest.approx([term[KEYS[3]]] + [term[KEYS[3]] + block_yes] * 4)
    assert trace.refused == 1


async def test_ld_majority_no_replaces_the_first_answer() -> None:
    ref = _reference()
    target = Target("t", True, tuple(KEYS[:3]), ())
    beacon = TableBeacon(dict(zip(KEYS[:3], [YES, NO, NO], strict=True)))
    trace = await ld(target, ref, beacon, n=10, max_queries=10, delta=0.01)  # type: ignore[arg-type]
    af = ref.frequencies(KEYS[:3])
    assert trace.scores[-1] == pytest.approx(score_terms(af, np.array([NO] * 3), 10, 0.01).sum())

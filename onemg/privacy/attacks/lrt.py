"""The membership likelihood-ratio test of Shringarpure & Bustamante (2015), numeric kernel.

A Beacon of ``N`` individuals answers whether anyone carries an allele. For an allele of
frequency ``f`` the chance that none of the ``2N`` haplotypes carries it is
``D_N = (1 - f) ** (2N)``. Under H0 (the target is not in the Beacon) a query about one of the
target's alleles is answered "yes" with probability ``1 - D_N``. Under H1 (the target is in)
the target's own copy makes it "yes" unless that copy is a genotyping mismatch (probability
``delta``), so "yes" has probability ``1 - delta * D_{N-1}``. Following Raisaro et al. (2017),
the attacker knows the allele frequencies (here: from a held-out reference panel), so each query
has its own ``D``.

The log-likelihood ratio of H0 against H1 over answers ``x_i`` is

    L = sum_i x_i log((1 - D_N,i) / (1 - delta D_{N-1},i))
            + (1 - x_i) log(D_N,i / (delta D_{N-1},i))

and membership is claimed when ``L`` is small. These functions return the *score* ``-L``
(larger = more likely a member), so that ROC curves read the usual way. Refused answers carry
no information and add 0.
"""

from __future__ import annotations

import numpy as np

#: SB-2015's genotype mismatch rate between the attacker's copy and the Beacon's.
DEFAULT_DELTA = 1e-6


def allele_frequencies(ac: np.ndarray, an: int) -> np.ndarray:
    """Allele frequencies from panel counts, with half a pseudo-count (never 0 or 1).

    An allele the panel never saw still has a small chance of being in a Beacon; a frequency of
    exactly 0 would make a "yes" infinitely informative.
    """
    return (np.asarray(ac, dtype=np.float64) + 0.5) / (an + 1.0)


def answer_probabilities(af: np.ndarray, n: int, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """P("yes") under H0 and under H1 for alleles of frequency ``af`` in a Beacon of ``n``."""
    af = np.asarray(af, dtype=np.float64)
    log_q = np.log1p(-af)
    d_n = np.exp(2 * n * log_q)
    d_n1 = np.exp(2 * max(n - 1, 0) * log_q)
    return 1.0 - d_n, 1.0 - delta * d_n1


def score_terms(
    af: np.ndarray, answers: np.ndarray, n: int, delta: float = DEFAULT_DELTA
) -> np.ndarray:
    """Each answer's contribution to the score ``-L`` (0 for refused answers, coded -1).

    Args:
        af: the queried alleles' frequencies (attacker's estimate).
        answers: 1 (yes), 0 (no) or -1 (refused / no answer).
        n: the Beacon's number of individuals.
        delta: the mismatch rate.
    """
    af = np.asarray(af, dtype=np.float64)
    answers = np.asarray(answers)
    # In logs, so that neither a common allele (D ~ 0) nor a rare one (D ~ 1) loses precision:
    # log P0(no) = 2N log(1-f), log P1(no) = log(delta) + (2N-2) log(1-f).
    log_q = np.log1p(-af)
    yes = np.log1p(-delta * np.exp(2 * max(n - 1, 0) * log_q)) - np.log(-np.expm1(2 * n * log_q))
    no = np.log(delta) - (2 * n - 2 * max(n - 1, 0)) * log_q
    return np.where(answers == 1, yes, np.where(answers == 0, no, 0.0))


def information(af: np.ndarray, n: int, delta: float = DEFAULT_DELTA) -> np.ndarray:
    """Expected score gained per query on a member: KL(P1 || P0) of the yes/no answer.

    Raisaro et al.'s optimal attacker spends its queries where this is largest.
    """
    p0, p1 = answer_probabilities(af, n, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = p1 * (np.log(p1) - np.log(p0)) + (1 - p1) * (np.log1p(-p1) - np.log1p(-p0))
    # 0 * log(0 / 0) for alleles everyone carries: no information
    return np.nan_to_num(kl, nan=0.0, posinf=np.finfo(np.float64).max)

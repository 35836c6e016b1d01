"""The SB-2015 LRT kernel against a hand computation, and the information ordering."""

from __future__ import annotations

import math

import numpy as np
import pytest

from onemg.privacy.attacks.lrt import allele_frequencies, information, score_terms


def test_score_terms_match_a_hand_computation() -> None:
    # A Beacon of N = 2 people, delta = 0.1, two alleles of frequency 1/4 and 1/10.
    # D_N = (1 - f)^(2N), D_{N-1} = (1 - f)^(2N - 2).
    # f = 1/4: D_2 = 0.75^4 = 0.31640625, D_1 = 0.75^2 = 0.5625.
    #   "yes": -log((1 - 0.31640625) / (1 - 0.1 * 0.5625)) = -log(0.68359375 / 0.94375)
    # f = 1/10: D_2 = 0.9^4 = 0.6561, D_1 = 0.81.
    #   "no": -log(0.6561 / (0.1 * 0.81)) = -log(8.1)
    yes = -math.log(0.68359375 / 0.94375)
    no = -math.log(8.1)
    terms = score_terms(np.array([0.25, 0.1, 0.1]), np.array([1, 0, -1]), n=2, delta=0.1)
    assert terms == pytest.approx([yes, no, 0.0], rel=1e-12)
    assert yes == pytest.approx(0.3225, abs=1e-4)  # a "yes" points towards membership
    assert no == pytest.approx(-2.0919, abs=1e-4)  # a "no" on the target's allele, away


def test_rare_yes_is_strong_evidence() -> None:
    rare, common = score_terms(np.array([1e-5, 0.3]), np.array([1, 1]), n=1000, delta=1e-6)
    assert rare > 3 > 1e-9 > abs(common)


def test_information_prefers_rare_alleles_and_pseudocounts() -> None:
    info = information(np.array([1e-4, 1e-3, 1e-2, 0.2]), n=1000)
    assert np.all(np.diff(info) < 0)
    af = allele_frequencies(np.array([0, 10]), an=100)
    assert af == pytest.approx([0.5 / 101, 10.5 / 101])

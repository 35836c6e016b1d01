"""The keyed discrete Laplace mechanism: deterministic per key, independent across keys, and
distributed as OpenDP's own mechanism of the same scale."""

from __future__ import annotations

import math
from collections import Counter

import opendp.prelude as dp
import pytest

from onemg.privacy.keys import load_or_create_noise_key
from onemg.privacy.perturb import (
    discrete_laplace,
    epsilon_of,
    half_width,
    keyed_uniforms,
    noisy_count,
)

SECRET = b"\x01" * 32


def pmf(z: int, epsilon: float) -> float:
    """P(Z = z) of the discrete Laplace of scale 1/epsilon, by hand."""
    a = math.exp(-epsilon)
    return (1 - a) / (1 + a) * a ** abs(z)


def test_same_key_same_draw_other_key_other_draw() -> None:
    parts = ("alice", "ds-fi", "rare", "k1")
    first = noisy_count(3, epsilon=0.2, secret=SECRET, parts=parts)
    assert noisy_count(3, epsilon=0.2, secret=SECRET, parts=parts) == first
    others = {
        noisy_count(3, epsilon=0.2, secret=SECRET, parts=(f"user{i}", *parts[1:])).count
        for i in range(30)
    }
    assert len(others) > 5  # other users: independent draws
    other_secret = {
        noisy_count(3, epsilon=0.2, secret=bytes([i]) * 32, parts=parts).count for i in range(30)
    }
    assert len(other_secret) > 5


def test_draws_follow_the_discrete_laplace_like_opendp() -> None:
    """Our keyed sampler and OpenDP's make_laplace (integers, scale 1) against the exact pmf."""
    n, epsilon = 20_000, 1.0
    ours = Counter(
        discrete_laplace(*keyed_uniforms(SECRET, str(i)), epsilon=epsilon) for i in range(n)
    )
    dp.enable_features("contrib")
    mechanism = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=1.0)
    theirs = Counter(mechanism(0) for _ in range(n))
    for z in range(-4, 5):
        p = pmf(z, epsilon)
        se = math.sqrt(p * (1 - p) / n)
        assert abs(ours[z] / n - p) < 5 * se, (z, ours[z] / n, p)
        assert abs(theirs[z] / n - p) < 5 * se, (z, theirs[z] / n, p)
    assert abs(sum(z * c for z, c in ours.items()) / n) < 0.05  # unbiased


def test_privacy_map_and_interval_come_from_opendp() -> None:
    assert epsilon_of(1 / 0.2) == pytest.approx(0.2)
    assert epsilon_of(1.0) == pytest.approx(1.0)
    h = half_width(1.0)  # at least 99% of draws lie within +-h, and not far fewer within h-2

    def inside(w: int) -> float:
        return sum(pmf(z, 1.0) for z in range(-w, w + 1))

    assert inside(h) >= 0.99 > inside(h - 2)


def test_exists_is_randomised_response_for_counts_zero_and_one() -> None:
    """exists = noisy > 0: a singleton says yes w.p. 1/(1+a), an absent allele w.p. a/(1+a)."""
    eps, n = 0.5, 20_000
    a = math.exp(-eps)
    yes1 = (
        sum(
            noisy_count(1, epsilon=eps, secret=SECRET, parts=("u", str(i))).count > 0
            for i in range(n)
        )
        / n
    )
    yes0 = (
        sum(
            noisy_count(0, epsilon=eps, secret=SECRET, parts=("u", str(i))).count > 0
            for i in range(n)
        )
        / n
    )
    assert yes1 == pytest.approx(1 / (1 + a), abs=0.015)
    assert yes0 == pytest.approx(a / (1 + a), abs=0.015)
    assert yes1 / yes0 == pytest.approx(math.exp(eps), rel=0.08)  # the likelihood ratio


def test_noise_key_is_private_and_stable(tmp_path) -> None:
    key = load_or_create_noise_key(tmp_path)
    assert len(key) == 32
    assert load_or_create_noise_key(tmp_path) == key
    path = tmp_path / "keys" / "privacy-noise.key"
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_bytes(b"short")
    with pytest.raises(Exception, match="not a 32-byte noise key"):
        load_or_create_noise_key(tmp_path)

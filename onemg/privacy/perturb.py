"""Noisy answers that cannot be averaged away: the discrete Laplace (two-sided geometric)
mechanism, drawn from a keyed hash.

A noisy count is ``max(0, c + Z)`` with ``Z`` discrete-Laplace of scale ``1/epsilon``
(``P(Z = z) ∝ exp(-epsilon |z|)``): epsilon-differentially private for a count one person
changes by at most one (OpenDP's ``make_laplace`` over integers is this mechanism; its privacy
map and accuracy bound are what :func:`epsilon_of` and :func:`half_width` report). ``exists``
is derived from the noisy count, which makes it randomised response on the 0/1 question: for a
true count of 0 or 1 the answer flips with probability ``α/(1+α)``, ``α = exp(-epsilon)``.

The randomness is not fresh per request. ``Z`` is a deterministic function of
HMAC-SHA256(node secret, user, dataset, answer key), where the answer key identifies *what* the
answer counts (the matched variant rows, the individual set of the filters), not how the query
was spelled: asking again, or asking the same thing in other words, gives the same draw, so
repetition cannot average the noise away; another user gets an independent draw. OpenDP
samples from the operating system's CSPRNG and takes no seed, so the draw itself is made here
(two geometric variables by inversion, ``G = floor(ln U / ln α)``, ``Z = G1 - G2``); the tests
compare its distribution with OpenDP's own samples.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from functools import cache

#: Uniforms are built from 53 bits (a double's mantissa), offset by half a step: never 0 or 1.
_BITS = 53


def keyed_uniforms(secret: bytes, *parts: str) -> tuple[float, float]:
    """Two independent uniforms in (0, 1) from HMAC-SHA256(``secret``, ``parts``)."""
    message = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    a = int.from_bytes(digest[:8], "big") >> (64 - _BITS)
    b = int.from_bytes(digest[8:16], "big") >> (64 - _BITS)
    step = 2.0**-_BITS
    return (a + 0.5) * step, (b + 0.5) * step


def discrete_laplace(u1: float, u2: float, *, epsilon: float) -> int:
    """A discrete Laplace draw of scale ``1/epsilon`` from two uniforms in (0, 1)."""
    log_alpha = -epsilon  # ln(α), α = exp(-ε)
    g1 = math.floor(math.log(u1) / log_alpha)
    g2 = math.floor(math.log(u2) / log_alpha)
    return g1 - g2


@cache
def epsilon_of(scale: float) -> float:
    """Epsilon of the discrete Laplace mechanism of ``scale`` on a count (OpenDP's privacy map)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    measurement = dp.m.make_laplace(
        dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=float(scale)
    )
    return float(measurement.map(1))


@cache
def half_width(epsilon: float, alpha: float = 0.01) -> int:
    """The noise's ``1 - alpha`` interval half-width (OpenDP's accuracy bound), rounded up."""
    import opendp.prelude as dp

    return math.ceil(dp.discrete_laplacian_scale_to_accuracy(1.0 / epsilon, alpha))


@dataclass(frozen=True)
class NoisyCount:
    """A perturbed count and what a reader needs to use it honestly."""

    count: int
    epsilon: float
    #: 99% interval of the true count given the noisy one (clipped at 0).
    low: int
    high: int

    def describe(self) -> dict[str, object]:
        """The ``info.perturbation`` of a result set."""
        return {
            "mechanism": "discrete Laplace (geometric), consistent per user and query",
            "epsilon": self.epsilon,
            "scale": round(1.0 / self.epsilon, 6),
            "interval99": [self.low, self.high],
        }


def noisy_count(count: int, *, epsilon: float, secret: bytes, parts: tuple[str, ...]) -> NoisyCount:
    """``count`` plus keyed discrete Laplace noise (``parts`` names user, dataset and answer)."""
    u1, u2 = keyed_uniforms(secret, *parts)
    value = max(0, count + discrete_laplace(u1, u2, epsilon=epsilon))
    h = half_width(epsilon)
    return NoisyCount(value, epsilon, max(0, value - h), value + h)

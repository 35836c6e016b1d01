"""The count history of differencing protection: the nearest earlier set, against a brute-force
comparison of Python sets, whatever the process cache holds, and seen by every worker."""

from __future__ import annotations

import numpy as np

from onemg.db import open_database
from onemg.individual_set import IndividualSet
from onemg.privacy.differencing import CountSets

N, K = 300, 5


def _brute(history: list[tuple[str, set[int]]], new: set[int]) -> tuple[str, int] | None:
    """The closest earlier set fewer than K apart (the oldest among equals), by set algebra."""
    best: tuple[str, int] | None = None
    for key, members in history:
        distance = len(members ^ new)
        if distance < K and (best is None or distance < best[1]):
            best = (key, distance)
    return best


def test_nearest_matches_brute_force_with_any_cache(db_url: str) -> None:
    rng = np.random.default_rng(5)
    engine = open_database(db_url)
    # Two workers on one database, one with a cache too small to keep more than a few sets.
    writer, tiny = CountSets(engine), CountSets(engine, cache_bytes=200)
    history: list[tuple[str, set[int]]] = []
    base = set(rng.choice(N, 40, replace=False).tolist())
    for step in range(120):
        # Sets near a common base, so that many are fewer than K apart and some are not.
        drop = set(rng.choice(sorted(base), int(rng.integers(0, 6)), replace=False).tolist())
        add = set(rng.choice(N, int(rng.integers(0, 4)), replace=False).tolist())
        new = (base - drop) | add
        members = IndividualSet.from_indices(sorted(new), N)
        expected = _brute(history, new)
        for sets in (writer, tiny):
            got = sets.nearest("u", "ds", "fam", members, K)
            assert (got.answer_key, got.distance) == expected if got else expected is None
        if expected is None:
            key = f"k{step:03d}"
            writer.remember("u", "ds", "fam", key, len(new), members, now=step)
            history.append((key, new))
    assert len(history) > 5  # some sets were far enough apart to be kept
    assert len(history) < 120  # and most were near an earlier one


def test_nearest_is_per_user_dataset_family_and_version(db_url: str) -> None:
    sets = CountSets(open_database(db_url))
    people = IndividualSet.from_indices(range(10), N)
    sets.remember("u", "ds", "fam", "a", 10, people, now=1)
    one_less = IndividualSet.from_indices(range(9), N)
    assert sets.nearest("u", "ds", "fam", one_less, K).answer_key == "a"
    assert sets.nearest("v", "ds", "fam", one_less, K) is None
    assert sets.nearest("u", "other", "fam", one_less, K) is None
    assert sets.nearest("u", "ds", "other", one_less, K) is None
    # Another version of the dataset (another number of individuals) is never near.
    assert sets.nearest("u", "ds", "fam", IndividualSet.from_indices(range(9), N + 8), K) is None
    # K or more apart: a fresh answer.
    assert sets.nearest("u", "ds", "fam", IndividualSet.from_indices(range(5), N), K) is None

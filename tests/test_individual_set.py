import numpy as np
import pytest

from onemg.errors import InvalidInputError
from onemg.individual_set import IndividualSet


@pytest.mark.parametrize("n", [1, 7, 8, 9, 1000, 12345])
def test_set_algebra_matches_python_sets(n: int) -> None:
    rng = np.random.default_rng(n)
    a_idx = set(rng.integers(0, n, size=n // 3 + 1).tolist())
    b_idx = set(rng.integers(0, n, size=n // 2 + 1).tolist())
    a = IndividualSet.from_indices(a_idx, n)
    b = IndividualSet.from_indices(b_idx, n)
    assert len(a) == len(a_idx)
    assert sorted(a) == sorted(a_idx)
    assert set((a & b).indices.tolist()) == a_idx & b_idx
    assert set((a | b).indices.tolist()) == a_idx | b_idx
    assert set((a - b).indices.tolist()) == a_idx - b_idx
    assert len(a.invert()) == n - len(a_idx)
    carriers = np.array(sorted(b_idx), dtype=np.int32)
    assert a.count_in(carriers) == len(a_idx & b_idx)
    assert a.count_bits_in(b.bits) == len(a_idx & b_idx)


def test_out_of_range_and_mismatched_cohorts_are_rejected() -> None:
    with pytest.raises(InvalidInputError, match="out of range"):
        IndividualSet.from_indices([5], 5)
    with pytest.raises(InvalidInputError, match="different cohorts"):
        _ = IndividualSet.all(3) & IndividualSet.all(4)

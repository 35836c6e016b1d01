"""Numeric kernels against naive references on small random inputs."""

from __future__ import annotations

import numpy as np
import pytest

from onemg.genomics import kernels


def _naive_count(g: np.ndarray, group: np.ndarray, n_alt: int, n_groups: int):
    nv, ns, ploidy = g.shape
    an = np.zeros((nv, n_groups), np.int64)
    ac = np.zeros((nv, n_alt, n_groups), np.int64)
    car = np.zeros((nv, n_alt, ns), bool)
    hom = np.zeros((nv, n_alt, ns), bool)
    for i in range(nv):
        for j in range(ns):
            call = [int(a) for a in g[i, j] if a != -2]
            called = [a for a in call if a >= 0]
            an[i, group[j]] += len(called)
            for k in range(1, n_alt + 1):
                ac[i, k - 1, group[j]] += called.count(k)
                car[i, k - 1, j] = k in called
                hom[i, k - 1, j] = bool(call) and all(a == k for a in call)
    return an, ac, car, hom


@pytest.mark.parametrize("seed", range(5))
def test_count_rows_with_every_alt_matches_naive(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = rng.integers(-1, 4, size=(7, 23, 2)).astype(np.int8)
    g[rng.random(g.shape[:2]) < 0.1, 1] = -2  # some haploid calls
    group = rng.integers(0, 5, size=23).astype(np.int32)
    row_of = np.arange(7 * 3, dtype=np.int64).reshape(7, 3)  # row = record * 3 + alt - 1
    an, ac, rows, members, hom = kernels.count_rows(g, group, row_of, n_rows=21, n_groups=5)
    an_ref, ac_ref, car_ref, hom_ref = _naive_count(g, group, 3, 5)
    np.testing.assert_array_equal(an, an_ref)
    np.testing.assert_array_equal(ac, ac_ref.reshape(21, 5))
    car = np.zeros((21, 23), dtype=bool)
    car[rows, members] = True
    np.testing.assert_array_equal(car, car_ref.reshape(21, 23))
    homs = np.zeros((21, 23), dtype=bool)
    homs[rows[hom], members[hom]] = True
    np.testing.assert_array_equal(homs, hom_ref.reshape(21, 23))


@pytest.mark.parametrize("seed", range(5))
def test_hybrid_split_round_trips(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_rows = 45, 12
    masks = [(0, rng.random((n_rows, 20)) < rng.random((n_rows, 1))),
             (20, rng.random((n_rows, 25)) < rng.random((n_rows, 1)))]
    full = np.concatenate([m for _, m in masks], axis=1)
    rows, members = np.nonzero(full)  # row-major: sorted by row, then member
    kind, slot, count, offsets, indices, bits = kernels.hybrid_split(
        rows, members, n_rows=n_rows, n=n, dense_min=10)
    np.testing.assert_array_equal(count, full.sum(axis=1))
    for r in range(n_rows):
        want = np.flatnonzero(full[r])
        if kind[r] == 0:
            got = indices[offsets[slot[r]]:offsets[slot[r] + 1]]
            assert want.size < 10
        else:
            got = np.flatnonzero(np.unpackbits(bits[slot[r]], bitorder="little", count=n))
            assert want.size >= 10
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(5))
def test_hom_rank_bits_matches_naive(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_rows = 30, 9
    car = rng.random((n_rows, n)) < rng.random((n_rows, 1))
    hom = car & (rng.random((n_rows, n)) < 0.4)
    cr, cm = np.nonzero(car)
    hr, hm = np.nonzero(hom)
    starts, bits = kernels.hom_rank_bits(cr, cm, hr, hm, n_rows=n_rows, n=n)
    for r in range(n_rows):
        members = np.flatnonzero(car[r])
        nbytes = (members.size + 7) // 8
        got = np.unpackbits(bits[starts[r]:starts[r] + nbytes], count=members.size,
                            bitorder="little").astype(bool)
        np.testing.assert_array_equal(got, hom[r, members])


@pytest.mark.parametrize("seed", range(5))
def test_group_genotypes_match_naive(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, n_rows, n_groups = 40, 7, 5
    car = rng.random((n_rows, n)) < rng.random((n_rows, 1))
    hom = car & (rng.random((n_rows, n)) < 0.4)
    group = rng.integers(0, n_groups, size=n)
    rows, members = np.nonzero(car)
    got = kernels.group_genotypes(rows, members, hom[rows, members], group, n_rows=n_rows,
                                  n_groups=n_groups)
    for r in range(n_rows):
        for g in range(n_groups):
            inside = group == g
            assert got[r, g, 0] == int((car[r] & ~hom[r] & inside).sum())
            assert got[r, g, 1] == int((hom[r] & inside).sum())


@pytest.mark.parametrize("seed", range(5))
def test_count_rows_matches_naive(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = rng.integers(-1, 4, size=(9, 31, 2)).astype(np.int8)
    g[rng.random(g.shape[:2]) < 0.1, 1] = -2  # some haploid calls
    g[rng.random(g.shape[:2]) < 0.4] = 0  # plenty of hom-ref (the kernel's fast path)
    group = rng.integers(0, 4, size=31).astype(np.int32)
    # Some (record, ALT) pairs have no row, as when normalisation drops an allele.
    row_of = np.full((9, 3), -1, dtype=np.int64)
    keep = rng.random((9, 3)) < 0.8
    row_of[keep] = np.arange(int(keep.sum()))
    n_rows = int(keep.sum())
    an, ac, rows, members, hom = kernels.count_rows(g, group, row_of, n_rows=n_rows,
                                                    n_groups=4)
    an_ref, ac_ref, car_ref, hom_ref = _naive_count(g, group, 3, 4)
    np.testing.assert_array_equal(an, an_ref)
    rec, alt = np.nonzero(keep)
    np.testing.assert_array_equal(ac, ac_ref[rec, alt])
    want = [(r, j) for r in range(n_rows) for j in range(31) if car_ref[rec[r], alt[r], j]]
    assert list(zip(rows.tolist(), members.tolist(), strict=True)) == want
    assert hom.tolist() == [bool(hom_ref[rec[r], alt[r], j]) for r, j in want]

"""Numeric kernels for the Beacon index: pure functions over numpy arrays, no I/O.

Each kernel has a naive numpy reference in ``tests/genomics/test_kernels.py``.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def _row_pairs(g, group, row_of, an_rec, ac_row, cap):  # noqa: ANN001, ANN202
    nv, ns, ploidy = g.shape
    n_alt = row_of.shape[1]
    rows = np.empty(cap, dtype=np.int64)
    members = np.empty(cap, dtype=np.int64)
    hom = np.zeros(cap, dtype=np.bool_)
    m = 0
    for i in range(nv):
        an_i = an_rec[i]
        for j in range(ns):
            gr = group[j]
            if ploidy == 2 and g[i, j, 0] == 0 and g[i, j, 1] == 0:
                an_i[gr] += 2  # the common case, hom-ref: nothing else to record
                continue
            called = 0
            missing = False
            first = -3
            first_pair = -1
            same = True
            for k in range(ploidy):
                a = g[i, j, k]
                if a >= 0:
                    called += 1
                    an_i[gr] += 1
                    if 0 < a <= n_alt and row_of[i, a - 1] >= 0:
                        r = row_of[i, a - 1]
                        ac_row[r, gr] += 1
                        # One pair per (row, sample): skip an allele this sample repeats.
                        seen = False
                        for kk in range(k):
                            if g[i, j, kk] == a:
                                seen = True
                        if not seen:
                            if m == cap:  # grow: carriers are not known in advance
                                cap *= 2
                                rows2 = np.empty(cap, dtype=np.int64)
                                members2 = np.empty(cap, dtype=np.int64)
                                hom2 = np.zeros(cap, dtype=np.bool_)
                                rows2[:m] = rows[:m]
                                members2[:m] = members[:m]
                                hom2[:m] = hom[:m]
                                rows, members, hom = rows2, members2, hom2
                            if first == -3:
                                first_pair = m
                            rows[m] = r
                            members[m] = j
                            m += 1
                    if first == -3:
                        first = a
                    elif a != first:
                        same = False
                elif a == -1:
                    missing = True
            # Homozygous = every ploidy slot called and equal (a haploid call counts: hemizygous).
            if called > 0 and same and not missing and first_pair >= 0:
                hom[first_pair] = True
    return rows[:m], members[:m], hom[:m]


def count_rows(
    genotypes: np.ndarray, group: np.ndarray, row_of: np.ndarray, *, n_rows: int,
    n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counts and carrier pairs of index rows straight from a genotype block.

    No ``samples``-wide masks are built, so time and memory follow the carriers. Rows are
    (record, ALT) pairs that survived normalisation.

    Args:
        genotypes: ``int8[records, samples, ploidy]`` allele indices; ``-1`` missing, ``-2``
            fill (lower ploidy), as in VCF Zarr ``call_genotype``.
        group: ``int32[samples]`` group code per sample.
        row_of: ``int64[records, n_alt]`` index row of each (record, ALT ``a``) at
            ``[:, a - 1]``, or ``-1`` for an ALT that has no row.
        n_rows: number of index rows.
        n_groups: number of sample groups.

    Returns:
        ``(an, ac, rows, members, hom)``: ``an`` int64[records, groups] called alleles;
        ``ac`` int64[n_rows, groups] copies of the row's ALT; ``rows``/``members`` int64
        carrier pairs sorted by row then sample; ``hom`` bool per pair: every ploidy slot is
        the row's ALT.
    """
    g = np.ascontiguousarray(genotypes, dtype=np.int8)
    nv = g.shape[0]
    an = np.zeros((nv, n_groups), dtype=np.int64)
    ac = np.zeros((n_rows, n_groups), dtype=np.int64)
    rows, members, hom = _row_pairs(
        g, np.ascontiguousarray(group, dtype=np.int32),
        np.ascontiguousarray(row_of, dtype=np.int64), an, ac, max(1024, 64 * nv))
    if rows.size > 1 and np.any(rows[1:] < rows[:-1]):
        # A multi-allelic record interleaves its rows sample by sample: put rows together.
        order = np.argsort(rows, kind="stable")
        rows, members, hom = rows[order], members[order], hom[order]
    return an, ac, rows, members, hom


def hybrid_split(
    rows: np.ndarray, members: np.ndarray, *, n_rows: int, n: int, dense_min: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split (row, member) pairs into the hybrid layout: CSR for small rows, bitsets for big.

    Args:
        rows: ``int64[pairs]`` row of each pair, sorted (ties in any order).
        members: ``int64[pairs]`` member index of each pair, ascending within a row.
        n_rows: number of rows (rows with no pair are empty sparse rows).
        n: universe size (individuals).
        dense_min: a row with at least this many members is stored as a packed bitset.

    Returns:
        ``(kind, slot, count, offsets, indices, bits)``: ``kind`` uint8[n_rows] 0 sparse /
        1 dense; ``slot`` int64[n_rows] CSR row number or bitset row number; ``count`` int32
        members per row; ``offsets`` int64[n_sparse + 1]; ``indices`` int32 concatenated sparse
        members; ``bits`` uint8[n_dense, (n + 7) // 8] little-endian packed bitsets.
    """
    count = np.bincount(rows, minlength=n_rows).astype(np.int32)
    dense = count >= dense_min
    kind = dense.astype(np.uint8)
    slot = np.empty(n_rows, dtype=np.int64)
    slot[~dense] = np.arange(int((~dense).sum()))
    slot[dense] = np.arange(int(dense.sum()))
    pair_dense = dense[rows]
    sparse_counts = count[~dense]
    offsets = np.zeros(sparse_counts.size + 1, dtype=np.int64)
    np.cumsum(sparse_counts, out=offsets[1:])
    indices = members[~pair_dense].astype(np.int32)
    n_dense = int(dense.sum())
    mask = np.zeros((n_dense, n), dtype=np.bool_)
    if n_dense:
        mask[slot[rows[pair_dense]], members[pair_dense]] = True
    bits = np.packbits(mask, axis=1, bitorder="little") if n_dense else np.zeros(
        (0, (n + 7) // 8), dtype=np.uint8)
    return kind, slot, count, offsets, indices, bits


def merge_row_pairs(
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge :func:`count_rows` outputs of sample blocks (in sample order) into row order."""
    if not blocks:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.bool_)
    if len(blocks) == 1:
        return blocks[0]
    rows = np.concatenate([b[0] for b in blocks])
    order = np.argsort(rows, kind="stable")  # blocks are in sample order: members stay sorted
    return (rows[order], np.concatenate([b[1] for b in blocks])[order],
            np.concatenate([b[2] for b in blocks])[order])


def group_genotypes(
    rows: np.ndarray, members: np.ndarray, hom: np.ndarray, group: np.ndarray, *, n_rows: int,
    n_groups: int
) -> np.ndarray:
    """Carriers of each row per sample group, split by the homozygous flag.

    Stored in the index so that allele frequencies by sex and country need no carrier list
    (a common variant at 1M has hundreds of thousands).

    Args:
        rows, members: carrier pairs (any order).
        hom: ``bool[pairs]``, the pair's homozygous flag (as :func:`count_rows`).
        group: ``int[samples]`` group code per sample.
        n_rows, n_groups: the output's shape.

    Returns:
        ``int64[n_rows, n_groups, 2]``: ``[..., 0]`` carriers not flagged homozygous,
        ``[..., 1]`` those flagged.
    """
    key = (np.asarray(rows, np.int64) * n_groups + np.asarray(group)[members]) * 2 + np.asarray(
        hom, np.int64)
    return np.bincount(key, minlength=n_rows * n_groups * 2).reshape(n_rows, n_groups, 2)


def hom_rank_bits(
    car_rows: np.ndarray, car_members: np.ndarray, hom_rows: np.ndarray,
    hom_members: np.ndarray, *, n_rows: int, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, one bit per carrier (in carrier order): is that carrier homozygous?

    Homozygotes are a subset of carriers, so a bitset over the row's carriers costs
    ``carriers / 8`` bytes — less than either a list or an ``n``-bit set of homozygotes.

    Args:
        car_rows, car_members: carrier pairs, sorted by row then member.
        hom_rows, hom_members: homozygote pairs (a subset), sorted the same way.
        n_rows: number of rows.
        n: universe size.

    Returns:
        ``(starts, bits)``: ``starts`` int64[n_rows] byte offset of each row in ``bits``; row
        ``r`` owns ``ceil(count_r / 8)`` bytes, packed with ``bitorder="little"``.
    """
    count = np.bincount(car_rows, minlength=n_rows).astype(np.int64)
    nbytes = (count + 7) // 8
    starts = np.zeros(n_rows, dtype=np.int64)
    np.cumsum(nbytes[:-1], out=starts[1:])
    first = np.zeros(n_rows, dtype=np.int64)
    np.cumsum(count[:-1], out=first[1:])
    flat = np.zeros(int(nbytes.sum()) * 8, dtype=np.bool_)
    if hom_rows.size:
        where = np.searchsorted(car_rows * n + car_members, hom_rows * n + hom_members)
        flat[starts[hom_rows] * 8 + (where - first[hom_rows])] = True
    return starts, np.packbits(flat, bitorder="little")

"""Carriers straight from a tree sequence: the samples below each mutation, never a matrix.

For every site of a simulated region, the haplotypes that carry a derived allele are the sample
nodes below the mutations that created it (tskit's ``Tree.samples(node)``). Walking those
subtrees costs time proportional to the carriers, where decoding genotypes (``ts.variants()``)
touches every haplotype at every site; at 1M individuals most sites have a handful of carriers,
so the walk is orders of magnitude cheaper (benchmarks/bench_synth.py measures both).

:func:`extract_piece` turns one region's tree sequence into index rows for one country, in the
hybrid layout of :mod:`onemg.genomics.hybrid` (sparse sorted lists below the dense threshold,
packed bitsets above it; one homozygote bit per carrier), ready for
:func:`onemg.genomics.index_sparse.write_hybrid_part`. The numeric work is the numba kernel
:func:`_site_rows`: the tree arrays are tskit's own (no copies), and it is tested against
``TreeSequence.genotype_matrix`` in ``tests/synth/test_carriers.py``.

Allele rules are those of the VCF writer (:mod:`onemg.synth.vcf`) followed by ingest: the alleles
of a site are the ancestral state then each distinct derived state in mutation order (tskit's
order); a mutation back to the ancestral state gives allele 0; a country gets a row only for an
allele it carries; each row is split and normalised by :func:`onemg.genomics.split_record`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numba
import numpy as np
import tskit

from onemg.genomics.index_sparse import HybridRows
from onemg.genomics.normalize import split_record

#: Worst-case bytes of one part's buffers (every row as large as it may be).
_PART_BYTES = 64 << 20


@dataclass(frozen=True)
class SiteAlleles:
    """Country-independent allele tables of one region (computed once, used per country).

    Attributes:
        site_mut: int64[sites + 1] offsets of each site's mutations.
        mut_node: int32[mutations] node of each mutation (tskit order: parents first).
        mut_code: int16[mutations] allele index of each mutation's derived state (0 = ancestral).
        n_alleles: int16[sites] alleles per site (ancestral included).
        row_ok: bool[sites, max_alleles] allele ``k`` gives an index row (valid, not skipped).
        rows: per site, per allele ``k >= 1``: ``(pos, ref, alt)`` normalised, or None.
        skipped: alleles split_record refused (symbolic or invalid).
    """

    site_mut: np.ndarray
    mut_node: np.ndarray
    mut_code: np.ndarray
    n_alleles: np.ndarray
    row_ok: np.ndarray
    rows: list[list[tuple[int, str, str] | None]]
    skipped: int


def site_alleles(ts: tskit.TreeSequence, start: int) -> SiteAlleles:
    """Allele codes and normalised rows of every site (tskit position ``p`` is ``start + p``)."""
    n_sites = ts.num_sites
    mut_site = ts.mutations_site
    site_mut = np.searchsorted(mut_site, np.arange(n_sites + 1)).astype(np.int64)
    derived = ts.mutations_derived_state
    ancestral = ts.sites_ancestral_state
    positions = ts.sites_position.astype(np.int64) + start
    per_site = np.diff(site_mut)
    mut_code = np.ones(ts.num_mutations, dtype=np.int16)
    n_alleles = np.full(n_sites, 2, dtype=np.int16)
    n_alleles[per_site == 0] = 1
    alleles: list[list[str]] = [[str(a), ""] for a in ancestral]
    single = np.flatnonzero(per_site == 1)
    for s, d in zip(single.tolist(), derived[site_mut[single]].tolist(), strict=True):
        if d == alleles[s][0]:  # a silent mutation: no derived allele at all
            mut_code[site_mut[s]] = 0
            n_alleles[s] = 1
        alleles[s][1] = d
    for s in np.flatnonzero(per_site > 1).tolist():
        states = [alleles[s][0]]
        for m in range(int(site_mut[s]), int(site_mut[s + 1])):
            d = str(derived[m])
            if d not in states:
                states.append(d)
            mut_code[m] = states.index(d)
        alleles[s] = states
        n_alleles[s] = len(states)
    width = max(2, int(n_alleles.max()) if n_sites else 2)
    row_ok = np.zeros((n_sites, width), dtype=np.bool_)
    rows: list[list[tuple[int, str, str] | None]] = []
    skipped = 0
    for s in range(n_sites):
        states = alleles[s][: n_alleles[s]]
        split, n_skip = split_record(int(positions[s]), states[0], states[1:])
        skipped += n_skip
        site_rows: list[tuple[int, str, str] | None] = [None] * len(states)
        for r in split:
            site_rows[r.allele_index] = (r.pos, r.ref, r.alt)
            row_ok[s, r.allele_index] = True
        rows.append(site_rows)
    return SiteAlleles(
        site_mut, ts.mutations_node.astype(np.int32), mut_code, n_alleles, row_ok, rows, skipped
    )


@numba.njit(nogil=True, cache=True)
def _mark(v, code, hap_of_node, hstate, touched, nt):  # noqa: ANN001, ANN202
    # Sample nodes 0..2n-1 in haplotype order (msprime's, and simplify's output) need no map.
    h = v if hap_of_node.size == 0 else hap_of_node[v]
    if 0 <= h < hstate.size:
        if hstate[h] < 0:
            touched[nt] = h
            nt += 1
        hstate[h] = code
    return nt


@numba.njit(nogil=True, cache=True)
def _site_rows(  # noqa: PLR0913 - a numba kernel takes plain arrays
    left_child,
    right_sib,
    s0,
    s1,
    site_mut,
    mut_node,
    mut_code,
    n_alleles,
    row_ok,
    hap_of_node,
    group,
    dense_min,
    hstate,
    touched,
    stack,
    r_site,
    r_code,
    r_kind,
    r_count,
    r_ac,
    r_geno,
    idx,
    bits,
    rank,
    r_rank,
    fill,
):
    """Rows of sites ``s0:s1`` of the current tree, appended at ``fill`` (rows, idx, dense,
    rank bytes), which is updated. The caller guarantees room for the worst case."""
    n = group.shape[0]
    for s in range(s0, s1):
        # 1. Each haplotype's allele: walk below every mutation, parents first, so a later
        #    (younger) mutation overwrites an older one on its own subtree.
        nt = 0
        for m in range(site_mut[s], site_mut[s + 1]):
            sp = 0
            stack[0] = mut_node[m]
            sp = 1
            code = mut_code[m]
            while sp > 0:
                sp -= 1
                v = stack[sp]
                nt = _mark(v, code, hap_of_node, hstate, touched, nt)
                c = left_child[v]
                while c != -1:
                    stack[sp] = c
                    sp += 1
                    c = right_sib[c]
        if nt > 0:
            # 2. One row per carried allele, carriers in ascending individual order.
            sparse_order = nt < 2 * dense_min
            haps = np.sort(touched[:nt]) if sparse_order else touched[:0]
            for k in range(1, n_alleles[s]):
                if not row_ok[s, k]:
                    continue
                row = fill[0]
                i0 = fill[1]
                count = 0
                if sparse_order:
                    j = 0
                    while j < nt:
                        h = haps[j]
                        ind = h >> 1
                        copies = 1 if hstate[h] == k else 0
                        if j + 1 < nt and (haps[j + 1] >> 1) == ind:
                            j += 1
                            if hstate[haps[j]] == k:
                                copies += 1
                        j += 1
                        if copies:
                            idx[i0 + count] = ind
                            r_ac[row, group[ind]] += copies
                            r_geno[row, group[ind], 1 if copies == 2 else 0] += 1
                            count += 1
                            # Homozygote flags are written below, once the row's kind is known.
                            touched[nt + count - 1] = copies
                else:
                    for ind in range(n):
                        a = hstate[2 * ind]
                        b = hstate[2 * ind + 1]
                        copies = (1 if a == k else 0) + (1 if b == k else 0)
                        if copies:
                            idx[i0 + count] = ind
                            r_ac[row, group[ind]] += copies
                            r_geno[row, group[ind], 1 if copies == 2 else 0] += 1
                            count += 1
                            touched[nt + count - 1] = copies
                if count == 0:
                    continue
                r_site[row] = s
                r_code[row] = k
                r_count[row] = count
                rb = fill[3]
                r_rank[row] = rb
                for j in range(count):
                    if touched[nt + j] == 2:
                        rank[rb + (j >> 3)] |= np.uint8(1 << (j & 7))
                fill[3] = rb + ((count + 7) >> 3)
                if count >= dense_min:
                    r_kind[row] = 1
                    d = fill[2]
                    for j in range(count):
                        ind = idx[i0 + j]
                        bits[d, ind >> 3] |= np.uint8(1 << (ind & 7))
                    fill[2] = d + 1
                else:
                    r_kind[row] = 0
                    fill[1] = i0 + count
                fill[0] = row + 1
        if nt > hstate.size // 8:
            hstate[:] = -1  # sequential beats scattered writes for common variants
        else:
            for j in range(nt):
                hstate[touched[j]] = -1


class _Buffers:
    """Worst-case-sized output buffers of :func:`_site_rows`, flushed into parts."""

    def __init__(self, contig: str, n: int, n_groups: int, dense_min: int, max_rows: int) -> None:
        self.contig = contig
        self.n, self.n_groups, self.dense_min = n, n_groups, dense_min
        self._sparse_max = min(dense_min, n)  # carriers of a sparse row, at most
        self.nbytes = (n + 7) // 8
        self.max_rows = max_rows
        self.r_site = np.zeros(max_rows, np.int32)
        self.r_code = np.zeros(max_rows, np.int16)
        self.r_kind = np.zeros(max_rows, np.uint8)
        self.r_count = np.zeros(max_rows, np.int32)
        self.r_ac = np.zeros((max_rows, n_groups), np.int64)
        self.r_geno = np.zeros((max_rows, n_groups, 2), np.int64)
        self.r_rank = np.zeros(max_rows, np.int64)
        # A row holds at most n carriers (in idx while it is collected).
        self.idx = np.zeros(max_rows * self._sparse_max + n, np.int32)
        self.bits = np.zeros((max_rows, self.nbytes), np.uint8)
        self.rank = np.zeros(max_rows * (self.nbytes + 1), np.uint8)
        self.fill = np.zeros(4, np.int64)

    def room(self, rows: int) -> bool:
        """Whether ``rows`` more rows surely fit."""
        f = self.fill
        return (
            f[0] + rows <= self.max_rows
            and f[1] + rows * self._sparse_max + self.n <= self.idx.size
            and f[3] + rows * (self.nbytes + 1) <= self.rank.size
        )

    def take(self, sites: SiteAlleles) -> HybridRows:
        """The filled rows as a part, and reset."""
        nr, ni, nd, nb = (int(x) for x in self.fill)
        kind = self.r_kind[:nr].copy()
        count = self.r_count[:nr].copy()
        slot = np.zeros(nr, np.int64)
        slot[kind == 0] = np.arange(int((kind == 0).sum()))
        slot[kind == 1] = np.arange(int((kind == 1).sum()))
        offsets = np.zeros(int((kind == 0).sum()) + 1, np.int64)
        np.cumsum(count[kind == 0], out=offsets[1:])
        rows = [
            sites.rows[s][k]
            for s, k in zip(self.r_site[:nr].tolist(), self.r_code[:nr].tolist(), strict=True)
        ]
        part = HybridRows(
            contig=self.contig,
            pos=np.array([r[0] for r in rows], np.int32),  # type: ignore[index]
            ref=[r[1] for r in rows],
            alt=[r[2] for r in rows],  # type: ignore[index]
            ac_g=self.r_ac[:nr].copy(),
            geno_g=self.r_geno[:nr].copy(),
            kind=kind,
            slot=slot,
            count=count,
            offsets=offsets,
            indices=self.idx[:ni].copy(),
            bits=self.bits[:nd].copy(),
            hom_starts=self.r_rank[:nr].copy(),
            hom_bits=self.rank[:nb].copy(),
        )
        self.r_ac[:nr] = 0
        self.r_geno[:nr] = 0
        self.bits[:nd] = 0
        self.rank[:nb] = 0
        self.fill[:] = 0
        return part


def extract_piece(
    ts: tskit.TreeSequence,
    sites: SiteAlleles,
    *,
    contig: str,
    nodes: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    dense_min: int,
    max_rows: int | None = None,
    on_sites: Callable[[int], None] | None = None,
) -> Iterator[HybridRows]:
    """Index rows of one country in one region, as consecutive parts (in site order).

    Args:
        ts: the region's (spiked) tree sequence.
        sites: :func:`site_alleles` of ``ts``.
        contig: the region's chromosome.
        nodes: the country's sample nodes, two per individual in individual order.
        group: int[individuals] stratum group code (see :mod:`onemg.genomics.index_build`).
        n_groups: number of group codes.
        dense_min: rows with at least this many carriers are stored as bitsets.
        max_rows: rows per part (default: about 64 MiB of bitsets).
        on_sites: called with the number of sites done after each tree (progress).
    """
    n = nodes.size // 2
    if np.array_equal(nodes, np.arange(nodes.size)):
        hap_of_node = np.zeros(0, np.int32)  # identity: node v is haplotype v (if v < 2n)
    else:
        hap_of_node = np.full(ts.num_nodes + 1, -1, np.int32)
        hap_of_node[nodes] = np.arange(nodes.size, dtype=np.int32)
    hstate = np.full(2 * n, -1, np.int16)
    touched = np.zeros(4 * n + 2, np.int32)  # touched haplotypes, then per-carrier copies
    stack = np.zeros(ts.num_nodes + 1, np.int32)
    group32 = np.ascontiguousarray(group, dtype=np.int32)
    # Worst case per row: a bitset, its homozygote bits, a sparse list, its counts.
    per_row = 2 * ((n + 7) // 8) + 1 + 4 * min(dense_min, n) + 24 * n_groups + 32
    max_rows = max_rows or max(16, _PART_BYTES // per_row)
    buf = _Buffers(contig, n, n_groups, dense_min, max_rows)
    extra = sites.n_alleles.astype(np.int64) - 1
    extra[extra < 0] = 0
    rows_before = np.zeros(extra.size + 1, np.int64)
    np.cumsum(extra, out=rows_before[1:])
    positions = ts.sites_position
    if ts.num_sites == 0:
        return
    tree = ts.first()
    while True:
        left, right = tree.interval
        s0 = int(np.searchsorted(positions, left, side="left"))
        s_end = int(np.searchsorted(positions, right, side="left"))
        lc, rs = tree.left_child_array, tree.right_sib_array
        while s0 < s_end:
            # As many sites as surely fit, at least one (a fresh buffer holds any one site).
            s1 = int(np.searchsorted(rows_before, rows_before[s0] + buf.max_rows, side="right"))
            s1 = max(s0 + 1, min(s_end, s1 - 1))
            if not buf.room(int(rows_before[s1] - rows_before[s0])):
                if buf.fill[0]:
                    yield buf.take(sites)
                while not buf.room(int(rows_before[s1] - rows_before[s0])) and s1 > s0 + 1:
                    s1 = s0 + max(1, (s1 - s0) // 2)
            _site_rows(
                lc,
                rs,
                s0,
                s1,
                sites.site_mut,
                sites.mut_node,
                sites.mut_code,
                sites.n_alleles,
                sites.row_ok,
                hap_of_node,
                group32,
                dense_min,
                hstate,
                touched,
                stack,
                buf.r_site,
                buf.r_code,
                buf.r_kind,
                buf.r_count,
                buf.r_ac,
                buf.r_geno,
                buf.idx,
                buf.bits,
                buf.rank,
                buf.r_rank,
                buf.fill,
            )
            if on_sites is not None:
                on_sites(s1 - s0)
            s0 = s1
        if s_end >= ts.num_sites or not tree.next():
            break
    if buf.fill[0]:
        yield buf.take(sites)

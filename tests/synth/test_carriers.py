"""Carriers from the trees (onemg.synth.carriers) against tskit's genotype matrix."""

from __future__ import annotations

import msprime
import numpy as np
import pytest
import tskit

from onemg.genomics.index_sparse import HybridRows
from onemg.synth.carriers import extract_piece, site_alleles


def _simulate(n: int, seed: int, rate: float) -> tskit.TreeSequence:
    ts = msprime.sim_ancestry(
        n, sequence_length=2_000, recombination_rate=1e-5, population_size=1_000, random_seed=seed
    )
    # A high rate on a short sequence: many sites with recurrent and back mutations.
    return msprime.sim_mutations(ts, rate=rate, random_seed=seed, discrete_genome=True)


def _rows(parts: list[HybridRows], n: int) -> dict[tuple[int, str, str], dict[int, int]]:
    """(pos, ref, alt) -> {individual: copies} from the hybrid layout."""
    out: dict[tuple[int, str, str], dict[int, int]] = {}
    for p in parts:
        for r in range(len(p.ref)):
            s = int(p.slot[r])
            if p.kind[r] == 0:
                members = p.indices[p.offsets[s] : p.offsets[s + 1]]
            else:
                members = np.flatnonzero(np.unpackbits(p.bits[s], bitorder="little", count=n))
            assert members.size == p.count[r]
            assert np.all(np.diff(members) > 0)
            flags = np.unpackbits(
                p.hom_bits[p.hom_starts[r] :], bitorder="little", count=int(p.count[r])
            )
            key = (int(p.pos[r]), p.ref[r], p.alt[r])
            assert key not in out
            out[key] = {int(i): 1 + int(f) for i, f in zip(members, flags, strict=True)}
    return out


def _expected(
    ts: tskit.TreeSequence, nodes: np.ndarray, start: int
) -> dict[tuple[int, str, str], dict[int, int]]:
    """The dense route: genotype matrix -> nonzero, per site and allele."""
    out: dict[tuple[int, str, str], dict[int, int]] = {}
    gm = ts.genotype_matrix(samples=nodes)
    for var, g in zip(ts.variants(samples=nodes), gm, strict=True):
        for k, allele in enumerate(var.alleles[1:], start=1):
            copies = (g[0::2] == k).astype(int) + (g[1::2] == k)
            carriers = np.flatnonzero(copies)
            if carriers.size:
                key = (start + int(var.site.position), var.alleles[0], allele)
                out[key] = {int(i): int(copies[i]) for i in carriers}
    return out


@pytest.mark.parametrize(
    ("seed", "dense_min", "max_rows"), [(1, 1_000, None), (2, 3, 7), (3, 8, 64)]
)
def test_carriers_equal_genotype_matrix(seed: int, dense_min: int, max_rows: int | None) -> None:
    ts = _simulate(60, seed, rate=2e-4)
    multi = sum(1 for s in ts.sites() if len(s.mutations) > 1)
    assert multi > 20  # recurrent mutations: multi-allelic sites and back mutations
    sites = site_alleles(ts, start=1_000)
    # Two "countries": individuals 0-24 and 25-59 (country B's nodes given in shuffled order
    # of individuals would break phasing, so keep individual order).
    nodes_all = ts.samples()
    for nodes in (nodes_all[:50], nodes_all[50:]):
        n = nodes.size // 2
        group = np.arange(n) % 3
        parts = list(
            extract_piece(
                ts,
                sites,
                contig="7",
                nodes=nodes,
                group=group,
                n_groups=3,
                dense_min=dense_min,
                max_rows=max_rows,
            )
        )
        got = _rows(parts, n)
        want = _expected(ts, nodes, 1_000)
        assert got == want
        # Allele counts per group follow the copies.
        for p in parts:
            for r in range(len(p.ref)):
                key = (int(p.pos[r]), p.ref[r], p.alt[r])
                ac = np.zeros(3, int)
                for i, c in want[key].items():
                    ac[group[i]] += c
                assert p.ac_g[r].tolist() == ac.tolist()
        if max_rows:
            assert len(parts) > 1
        if dense_min < 10:
            assert any(p.bits.shape[0] for p in parts)

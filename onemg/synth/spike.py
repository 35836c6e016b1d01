"""Spike curated known variants into a simulated tree sequence.

For each country, every haplotype independently carries a variant with allele frequency
``q = 1 - sqrt(1 - f)``, where ``f`` is the variant's carrier frequency there (Hardy-Weinberg:
P(at least one copy) = f). Two variants of the same gene are never put on the same haplotype
(pathogenic alleles of one gene are in trans in practice), so a person with two of them is a
compound heterozygote. The chosen haplotypes get a mutation directly above their sample node at
a new site; simulated sites overlapping the spiked allele are removed. tskit's decoders, and so
the VCF and VCF Zarr writers, then include the spiked variants with no special case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import tskit

from onemg.synth.genomes import Piece
from onemg.synth.regions import Region
from onemg.synth.tables import Country, KnownVariant


@dataclass(frozen=True)
class Spiked:
    """One spiked variant: its packed position and carrier haplotypes per country."""

    variant: KnownVariant
    piece: int  # index of the simulated region
    offset: int  # 0-based position inside the region (tskit coordinate)
    carrier_frequency: dict[str, float]  # requested, per country code
    allele_frequency: dict[str, float]  # q used for the draw
    haplotypes: dict[str, np.ndarray]  # country code -> sorted haplotype indices (0..2n-1)


def placements(
    variants: Sequence[KnownVariant], regions: Sequence[Region]
) -> list[tuple[KnownVariant, int, int]]:
    """The variants whose whole REF allele lies in a simulated piece: (variant, piece, offset).

    ``regions`` are the simulated pieces (:func:`onemg.synth.genomes.split_pieces`), in order.
    """
    out = []
    for v in variants:
        for k, r in enumerate(regions):
            if r.chrom == v.chrom and r.start <= v.pos and v.pos + len(v.ref) - 1 <= r.end:
                out.append((v, k, v.pos - r.start))
                break
    return out


def draw_carriers(
    variants: Sequence[tuple[KnownVariant, int, int]],
    countries: Sequence[Country],
    sizes: Sequence[int],
    rng: np.random.Generator,
) -> list[Spiked]:
    """Choose carrier haplotypes for every variant in every country."""
    draws: dict[str, dict[str, np.ndarray]] = {v.id: {} for v, _, _ in variants}
    freqs: dict[str, dict[str, float]] = {v.id: {} for v, _, _ in variants}
    qs: dict[str, dict[str, float]] = {v.id: {} for v, _, _ in variants}
    for country, n in zip(countries, sizes, strict=True):
        occupied: dict[str, np.ndarray] = {}  # gene -> haplotypes already carrying a variant
        used_q: dict[str, float] = {}  # gene -> summed allele frequency already drawn
        for v, _, _ in variants:
            f = v.carrier_frequency_for(country)
            q = 1.0 - float(np.sqrt(1.0 - f))
            taken = occupied.setdefault(v.gene, np.zeros(2 * n, dtype=bool))
            # Drawing only among free haplotypes: rescale so the marginal frequency stays q.
            p = min(1.0, q / max(1e-12, 1.0 - used_q.get(v.gene, 0.0)))
            hit = (rng.random(2 * n) < p) & ~taken
            taken |= hit
            used_q[v.gene] = used_q.get(v.gene, 0.0) + q
            draws[v.id][country.code] = np.flatnonzero(hit)
            freqs[v.id][country.code] = f
            qs[v.id][country.code] = q
    return [
        Spiked(v, piece, offset, freqs[v.id], qs[v.id], draws[v.id])
        for v, piece, offset in variants
    ]


def apply(
    pieces: Sequence[Piece],
    spiked: Sequence[Spiked],
    nodes_by_country: dict[str, np.ndarray],
) -> list[Piece]:
    """Return ``pieces`` with the spiked sites added and overlapping simulated sites removed."""
    out = list(pieces)
    for k, piece in enumerate(pieces):
        mine = [s for s in spiked if s.piece == k]
        if mine:
            out[k] = Piece(piece.region, apply_to(piece.ts, mine, nodes_by_country))
    return out


def apply_to(
    ts: tskit.TreeSequence, spiked: Sequence[Spiked], nodes_by_country: dict[str, np.ndarray]
) -> tskit.TreeSequence:
    """``ts`` (one piece) with the given spiked sites added, overlapping simulated sites removed."""
    tables = ts.dump_tables()
    positions = tables.sites.position
    drop = np.zeros(len(positions), dtype=bool)
    for s in spiked:
        lo, hi = s.offset, s.offset + len(s.variant.ref) - 1
        drop |= (positions >= lo) & (positions <= hi)
    if drop.any():
        tables.delete_sites(np.flatnonzero(drop))
    node_time = tables.nodes.time
    for s in spiked:
        site = tables.sites.add_row(position=s.offset, ancestral_state=s.variant.ref)
        for code, haps in s.haplotypes.items():
            for node in nodes_by_country[code][haps]:
                # A mutation on the sample node's own branch: exactly this haplotype carries it.
                tables.mutations.add_row(
                    site=site, node=int(node), derived_state=s.variant.alt, time=node_time[node]
                )
    tables.sort()
    tables.build_index()
    tables.compute_mutation_parents()
    return tables.tree_sequence()

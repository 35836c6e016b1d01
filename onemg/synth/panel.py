"""Held-out reference panel: individuals simulated with a cohort but left out of it.

A re-identification attacker knows the population's allele frequencies and its linkage
disequilibrium (LD) from a reference panel of the same population. ``onemg synth --held-out N``
simulates ``N`` more individuals per country in the *same* simulation (same demography, same
trees) and writes them here instead of into the cohort, so the panel is drawn from exactly the
population the cohort comes from, yet shares nobody with it.

Layout, next to the country folder ``<out>/<cc>/``::

    <out>/<cc>-held-out/panel.npz        sites x haplotype carriers (sparse, see below)
    <out>/<cc>-held-out/frequencies.tsv  chrom pos ref alt ac an af (one line per ALT allele)
    <out>/<cc>-held-out/panel.json       what this is: country, seed, individuals, sites

``panel.npz`` holds one row per ALT allele present in the panel (multi-allelic sites split), in
genome order: ``chrom`` (``"22"``), ``pos`` (1-based GRCh38), ``ref``, ``alt``, and the
haplotypes carrying the ALT in CSR form (``indptr``, ``haplotypes``; haplotype ``2i`` and
``2i+1`` are individual ``i``'s). Rare alleles dominate a panel, so this is far smaller than a
dense genotype matrix, and it is exactly what LD between rare alleles needs (their carriers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from onemg.errors import InvalidInputError

PANEL_FILE, FREQ_FILE, META_FILE = "panel.npz", "frequencies.tsv", "panel.json"


def panel_dir(out: Path, code: str) -> Path:
    """The held-out panel folder of country ``code`` under a synth output ``out``."""
    return Path(out) / f"{code.lower()}-held-out"


def split_nodes(
    nodes: Sequence[np.ndarray], sizes: Sequence[int]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Split each country's sample nodes into the cohort's (first ``2 n``) and the panel's."""
    cohort = [n[: 2 * size] for n, size in zip(nodes, sizes, strict=True)]
    panel = [n[2 * size :] for n, size in zip(nodes, sizes, strict=True)]
    return cohort, panel


@dataclass(frozen=True)
class Panel:
    """A reference panel: ALT alleles and, for each, the haplotypes that carry it."""

    chrom: np.ndarray  # (m,) str
    pos: np.ndarray  # (m,) int64, 1-based
    ref: np.ndarray  # (m,) str
    alt: np.ndarray  # (m,) str
    indptr: np.ndarray  # (m + 1,) int64
    haplotypes: np.ndarray  # carriers, int32 haplotype indices (2i, 2i + 1 = individual i)
    individuals: int

    @property
    def sites(self) -> int:
        """Number of ALT alleles (rows)."""
        return len(self.pos)

    def allele_counts(self) -> np.ndarray:
        """ALT allele count of each row."""
        return np.diff(self.indptr)

    def keys(self) -> list[tuple[str, int, str, str]]:
        """(chrom, pos, ref, alt) of each row."""
        return list(
            zip(self.chrom.tolist(), self.pos.tolist(), self.ref.tolist(), self.alt.tolist(),
                strict=True)
        )  # fmt: skip

    def carriers(self, row: int) -> np.ndarray:
        """Haplotypes carrying row ``row``'s ALT."""
        return self.haplotypes[self.indptr[row] : self.indptr[row + 1]]

    def dosages(self, individuals: Sequence[int]) -> np.ndarray:
        """``(len(individuals), m)`` ALT dosages (0, 1, 2) of the given panel individuals."""
        index = {int(i): k for k, i in enumerate(individuals)}
        out = np.zeros((len(index), self.sites), dtype=np.int8)
        row_of = np.repeat(np.arange(self.sites), self.allele_counts())
        people = self.haplotypes // 2
        for person, k in index.items():
            np.add.at(out[k], row_of[people == person], 1)
        return out

    def without(self, individuals: Sequence[int]) -> Panel:
        """The panel minus ``individuals`` (their haplotypes dropped, the rest renumbered)."""
        drop = np.zeros(self.individuals, dtype=bool)
        drop[np.asarray(individuals, dtype=np.int64)] = True
        keep = ~drop[self.haplotypes // 2]
        new_id = np.cumsum(~drop) - 1  # old individual -> new individual
        haps = self.haplotypes[keep]
        haps = (2 * new_id[haps // 2] + haps % 2).astype(np.int32)
        rows = np.repeat(np.arange(self.sites), self.allele_counts())[keep]
        indptr = np.zeros(self.sites + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.sites), out=indptr[1:])
        return Panel(self.chrom, self.pos, self.ref, self.alt, indptr, haps,
                     self.individuals - int(drop.sum()))  # fmt: skip


def write_panel(
    pieces: Sequence[object], nodes: np.ndarray, folder: Path, *, code: str, seed: int,
    on_sites: Callable[[int], None] | None = None,
) -> Panel:  # fmt: skip
    """Write the panel of one country's held-out sample ``nodes`` from the simulated ``pieces``.

    Args:
        pieces: the simulated regions (``onemg.synth.genomes.Piece``), in genome order.
        nodes: the held-out individuals' sample nodes (2 per individual, phased order).
        folder: output folder (created).
        code: the country's ISO code (recorded in ``panel.json``).
        seed: the synth seed (recorded).
        on_sites: progress callback, called with the number of sites decoded.
    """
    if len(nodes) == 0 or len(nodes) % 2:
        raise InvalidInputError(f"a panel needs whole diploid individuals, got {len(nodes)} nodes")
    chrom: list[str] = []
    pos: list[int] = []
    ref: list[str] = []
    alt: list[str] = []
    carriers: list[np.ndarray] = []
    for piece in pieces:
        region = piece.region  # type: ignore[attr-defined]
        done = 0
        for var in piece.ts.variants(samples=nodes, isolated_as_missing=False):  # type: ignore[attr-defined]
            g = var.genotypes
            for k in range(1, len(var.alleles)):
                hits = np.flatnonzero(g == k)
                if hits.size:
                    chrom.append(region.chrom)
                    pos.append(region.start + int(var.site.position))
                    ref.append(var.alleles[0])
                    alt.append(var.alleles[k])
                    carriers.append(hits.astype(np.int32))
            done += 1
            if on_sites is not None and done % 4096 == 0:
                on_sites(4096)
        if on_sites is not None:
            on_sites(done % 4096)
    indptr = np.zeros(len(carriers) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in carriers], out=indptr[1:])
    panel = Panel(
        chrom=np.asarray(chrom, dtype=str), pos=np.asarray(pos, dtype=np.int64),
        ref=np.asarray(ref, dtype=str), alt=np.asarray(alt, dtype=str), indptr=indptr,
        haplotypes=np.concatenate(carriers) if carriers else np.zeros(0, np.int32),
        individuals=len(nodes) // 2,
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        folder / PANEL_FILE, chrom=panel.chrom, pos=panel.pos, ref=panel.ref, alt=panel.alt,
        indptr=panel.indptr, haplotypes=panel.haplotypes,
        individuals=np.int64(panel.individuals),
    )  # fmt: skip
    an = 2 * panel.individuals
    with (folder / FREQ_FILE).open("w") as fh:
        fh.write("chrom\tpos\tref\talt\tac\tan\taf\n")
        for (c, p, r, a), ac in zip(panel.keys(), panel.allele_counts().tolist(), strict=True):
            fh.write(f"{c}\t{p}\t{r}\t{a}\t{ac}\t{an}\t{ac / an:.6g}\n")
    meta = {
        "country": code, "seed": seed, "individuals": panel.individuals, "alleles": panel.sites,
        "description": "SYNTHETIC held-out reference panel: simulated with the cohort of the "
                       "same seed (same demography and trees) but not part of it.",
    }  # fmt: skip
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return panel


def read_panel(folder: Path) -> Panel:
    """Read a panel written by :func:`write_panel`.

    Raises:
        InvalidInputError: ``folder`` holds no panel.
    """
    path = Path(folder) / PANEL_FILE
    if not path.is_file():
        raise InvalidInputError(
            f"{path} not found: make a panel with `onemg synth ... --held-out N` (it writes "
            "<out>/<cc>-held-out/) and pass that folder"
        )
    with np.load(path) as z:
        return Panel(z["chrom"], z["pos"], z["ref"], z["alt"], z["indptr"], z["haplotypes"],
                     int(z["individuals"]))  # fmt: skip

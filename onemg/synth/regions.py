"""Genomic regions to simulate: gene symbols or ``chr:start-end`` on GRCh38.

Regions are 1-based and inclusive, like VCF positions and NCBI gene extents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from onemg.errors import InvalidInputError
from onemg.synth.tables import CHROM_ORDER, GRCH38_LENGTHS, Gene

DEFAULT_GENES: tuple[str, ...] = ("BRCA1", "BRCA2", "CFTR", "HBB", "HFE", "LDLR")
# About 1 Mb of chromosome 22 for a realistic bulk of (mostly rare) variants.
BULK_REGION = "chr22:30000001-31000000"
DEFAULT_REGIONS: tuple[str, ...] = (*DEFAULT_GENES, BULK_REGION)

# Haploid or sex-specific sequences would need a ploidy model synth does not have.
_UNSUPPORTED = {"Y", "MT"}
_REGION_RE = re.compile(r"^(?:chr)?([0-9]{1,2}|X|Y|MT|M):(\d+)-(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Region:
    """A GRCh38 interval (1-based, inclusive) with the names of what it covers."""

    name: str
    chrom: str
    start: int
    end: int

    @property
    def length(self) -> int:
        """Number of base pairs."""
        return self.end - self.start + 1

    def label(self) -> str:
        """``chr7:117480025-117668665`` form."""
        return f"chr{self.chrom}:{self.start}-{self.end}"


def _parse_interval(spec: str) -> Region:
    match = _REGION_RE.match(spec.strip())
    if not match:
        raise InvalidInputError(
            f"malformed region {spec!r}: use a gene symbol (e.g. CFTR) or chr:start-end "
            "(e.g. chr7:117480025-117668665 or 7:117480025-117668665)"
        )
    chrom = match.group(1).upper()
    chrom = "MT" if chrom == "M" else chrom
    start, end = int(match.group(2)), int(match.group(3))
    if chrom in _UNSUPPORTED:
        raise InvalidInputError(
            f"region {spec!r} is on chr{chrom}; synth simulates diploid autosomes and X only"
        )
    if chrom not in GRCH38_LENGTHS:
        raise InvalidInputError(f"region {spec!r}: unknown chromosome {chrom!r}")
    length = GRCH38_LENGTHS[chrom]
    if start < 1 or end < start or end > length:
        raise InvalidInputError(
            f"region {spec!r} is out of range: need 1 <= start <= end <= {length} "
            f"(the length of chr{chrom})"
        )
    return Region(name=f"chr{chrom}:{start}-{end}", chrom=chrom, start=start, end=end)


def parse_regions(specs: Sequence[str] | None, genes: dict[str, Gene]) -> tuple[Region, ...]:
    """Resolve region specs into sorted, merged regions.

    Args:
        specs: gene symbols and/or ``chr:start-end`` strings; ``None`` means the defaults
            (BRCA1, BRCA2, CFTR, HBB, HFE, LDLR and about 1 Mb of chr22).
        genes: the gene table (``load_genes()``).

    Returns:
        Regions sorted by chromosome and start; overlapping or adjacent ones are merged and
        their names joined with ``+``.

    Raises:
        InvalidInputError: an unknown gene, a malformed or out-of-range interval, or no regions.
    """
    items = list(DEFAULT_REGIONS if specs is None else specs)
    items = [s.strip() for item in items for s in str(item).split(",") if s.strip()]
    if not items:
        raise InvalidInputError("no regions given: pass gene symbols or chr:start-end intervals")
    regions: list[Region] = []
    for spec in items:
        gene = genes.get(spec.upper())
        if gene is not None:
            if gene.chrom in _UNSUPPORTED:
                raise InvalidInputError(f"gene {spec} is on chr{gene.chrom}; not supported")
            regions.append(Region(gene.symbol, gene.chrom, gene.start, gene.end))
        elif ":" in spec or spec.lower().startswith("chr"):
            regions.append(_parse_interval(spec))
        else:
            known = ", ".join(sorted(g.symbol for g in genes.values()))
            raise InvalidInputError(
                f"unknown gene {spec!r}: use chr:start-end, or one of the shipped genes: {known}"
            )
    return _merge(regions)


def _merge(regions: list[Region]) -> tuple[Region, ...]:
    ordered = sorted(regions, key=lambda r: (CHROM_ORDER.index(r.chrom), r.start, r.end))
    merged: list[Region] = []
    for region in ordered:
        last = merged[-1] if merged else None
        if last is not None and last.chrom == region.chrom and region.start <= last.end + 1:
            merged[-1] = Region(
                f"{last.name}+{region.name}", last.chrom, last.start, max(last.end, region.end)
            )
        else:
            merged.append(region)
    return tuple(merged)

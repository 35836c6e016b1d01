"""From an htsget request to byte ranges of the archived plaintext (whole BGZF blocks).

A VCF/BCF record cannot be cut out of a compressed BGZF block without decompressing it, and the
node never decrypts on the serving path, so a slice is made of whole BGZF blocks: the blocks of
the header, every block holding a record of a region (from the CSI index), and the EOF block. A
block at a region's edge can therefore carry records just outside the region; htsget allows
this (clients filter, as ``bcftools view -r``/``-t`` do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onemg.errors import NotFoundError
from onemg.genomics.normalize import normalize_contig
from onemg.retrieval.archive import ArchivedFile
from onemg.retrieval.bgzf import EOF_BLOCK
from onemg.retrieval.slicing import Range, SlicePlan, plan_slice

MAX_END = 1 << 62


@dataclass(frozen=True)
class Region:
    """An htsget region: a reference name with optional 0-based half-open bounds."""

    reference_name: str
    start: int | None = None
    end: int | None = None


def _contig(archived: ArchivedFile, name: str) -> str | None:
    names = archived.manifest.contigs or archived.index.names
    if name in names:
        return name
    try:
        wanted = normalize_contig(name)
    except ValueError:
        return None
    for candidate in names:
        try:
            if normalize_contig(candidate) == wanted:
                return candidate
        except ValueError:
            continue
    return None


def byte_ranges(
    archived: ArchivedFile, regions: Sequence[Region] | None, *, header_only: bool = False
) -> list[Range]:
    """Plaintext byte ranges for the header (always), the regions (``None``: the whole file)
    and the EOF block.

    Raises:
        NotFoundError: a reference name the file's header does not list.
    """
    m = archived.manifest
    eof = (m.plain_size - len(EOF_BLOCK), m.plain_size)
    ranges: list[Range] = [(0, m.header_end), eof]
    if header_only:
        return ranges
    if regions is None:
        return [(0, m.plain_size)]
    for region in regions:
        contig = _contig(archived, region.reference_name)
        if contig is None:
            raise NotFoundError(
                f"referenceName {region.reference_name!r} is not in this "
                f"dataset; it has {', '.join(m.contigs[:30])}"
            )
        beg = region.start or 0
        end = MAX_END if region.end is None else region.end
        for vbeg, vend in archived.index.chunks(contig, beg, end):
            cend, uend = vend >> 16, vend & 0xFFFF
            # The end offset points just past the last record: that block is needed only
            # when the offset is inside it.
            stop = cend if uend == 0 else archived.blocks.end_of(cend)
            ranges.append((vbeg >> 16, stop))
    return ranges


def plan(
    archived: ArchivedFile, regions: Sequence[Region] | None, *, header_only: bool = False
) -> SlicePlan:
    """The segments and edit list serving ``regions`` (see :func:`byte_ranges`)."""
    return plan_slice(
        byte_ranges(archived, regions, header_only=header_only), archived.manifest.plain_size
    )

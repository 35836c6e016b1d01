"""Read a CSI index (hts-specs ``CSIv1.tex``) and find the BGZF blocks that cover a region.

The archive indexes every VCF.gz and BCF with ``bcftools index -c -m 12`` (CSI with 4 kb
bins rather than the default 16 kb, so a slice starts and ends closer to its region), so this
one reader serves both. Querying follows htslib's ``hts_itr_query``: the bins overlapping the
region, the chunks in them, cut at the smallest offset a record of the region can start at (the
``loffset`` of the region start's finest existing bin).
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

from onemg.errors import InvalidInputError

Chunk = tuple[int, int]  # virtual offsets (coffset << 16 | uoffset): begin, end


@dataclass(frozen=True)
class _Bin:
    loffset: int
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class CsiIndex:
    """One CSI file: its binning scheme, contig names and per-contig bins."""

    min_shift: int
    depth: int
    names: tuple[str, ...]
    bins: tuple[dict[int, _Bin], ...]

    @classmethod
    def read(cls, path: Path, names: list[str] | None = None) -> CsiIndex:
        """Parse ``path``; ``names`` (the BCF header's contigs) when the index holds none."""
        try:
            data = gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as exc:
            raise InvalidInputError(f"{path}: not a BGZF-compressed CSI index ({exc})") from exc
        if data[:4] != b"CSI\x01":
            raise InvalidInputError(f"{path}: not a CSI index (magic {data[:4]!r})")
        min_shift, depth, l_aux = struct.unpack_from("<iii", data, 4)
        pos = 16
        aux = data[pos : pos + l_aux]
        pos += l_aux
        if l_aux >= 28:  # tabix-style meta: 7 int32 then the NUL-separated names
            l_nm = struct.unpack_from("<i", aux, 24)[0]
            names = [n.decode() for n in aux[28 : 28 + l_nm].split(b"\0") if n]
        (n_ref,) = struct.unpack_from("<i", data, pos)
        pos += 4
        pseudo = ((1 << (3 * depth + 3)) - 1) // 7 + 1  # htslib's META_BIN
        refs = []
        for _ in range(n_ref):
            (n_bin,) = struct.unpack_from("<i", data, pos)
            pos += 4
            bins: dict[int, _Bin] = {}
            for _ in range(n_bin):
                bin_id, loffset, n_chunk = struct.unpack_from("<IQi", data, pos)
                pos += 16
                chunks = struct.unpack_from(f"<{2 * n_chunk}Q", data, pos)
                pos += 16 * n_chunk
                if bin_id != pseudo:
                    bins[bin_id] = _Bin(loffset, tuple(zip(chunks[::2], chunks[1::2], strict=True)))
            refs.append(bins)
        if names is None or len(names) < n_ref:
            raise InvalidInputError(
                f"{path}: the index names {n_ref} contigs but the file header does not list them"
            )
        return cls(min_shift, depth, tuple(names), tuple(refs))

    def _reg2bins(self, beg: int, end: int) -> list[int]:
        shift = self.min_shift + 3 * self.depth
        end = min(end, 1 << shift) - 1
        out, first = [], 0
        for level in range(self.depth + 1):
            out.extend(range(first + (beg >> shift), first + (end >> shift) + 1))
            first += 1 << (3 * level)
            shift -= 3
        return out

    def _min_offset(self, bins: dict[int, _Bin], beg: int) -> int:
        first = ((1 << (3 * self.depth)) - 1) // 7  # first bin of the finest level
        b = first + (beg >> self.min_shift)
        while b > 0 and b not in bins:
            b = (b - 1) >> 3
        return bins[b].loffset if b in bins else 0

    def chunks(self, contig: str, beg: int, end: int) -> list[Chunk]:
        """Merged chunks holding every record overlapping ``[beg, end)`` (0-based) on
        ``contig``; empty when the contig has no records or is not in the index."""
        try:
            tid = self.names.index(contig)
        except ValueError:
            return []
        if tid >= len(self.bins) or beg >= end:
            return []
        bins = self.bins[tid]
        min_off = self._min_offset(bins, beg)
        # No record overlapping the region starts before min_off, so chunks are cut there too.
        found = sorted(
            (max(c[0], min_off), c[1])
            for b in self._reg2bins(beg, end)
            if b in bins
            for c in bins[b].chunks
            if c[1] > min_off
        )
        merged: list[list[int]] = []
        for b, e in found:
            if merged and b <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([b, e])
        return [(b, e) for b, e in merged]

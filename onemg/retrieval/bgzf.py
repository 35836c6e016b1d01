"""BGZF facts the archive needs without decompressing on the serving path.

- :func:`header_length`: bytes of the uncompressed VCF/BCF header (htslib's own reader decides
  the format).
- :func:`reblock`: a copy whose header ends a BGZF block and whose blocks each start at a
  record, so whole blocks make a valid slice.
- :func:`block_offsets`: every block's compressed and uncompressed start, read from the ``.gzi``
  that ``bgzip --reindex`` writes.
"""

from __future__ import annotations

import bisect
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam

from onemg.errors import InvalidInputError

#: The 28-byte empty block every BGZF file ends with (SAM/BAM spec 4.1.2).
EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_COPY = 4 << 20


def header_length(path: Path) -> int:
    """Uncompressed length of the VCF (``#`` lines) or BCF (magic + ``l_text`` + text) header."""
    with pysam.BGZFile(str(path), "rb") as fh:
        head = fh.read(9)
        if head[:3] == b"BCF":
            (l_text,) = struct.unpack("<I", head[5:9])
            return 9 + l_text
        fh.seek(0)
        total = 0
        while True:
            line = fh.readline()
            if not line:
                raise InvalidInputError(f"{path}: no #CHROM header line; not a VCF")
            # pysam's readline drops the newline; the header keeps it
            total += len(line) + (0 if line.endswith(b"\n") else 1)
            if line.startswith(b"#CHROM"):
                return total
            if not line.startswith(b"#"):
                raise InvalidInputError(f"{path}: a record before the #CHROM header line")


@dataclass(frozen=True)
class Blocks:
    """Compressed (``coffsets``) and uncompressed (``uoffsets``) starts of every BGZF block,
    plus the compressed file size as a final sentinel in ``coffsets``."""

    coffsets: np.ndarray
    uoffsets: np.ndarray

    def end_of(self, coffset: int) -> int:
        """Compressed end of the block that starts at ``coffset``."""
        i = bisect.bisect_right(self.coffsets, coffset)
        if i == 0 or self.coffsets[i - 1] != coffset:
            raise InvalidInputError(f"no BGZF block starts at byte {coffset}")
        return int(self.coffsets[i])

    def boundary_at(self, uoffset: int) -> int | None:
        """Compressed offset of the block starting at uncompressed offset ``uoffset``."""
        i = bisect.bisect_left(self.uoffsets, uoffset)
        if i < len(self.uoffsets) and self.uoffsets[i] == uoffset:
            return int(self.coffsets[i])
        return None


def write_gzi(path: Path, gzi: Path) -> None:
    """Run ``bgzip --reindex`` to list the blocks of ``path`` in ``gzi``."""
    proc = subprocess.run(
        ["bgzip", "--reindex", "-I", str(gzi), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise InvalidInputError(f"{path}: not a BGZF file ({proc.stderr.strip()})")


def block_offsets(gzi: Path, file_size: int) -> Blocks:
    """Read a ``.gzi`` (u64 count, then (compressed, uncompressed) u64 pairs for every block
    but the first)."""
    data = gzi.read_bytes()
    (n,) = struct.unpack_from("<Q", data)
    pairs = np.frombuffer(data, dtype="<u8", count=2 * n, offset=8).reshape(n, 2)
    coffsets = np.concatenate([[0], pairs[:, 0], [file_size]]).astype(np.int64)
    uoffsets = np.concatenate([[0], pairs[:, 1]]).astype(np.int64)
    return Blocks(coffsets, uoffsets)


#: Uncompressed bytes htslib puts in one BGZF block (``BGZF_BLOCK_SIZE``).
BLOCK_DATA = 0xFF00


def reblock(src: Path, dest: Path, header_len: int) -> None:
    """Copy ``src`` to ``dest`` so that every BGZF block starts at a record (htslib's writer;
    the uncompressed bytes are the same).

    The header ends a block, and each block holds whole records (a record longer than a block
    gets blocks of its own), so the blocks an index chunk names decode to whole records.
    htslib already writes VCF so, but not BCF, and ``bgzip`` of a text VCF does not either.
    """
    with pysam.BGZFile(str(src), "rb") as fin, pysam.BGZFile(str(dest), "wb") as fout:
        head = fin.read(header_len)
        fout.write(head)
        fout.flush()  # ends the block: the header is whole blocks
        if head[:3] == b"BCF":
            _bcf_records(fin, fout)
        else:
            _vcf_lines(fin, fout)


def _vcf_lines(fin: pysam.BGZFile, fout: pysam.BGZFile) -> None:
    buf = b""
    while True:
        chunk = fin.read(_COPY)
        buf += chunk
        pos = 0
        while len(buf) - pos >= BLOCK_DATA or (not chunk and pos < len(buf)):
            window = buf[pos : pos + BLOCK_DATA]
            cut = window.rfind(b"\n") + 1
            if cut == 0:  # a line longer than a block, or a last line without newline
                nl = buf.find(b"\n", pos)
                if nl < 0 and chunk:
                    break  # need more data to find its end
                cut = (len(buf) - pos) if nl < 0 else nl + 1 - pos
            fout.write(buf[pos : pos + cut])
            fout.flush()
            pos += cut
        buf = buf[pos:]
        if not chunk:
            return


def _bcf_records(fin: pysam.BGZFile, fout: pysam.BGZFile) -> None:
    buf = b""
    pos = 0
    block = 0  # bytes in the block being filled
    eof = False
    while True:
        if len(buf) - pos < 8 and not eof:
            more = fin.read(_COPY)
            eof = not more
            buf, pos = buf[pos:] + more, 0
            continue
        if len(buf) - pos < 8:
            if len(buf) - pos:
                raise InvalidInputError(f"{fin.name}: BCF ends inside a record")
            return
        l_shared, l_indiv = struct.unpack_from("<II", buf, pos)
        size = 8 + l_shared + l_indiv
        if len(buf) - pos < size:
            if eof:
                raise InvalidInputError(f"{fin.name}: BCF ends inside a record")
            more = fin.read(max(_COPY, size))
            eof = not more
            buf, pos = buf[pos:] + more, 0
            continue
        if block and block + size > BLOCK_DATA:
            fout.flush()
            block = 0
        fout.write(buf[pos : pos + size])
        block += size
        pos += size
        if block >= BLOCK_DATA:  # a long record: the next one starts a fresh block
            fout.flush()
            block = 0


def ends_with_eof(path: Path) -> bool:
    """True when ``path`` ends with the BGZF EOF block."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        if fh.tell() < len(EOF_BLOCK):
            return False
        fh.seek(-len(EOF_BLOCK), 2)
        return fh.read() == EOF_BLOCK

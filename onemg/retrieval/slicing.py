"""Which encrypted segments serve a set of plaintext byte ranges, and the edit list that trims
them (pure functions; no I/O, no keys).

The archived plaintext is a BGZF file cut into Crypt4GH segments of 65,536 bytes. A slice is a
set of byte ranges of that file, each a run of whole BGZF blocks (the VCF header, the blocks of
the region, the EOF block). The served stream is the concatenation of every segment touching a
range; the Crypt4GH data edit list (alternating skip, keep lengths over that stream) keeps
exactly the ranges, so decryption yields a valid BGZF file.
"""

from __future__ import annotations

from dataclasses import dataclass

SEGMENT = 65_536
CIPHER_SEGMENT = SEGMENT + 28  # nonce (12) + ciphertext + MAC (16)
#: Largest run of segments served by one block URL (htsget: keep blocks well under ~1 GB).
MAX_RUN_SEGMENTS = 4096  # 256 MiB of plaintext

Range = tuple[int, int]  # [start, end) in plaintext bytes


def merge(ranges: list[Range]) -> list[Range]:
    """Sorted, non-empty ranges with overlapping or touching ones joined."""
    out: list[list[int]] = []
    for a, b in sorted(r for r in ranges if r[1] > r[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def body_size(plain_size: int) -> int:
    """Size of the Crypt4GH body (segments only) for ``plain_size`` plaintext bytes."""
    full, rest = divmod(plain_size, SEGMENT)
    return full * CIPHER_SEGMENT + (rest + 28 if rest else 0)


@dataclass(frozen=True)
class SlicePlan:
    """What to serve for a slice.

    ``runs`` are ``[start, end)`` byte ranges of the encrypted body, each a run of consecutive
    segments, in order; ``edit_list`` applies to the concatenated plaintext of those segments.
    """

    runs: tuple[Range, ...]
    edit_list: tuple[int, ...]
    plain_bytes: int  # what decryption yields

    @property
    def cipher_bytes(self) -> int:
        """Bytes of body served."""
        return sum(b - a for a, b in self.runs)


def plan_slice(ranges: list[Range], plain_size: int) -> SlicePlan:
    """Plan the segments and edit list for ``ranges`` of a ``plain_size``-byte plaintext."""
    ranges = merge(ranges)
    if not ranges or ranges[-1][1] > plain_size or ranges[0][0] < 0:
        raise ValueError(f"ranges {ranges[:3]}... outside a {plain_size}-byte file")
    segments: list[int] = []
    for a, b in ranges:
        first, last = a // SEGMENT, (b - 1) // SEGMENT
        start = max(first, segments[-1] + 1) if segments else first
        segments.extend(range(start, last + 1))
    rank = {seg: i for i, seg in enumerate(segments)}

    def stream(pos: int) -> int:  # plaintext offset -> offset in the served stream
        seg = pos // SEGMENT
        return rank[seg] * SEGMENT + pos % SEGMENT

    edits: list[int] = []
    cursor = 0
    for a, b in ranges:
        s, e = stream(a), stream(b - 1) + 1
        skip = s - cursor
        if edits and skip == 0:
            edits[-1] += e - s  # touching in the stream: one keep (zero skips are invalid)
        else:
            edits += [skip, e - s]
        cursor = e

    cipher_total = body_size(plain_size)
    runs: list[Range] = []
    run_start = prev = segments[0]
    for seg in [*segments[1:], None]:
        if seg is not None and seg == prev + 1 and seg - run_start < MAX_RUN_SEGMENTS:
            prev = seg
            continue
        runs.append((run_start * CIPHER_SEGMENT, min((prev + 1) * CIPHER_SEGMENT, cipher_total)))
        if seg is not None:
            run_start = prev = seg
    return SlicePlan(tuple(runs), tuple(edits), sum(b - a for a, b in ranges))

"""On-disk hybrid sets: one subset of ``0..n-1`` per row, sparse (CSR) or dense (packed bits).

Layout of a hybrid-set folder (all ``.npy``, opened with ``mmap_mode="r"``):

``kind``     uint8[rows]   0 = sparse, 1 = dense
``slot``     int64[rows]   row number in the CSR (sparse) or in ``bits`` (dense)
``count``    int32[rows]   members per row
``offsets``  int64[n_sparse + 1]; ``indices`` int32[...] sorted members of each sparse row
``bits``     uint8[n_dense, (n + 7) // 8], ``numpy.packbits(bitorder="little")`` like IndividualSet

Homozygotes (``homs/``) are a subset of each row's carriers and are stored as one bit per carrier
(:class:`RankBits`: ``starts`` int64[rows] byte offsets into a flat ``bits`` uint8 array; a row
owns ``ceil(count / 8)`` bytes), which costs ``carriers / 8`` bytes in total.

Rows need not be stored in the order they are referenced: ``kind``/``slot`` give the indirection,
which is what lets the index be sorted after a chunk-by-chunk build without moving carrier data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_NAMES = ("kind", "slot", "count", "offsets", "indices", "bits")


def load_array(path: Path) -> np.ndarray:
    """Memory-map a ``.npy`` file (empty arrays cannot be mapped and are read instead)."""
    try:
        return np.load(path, mmap_mode="r")
    except ValueError:
        return np.load(path)


def save_part(folder: Path, arrays: Sequence[np.ndarray]) -> None:
    """Write one chunk's ``(kind, slot, count, offsets, indices, bits)`` to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in zip(_NAMES, arrays, strict=True):
        np.save(folder / f"{name}.npy", arr)


@dataclass(frozen=True)
class HybridSets:
    """Read side of a hybrid-set folder."""

    kind: np.ndarray
    slot: np.ndarray
    count: np.ndarray
    offsets: np.ndarray
    indices: np.ndarray
    bits: np.ndarray

    @classmethod
    def open(cls, folder: Path) -> HybridSets:
        """Memory-map the folder's arrays."""
        return cls(*(load_array(folder / f"{name}.npy") for name in _NAMES))

    def members(self, row: int) -> np.ndarray:
        """Sorted ``int32`` members of ``row``."""
        s = int(self.slot[row])
        if self.kind[row] == 0:
            return np.asarray(self.indices[self.offsets[s]:self.offsets[s + 1]])
        n = int(self.bits.shape[1]) * 8
        mask = np.unpackbits(self.bits[s], bitorder="little", count=n).view(bool)
        return np.flatnonzero(mask).astype(np.int32)


def concat_parts(parts: Sequence[Path], out: Path, *, order: np.ndarray, nbytes: int) -> None:
    """Join chunk folders (in build order) into one hybrid-set folder, rows permuted by ``order``.

    Carrier data is streamed part by part into pre-sized memory-mapped outputs, so memory stays
    bounded by one part; only the small per-row arrays are held whole.

    Args:
        parts: chunk folders written by :func:`save_part`, in build-row order.
        out: destination folder.
        order: final row ``i`` is build row ``order[i]``.
        nbytes: bytes per dense bitset row.
    """
    out.mkdir(parents=True, exist_ok=True)
    kinds, slots, counts = [], [], []
    n_sparse = n_dense = n_idx = 0
    for p in parts:
        kind = np.load(p / "kind.npy")
        slot = np.load(p / "slot.npy")
        slot = slot + np.where(kind == 0, n_sparse, n_dense)
        kinds.append(kind)
        slots.append(slot)
        counts.append(np.load(p / "count.npy"))
        n_sparse += int((kind == 0).sum())
        n_dense += int((kind == 1).sum())
        n_idx += int(np.load(p / "offsets.npy")[-1])
    kind_all = np.concatenate(kinds) if kinds else np.zeros(0, np.uint8)
    np.save(out / "kind.npy", kind_all[order])
    np.save(out / "slot.npy", (np.concatenate(slots) if slots else np.zeros(0, np.int64))[order])
    np.save(out / "count.npy", (np.concatenate(counts) if counts else np.zeros(0, np.int32))[order])

    offsets = np.lib.format.open_memmap(out / "offsets.npy", mode="w+", dtype=np.int64,
                                        shape=(n_sparse + 1,))
    indices = np.lib.format.open_memmap(out / "indices.npy", mode="w+", dtype=np.int32,
                                        shape=(n_idx,)) if n_idx else None
    bits = np.lib.format.open_memmap(out / "bits.npy", mode="w+", dtype=np.uint8,
                                     shape=(n_dense, nbytes)) if n_dense else None
    offsets[0] = 0
    s_at = d_at = i_at = 0
    for p in parts:
        part_off = np.load(p / "offsets.npy")
        k = part_off.size - 1
        offsets[s_at + 1:s_at + 1 + k] = part_off[1:] + i_at
        if part_off[-1]:
            indices[i_at:i_at + int(part_off[-1])] = np.load(p / "indices.npy")
        part_bits = np.load(p / "bits.npy", mmap_mode="r") if (p / "bits.npy").stat().st_size \
            else None
        if part_bits is not None and part_bits.shape[0]:
            bits[d_at:d_at + part_bits.shape[0]] = part_bits
            d_at += part_bits.shape[0]
        s_at += k
        i_at += int(part_off[-1])
    offsets.flush()
    del offsets
    # Empty outputs are written as ordinary (unmappable, tiny) arrays.
    if indices is None:
        np.save(out / "indices.npy", np.zeros(0, np.int32))
    else:
        indices.flush()
    if bits is None:
        np.save(out / "bits.npy", np.zeros((0, nbytes), np.uint8))
    else:
        bits.flush()


def save_rank_part(folder: Path, starts: np.ndarray, bits: np.ndarray) -> None:
    """Write one chunk's per-carrier bit rows (see :func:`kernels.hom_rank_bits`)."""
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "starts.npy", starts)
    np.save(folder / "bits.npy", bits)


@dataclass(frozen=True)
class RankBits:
    """Read side of per-carrier bit rows: ``starts`` int64[rows], ``bits`` uint8 (flat)."""

    starts: np.ndarray
    bits: np.ndarray

    @classmethod
    def open(cls, folder: Path) -> RankBits:
        """Memory-map the folder's arrays."""
        return cls(load_array(folder / "starts.npy"), load_array(folder / "bits.npy"))

    def flags(self, row: int, count: int) -> np.ndarray:
        """The ``count`` flags of ``row`` as booleans, in carrier order."""
        s = int(self.starts[row])
        raw = np.asarray(self.bits[s:s + (count + 7) // 8])
        return np.unpackbits(raw, count=count, bitorder="little").astype(bool)


def concat_rank_parts(parts: Sequence[Path], out: Path, *, order: np.ndarray) -> None:
    """Join rank-bit chunk folders, rows permuted by ``order`` (bits are not moved)."""
    out.mkdir(parents=True, exist_ok=True)
    starts, total = [], 0
    for p in parts:
        starts.append(np.load(p / "starts.npy") + total)
        total += int(load_array(p / "bits.npy").size)
    all_starts = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    np.save(out / "starts.npy", all_starts[order])
    if not total:
        np.save(out / "bits.npy", np.zeros(0, np.uint8))
        return
    bits = np.lib.format.open_memmap(out / "bits.npy", mode="w+", dtype=np.uint8,
                                     shape=(total,))
    at = 0
    for p in parts:
        part = np.load(p / "bits.npy")
        bits[at:at + part.size] = part
        at += part.size
    bits.flush()

"""Sets of individuals as dense integers ``0..n-1`` within one dataset.

A filter over health metadata resolves to an :class:`IndividualSet`; a variant's carriers are
another. A Beacon count is the size of their intersection. The set keeps a packed bitset
(``numpy.packbits`` with ``bitorder="little"``, so bit ``i`` of byte ``i // 8`` is individual ``i``)
and derives sorted indices or a boolean mask on demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import numpy as np

from onemg.errors import InvalidInputError

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


class IndividualSet:
    """An immutable subset of ``range(n)``."""

    __slots__ = ("__dict__", "_bits", "n")

    def __init__(self, bits: np.ndarray, n: int) -> None:
        nbytes = (n + 7) // 8
        if bits.dtype != np.uint8 or bits.ndim != 1 or bits.size != nbytes:
            raise InvalidInputError(f"bitset must be uint8[{nbytes}] for n={n}, got "
                                    f"{bits.dtype}[{bits.shape}]")
        self._bits = bits
        self._bits.flags.writeable = False
        self.n = n

    # construction -------------------------------------------------------------------------------
    @classmethod
    def all(cls, n: int) -> IndividualSet:
        """Every individual."""
        return cls.from_mask(np.ones(n, dtype=bool))

    @classmethod
    def empty(cls, n: int) -> IndividualSet:
        """No individual."""
        return cls(np.zeros((n + 7) // 8, dtype=np.uint8), n)

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> IndividualSet:
        """From a boolean array of length ``n``."""
        mask = np.asarray(mask, dtype=bool)
        return cls(np.packbits(mask, bitorder="little"), int(mask.size))

    @classmethod
    def from_indices(cls, indices: Iterable[int] | np.ndarray, n: int) -> IndividualSet:
        """From integer indices (any order, duplicates allowed), each in ``0..n-1``."""
        idx = np.asarray(list(indices) if not isinstance(indices, np.ndarray) else indices,
                         dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise InvalidInputError(f"individual index out of range 0..{n - 1}")
        mask = np.zeros(n, dtype=bool)
        mask[idx] = True
        return cls.from_mask(mask)

    # views --------------------------------------------------------------------------------------
    @property
    def bits(self) -> np.ndarray:
        """Packed little-endian bitset, ``uint8[(n + 7) // 8]`` (read-only)."""
        return self._bits

    @cached_property
    def mask(self) -> np.ndarray:
        """Boolean mask of length ``n``."""
        m = np.unpackbits(self._bits, count=self.n, bitorder="little").view(bool)
        m.flags.writeable = False
        return m

    @cached_property
    def indices(self) -> np.ndarray:
        """Sorted ``int32`` member indices."""
        idx = np.flatnonzero(self.mask).astype(np.int32)
        idx.flags.writeable = False
        return idx

    def __len__(self) -> int:
        return int(_POPCOUNT[self._bits].sum(dtype=np.int64))

    def __contains__(self, i: object) -> bool:
        return isinstance(i, (int, np.integer)) and 0 <= int(i) < self.n and bool(self.mask[i])

    def __iter__(self):  # noqa: ANN204
        return iter(self.indices.tolist())

    # algebra ------------------------------------------------------------------------------------
    def _check(self, other: IndividualSet) -> None:
        if other.n != self.n:
            raise InvalidInputError(f"sets over different cohorts (n={self.n} vs n={other.n})")

    def __and__(self, other: IndividualSet) -> IndividualSet:
        self._check(other)
        return IndividualSet(np.bitwise_and(self._bits, other._bits), self.n)

    def __or__(self, other: IndividualSet) -> IndividualSet:
        self._check(other)
        return IndividualSet(np.bitwise_or(self._bits, other._bits), self.n)

    def __sub__(self, other: IndividualSet) -> IndividualSet:
        self._check(other)
        return IndividualSet(np.bitwise_and(self._bits, np.bitwise_not(other._bits)), self.n)

    def invert(self) -> IndividualSet:
        """Everyone not in this set."""
        return IndividualSet.from_mask(~self.mask)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, IndividualSet) and other.n == self.n
                and bool(np.array_equal(self._bits, other._bits)))

    def __hash__(self) -> int:
        return hash((self.n, self._bits.tobytes()))

    def __repr__(self) -> str:
        return f"IndividualSet(size={len(self)}, n={self.n})"

    def count_in(self, carriers: np.ndarray) -> int:
        """How many of ``carriers`` (int indices) are in this set; O(len(carriers))."""
        return int(self.mask[carriers].sum()) if len(carriers) else 0

    def count_bits_in(self, bits: np.ndarray) -> int:
        """Size of the intersection with another packed bitset of the same cohort."""
        return int(_POPCOUNT[np.bitwise_and(self._bits, bits)].sum(dtype=np.int64))

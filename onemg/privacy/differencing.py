"""Differencing protection for noisy filtered counts: nearly the same people, the same answer.

Two filtered counts whose people differ by one (``count(F)`` and ``count(F AND P)`` where only
the target fails ``P``) would give the target's contribution as their difference, up to the
noise; and an attacker can ask many such pairs, each with fresh noise, and average. Noise alone
bounds this only with an epsilon budget far too small for ordinary use (docs/privacy.md).

So a node keeps, per user and dataset, the people behind each noisy filtered count it has given
(:class:`~onemg.privacy.models.CountSet`). A new count whose people differ from an earlier
one's by fewer than ``k`` (symmetric difference, ``0 < |A ^ B| < k``) is given *that earlier
answer*, draw and all (paid like any new question where budgets apply: a refusal that spared
them would tell which sets are near). A pair that isolates fewer than ``k`` people therefore
always reads as a difference of zero, whether the target is in it or not; sets ``k`` or more
apart get independent draws, and their difference is about at least ``k`` people. Nothing is
refused for being near, and a spent budget refuses every new question alike, so a refusal
cannot leak either.

The comparison is within a *family*: counts of the same thing apart from the people (the entry
type and dataset version, and for counts of variants the matched rows).
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, bindparam, select

from onemg.individual_set import IndividualSet
from onemg.privacy.budget import insert_for
from onemg.privacy.models import CountSet


@dataclass(frozen=True)
class PriorCount:
    """An earlier count given to the same user: its answer key and exact count."""

    answer_key: str
    count: int
    #: People in the symmetric difference with the new set.
    distance: int


def _pack(members: IndividualSet) -> bytes:
    return zlib.compress(members.bits.tobytes(), 1)


def _unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype=np.uint8)


class CountSets:
    """The people behind the noisy filtered counts given so far (one node database).

    Rows are written once and never changed, so each process keeps the sets it has unpacked
    (up to ``cache_bytes``, least recently used first out) and reads only the blobs it has not
    seen: a user's history is scanned at every filtered count, and unpacking it again each time
    cost more than the comparison.
    """

    def __init__(self, engine: Engine, *, cache_bytes: int = 256 << 20) -> None:
        self._engine = engine
        self._cache: OrderedDict[tuple[str, str, str, str], np.ndarray] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._cached = 0
        self._lock = threading.Lock()
        table = CountSet.__table__
        scope = (
            table.c.subject == bindparam("subject"),
            table.c.dataset_id == bindparam("dataset_id"),
            table.c.family == bindparam("family"),
        )
        # |A ^ B| >= ||A| - |B||: only sets of about the same size can be near.
        self._candidates = (
            select(table.c.answer_key, table.c.count, table.c.at)
            .where(*scope, table.c.size > bindparam("low"), table.c.size < bindparam("high"))
            .order_by(table.c.at, table.c.answer_key)
        )
        self._blobs = select(table.c.answer_key, table.c.members).where(
            *scope, table.c.answer_key.in_(bindparam("keys", expanding=True))
        )

    def nearest(
        self, subject: str, dataset_id: str, family: str, members: IndividualSet, k: int
    ) -> PriorCount | None:
        """The earlier count of ``subject`` whose people differ from ``members`` by < ``k``.

        The closest one (then the oldest) when several do; ``None`` when none does.
        """
        size = len(members)
        scope = {"subject": subject, "dataset_id": dataset_id, "family": family}
        with self._engine.connect() as conn:
            rows = conn.execute(self._candidates, {**scope, "low": size - k, "high": size + k})
            rows = rows.all()
            if not rows:
                return None
            cached = self._get_many([(subject, dataset_id, family, r.answer_key) for r in rows])
            missing = [r.answer_key for r, bits in zip(rows, cached, strict=True) if bits is None]
            if missing:
                found = {
                    b.answer_key: _unpack(b.members)
                    for b in conn.execute(self._blobs, {**scope, "keys": missing})
                }
                for key, bits in found.items():
                    self._put((subject, dataset_id, family, key), bits)
                cached = [
                    bits if bits is not None else found.get(r.answer_key)
                    for r, bits in zip(rows, cached, strict=True)
                ]
        bits = members.bits
        # Another version of the dataset has sets of another length: never near.
        same = [i for i, o in enumerate(cached) if o is not None and o.size == bits.size]
        if not same:
            return None
        stack = np.stack([cached[i] for i in same])
        distances = np.bitwise_count(np.bitwise_xor(stack, bits)).sum(axis=1, dtype=np.int64)
        near = np.flatnonzero(distances < k)
        if not near.size:
            return None
        # The closest, then the oldest (rows come ordered by time, and argmin takes the first).
        best = int(near[np.argmin(distances[near])])
        row = rows[same[best]]
        return PriorCount(row.answer_key, int(row.count), int(distances[best]))

    def _get_many(self, keys: list[tuple[str, str, str, str]]) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        with self._lock:  # the app's worker threads share this cache; one lock per lookup
            for key in keys:
                bits = self._cache.get(key)
                if bits is not None:
                    self._cache.move_to_end(key)
                out.append(bits)
        return out

    def _put(self, key: tuple[str, str, str, str], bits: np.ndarray) -> None:
        with self._lock:
            if key in self._cache or bits.nbytes > self._cache_bytes:
                return
            self._cache[key] = bits
            self._cached += bits.nbytes
            while self._cached > self._cache_bytes:
                _, old = self._cache.popitem(last=False)
                self._cached -= old.nbytes

    def remember(
        self,
        subject: str,
        dataset_id: str,
        family: str,
        answer_key: str,
        count: int,
        members: IndividualSet,
        *,
        now: int,
    ) -> None:
        """Keep a count just given (a repeat of the same key is kept once)."""
        table = CountSet.__table__
        insert = insert_for(self._engine)
        with self._engine.begin() as conn:
            conn.execute(
                insert(table)
                .values(
                    subject=subject,
                    dataset_id=dataset_id,
                    family=family,
                    answer_key=answer_key,
                    count=count,
                    size=len(members),
                    members=_pack(members),
                    at=now,
                )  # fmt: skip
                .on_conflict_do_nothing()
            )

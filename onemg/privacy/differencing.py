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

import zlib
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, select

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
    """The people behind the noisy filtered counts given so far (one node database)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def nearest(
        self, subject: str, dataset_id: str, family: str, members: IndividualSet, k: int
    ) -> PriorCount | None:
        """The earlier count of ``subject`` whose people differ from ``members`` by < ``k``.

        The closest one (then the oldest) when several do; ``None`` when none does.
        """
        table = CountSet.__table__
        size = len(members)
        query = (
            select(table.c.answer_key, table.c.count, table.c.members, table.c.at)
            .where(
                table.c.subject == subject,
                table.c.dataset_id == dataset_id,
                table.c.family == family,
                # |A ^ B| >= ||A| - |B||: only sets of about the same size can be near.
                table.c.size > size - k,
                table.c.size < size + k,
            )
            .order_by(table.c.at, table.c.answer_key)
        )
        bits = members.bits
        best: PriorCount | None = None
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                other = _unpack(row.members)
                if other.size != bits.size:
                    continue  # another version of the dataset
                distance = int(np.bitwise_count(np.bitwise_xor(bits, other)).sum())
                if distance < k and (best is None or distance < best.distance):
                    best = PriorCount(row.answer_key, int(row.count), distance)
        return best

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

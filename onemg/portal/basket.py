"""The researcher's basket: datasets chosen for an application, one row per dataset.

Kept per account (not per browser session) so that logging in again keeps it; emptied of the
datasets an application was made for.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from onemg.db import make_sessionmaker
from onemg.portal.tables import BasketItem

#: A basket holds at most this many datasets (one application carries at most 50 per node).
MAX_ITEMS = 50


class Basket:
    """Add, list and remove basket items of one hub database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._session = make_sessionmaker(engine)

    def items(self, sub: str) -> list[tuple[str, str]]:
        """``(member_id, dataset_id)`` pairs in ``sub``'s basket, oldest first."""
        with self._session() as s:
            rows = s.execute(
                select(BasketItem.member_id, BasketItem.dataset_id)
                .where(BasketItem.sub == sub)
                .order_by(BasketItem.added_at, BasketItem.dataset_id)
            ).all()
        return [(r[0], r[1]) for r in rows]

    def add(self, sub: str, member_id: str, dataset_id: str) -> bool:
        """Add a dataset (a no-op when it is there already); False when the basket is full."""
        if (member_id, dataset_id) in self.items(sub):
            return True
        if len(self.items(sub)) >= MAX_ITEMS:
            return False
        values = {
            "sub": sub,
            "member_id": member_id,
            "dataset_id": dataset_id,
            "added_at": time.time_ns() // 1000,
        }
        insert = (
            (postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert)(
                BasketItem
            )
            .values(**values)
            .on_conflict_do_nothing()
        )
        with self._session.begin() as s:
            s.execute(insert)
        return True

    def remove(self, sub: str, items: Iterable[tuple[str, str]]) -> None:
        """Take datasets out of the basket."""
        with self._session.begin() as s:
            for member_id, dataset_id in items:
                s.execute(
                    delete(BasketItem).where(
                        BasketItem.sub == sub,
                        BasketItem.member_id == member_id,
                        BasketItem.dataset_id == dataset_id,
                    )
                )

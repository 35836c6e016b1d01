"""Risk and epsilon budgets per user and dataset, kept in the node's database.

A :class:`Charge` is what one answer costs on one ledger of one dataset: ``risk`` (nats of
membership evidence, spent by answers about rare alleles) or ``epsilon`` (privacy loss of noisy
filtered counts). :meth:`BudgetStore.charge` applies the charges of one request in one
transaction, all or nothing:

* an answer already paid for (same user, dataset, ledger and answer key) costs nothing again:
  its answer is the same (deterministic noise), so it reveals nothing new;
* otherwise the ledger row is raised by the cost with one conditional ``UPDATE ... WHERE
  spent + cost <= limit``; a row lock (PostgreSQL) or the database write lock (SQLite)
  serialises concurrent workers, so the sum of what every worker let through never passes
  the limit; when the condition fails the transaction rolls back and
  :class:`BudgetSpentError` names the dataset.

Amounts are integer micro-units (costs are rounded up, limits down): exact on both databases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select, update

from onemg.errors import AccessDeniedError
from onemg.privacy.models import Charge as ChargeRow
from onemg.privacy.models import Ledger

MICRO = 1_000_000
LEDGERS = ("risk", "epsilon")


def to_micro(amount: float, *, up: bool) -> int:
    """``amount`` in micro-units: costs round up, limits round down (never over-generous)."""
    scaled = amount * MICRO
    # Float noise (0.2 * 1e6 = 200000.00000000003) must not add a unit.
    nearest = round(scaled)
    if abs(scaled - nearest) < 1e-6:
        return int(nearest)
    return math.ceil(scaled) if up else math.floor(scaled)


@dataclass(frozen=True)
class Charge:
    """The cost of one answer on one ledger of one dataset."""

    dataset_id: str
    ledger: str
    answer_key: str
    cost: float
    limit: float


@dataclass(frozen=True)
class Spent:
    """A ledger's state after a request."""

    dataset_id: str
    ledger: str
    spent: float
    limit: float
    #: False when the answer had been paid for before (a repeat).
    new: bool = True


class BudgetSpentError(AccessDeniedError):
    """A user's risk or epsilon budget on a dataset cannot pay for an answer (HTTP 403)."""

    def __init__(
        self, message: str, *, dataset_id: str, ledger: str, spent: float, limit: float
    ) -> None:
        super().__init__(message)
        self.dataset_id = dataset_id
        self.ledger = ledger
        self.spent = spent
        self.limit = limit


def insert_for(engine: Engine):  # noqa: ANN201 - the dialect's insert construct
    """The ``insert`` of ``engine``'s dialect (it has ``on_conflict_do_nothing``)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _refusal(c: Charge, spent_micro: int) -> BudgetSpentError:
    """The refusal of charge ``c`` by a ledger at ``spent_micro``."""
    spent = spent_micro / MICRO
    return BudgetSpentError(
        _spent_message(c, spent), dataset_id=c.dataset_id, ledger=c.ledger, spent=spent,
        limit=c.limit,
    )  # fmt: skip


class BudgetStore:
    """The budget tables of one node database (shared by every worker process)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = insert_for(engine)
        # Built once: on a spent budget this read is all a question costs, and building the
        # statement took as long as running it.
        ledger, paid = Ledger.__table__, ChargeRow.__table__
        self._state_query = (
            select(ledger.c.dataset_id, ledger.c.ledger, ledger.c.spent_micro, paid.c.answer_key)
            .outerjoin(
                paid,
                (paid.c.subject == ledger.c.subject)
                & (paid.c.dataset_id == ledger.c.dataset_id)
                & (paid.c.ledger == ledger.c.ledger)
                & paid.c.answer_key.in_(bindparam("keys", expanding=True)),
            )
            .where(
                ledger.c.subject == bindparam("subject"),
                ledger.c.dataset_id.in_(bindparam("datasets", expanding=True)),
            )
        )

    def charge(self, subject: str, charges: Sequence[Charge], *, now: int) -> list[Spent]:
        """Pay for ``charges`` (one request), all or nothing.

        Raises:
            BudgetSpentError: a ledger cannot pay; nothing of the request was spent.
        """
        found, spent = self._state(subject, charges)
        repeats = [
            Spent(c.dataset_id, c.ledger, found[key] / MICRO, c.limit, new=False)
            for c in charges
            if (key := (c.dataset_id, c.ledger, c.answer_key)) in found
        ]
        if len(repeats) == len(charges):
            # Every answer was paid for before: a read, no write lock (the common repeat).
            return repeats
        self._refuse_if_over(charges, set(found), spent)
        out: list[Spent] = []
        ledger, paid = Ledger.__table__, ChargeRow.__table__
        with self._engine.begin() as conn:
            for c in charges:
                cost, limit = to_micro(c.cost, up=True), to_micro(c.limit, up=False)
                key = {"subject": subject, "dataset_id": c.dataset_id, "ledger": c.ledger}
                # First statement of the transaction is a write, so SQLite takes its write
                # lock at once (no read-then-upgrade deadlock between workers).
                # RETURNING tells whether the row was new (rowcount is -1 on psycopg).
                fresh = (
                    conn.execute(
                        self._insert(paid)
                        .values(**key, answer_key=c.answer_key, cost_micro=cost, at=now)
                        .on_conflict_do_nothing()
                        .returning(paid.c.answer_key)
                    ).first()
                    is not None
                )
                conn.execute(
                    self._insert(ledger)
                    .values(**key, spent_micro=0, answers=0, updated_at=now)
                    .on_conflict_do_nothing()
                )
                where = [
                    ledger.c.subject == subject,
                    ledger.c.dataset_id == c.dataset_id,
                    ledger.c.ledger == c.ledger,
                ]
                if not fresh:
                    spent = conn.execute(select(ledger.c.spent_micro).where(*where)).scalar_one()
                    out.append(Spent(c.dataset_id, c.ledger, spent / MICRO, c.limit, new=False))
                    continue
                row = conn.execute(
                    update(ledger)
                    .where(*where, ledger.c.spent_micro + cost <= limit)
                    .values(
                        spent_micro=ledger.c.spent_micro + cost,
                        answers=ledger.c.answers + 1,
                        updated_at=now,
                    )
                    .returning(ledger.c.spent_micro)
                ).scalar_one_or_none()
                if row is None:
                    spent = conn.execute(select(ledger.c.spent_micro).where(*where)).scalar_one()
                    raise _refusal(c, spent)
                out.append(Spent(c.dataset_id, c.ledger, row / MICRO, c.limit))
        return out

    def _state(
        self, subject: str, charges: Sequence[Charge]
    ) -> tuple[dict[tuple[str, str, str], int], dict[tuple[str, str], int]]:
        """One read: the charges already paid for, and what each ledger of their datasets has
        spent (micro-units; a ledger never charged is absent).

        The ledger rows of ``subject`` on those datasets, each joined to its paid rows among the
        charges' answer keys (a paid row always has its ledger row: both are written in one
        transaction).
        """
        params = {
            "subject": subject,
            "datasets": sorted({c.dataset_id for c in charges}),
            "keys": sorted({c.answer_key for c in charges}),
        }
        found: dict[tuple[str, str, str], int] = {}
        spent: dict[tuple[str, str], int] = {}
        with self._engine.connect() as conn:
            for r in conn.execute(self._state_query, params):
                spent[(r.dataset_id, r.ledger)] = r.spent_micro
                if r.answer_key is not None:
                    found[(r.dataset_id, r.ledger, r.answer_key)] = r.spent_micro
        return found, spent

    @staticmethod
    def _refuse_if_over(
        charges: Sequence[Charge],
        found: set[tuple[str, str, str]],
        spent: dict[tuple[str, str], int],
    ) -> None:
        """Refuse without taking the write lock when the ledgers as read cannot pay.

        Spending only grows, so a request the read cannot pay for is one the write would
        refuse too (the write still checks every charge it lets through). A spent budget is
        then refused at the cost of one read: an attacker asking on past it costs the node
        no write transaction per question.
        """
        running = dict(spent)
        seen: set[tuple[str, str, str]] = set()
        for c in charges:
            key = (c.dataset_id, c.ledger, c.answer_key)
            if key in found or key in seen:
                continue
            seen.add(key)
            was = running.get((c.dataset_id, c.ledger), 0)
            if was + to_micro(c.cost, up=True) > to_micro(c.limit, up=False):
                raise _refusal(c, was)
            running[(c.dataset_id, c.ledger)] = was + to_micro(c.cost, up=True)

    def spent(self, subject: str, dataset_id: str, ledger: str) -> float:
        """What ``subject`` has spent on ``ledger`` of ``dataset_id`` (0 when nothing)."""
        table = Ledger.__table__
        with self._engine.connect() as conn:
            value = conn.execute(
                select(table.c.spent_micro).where(
                    table.c.subject == subject,
                    table.c.dataset_id == dataset_id,
                    table.c.ledger == ledger,
                )
            ).scalar_one_or_none()
        return (value or 0) / MICRO

    def answers(self, subject: str, dataset_id: str, ledger: str) -> int:
        """How many distinct answers ``subject`` has paid for on that ledger."""
        table = Ledger.__table__
        with self._engine.connect() as conn:
            value = conn.execute(
                select(table.c.answers).where(
                    table.c.subject == subject,
                    table.c.dataset_id == dataset_id,
                    table.c.ledger == ledger,
                )
            ).scalar_one_or_none()
        return int(value or 0)


def _spent_message(c: Charge, spent: float) -> str:
    if c.ledger == "risk":
        return (
            f"your risk budget for dataset {c.dataset_id} is spent ({spent:.3f} of "
            f"{c.limit:g} nats of membership evidence): answers about rare alleles "
            "(allele frequency below the node's rare-allele threshold) are refused from now "
            "on, while queries about common variants are still answered. Repeating a query "
            "you already asked costs nothing. For more, apply for controlled access to the "
            f"dataset (`onemg apply --dataset {c.dataset_id} ...`): record-level access has "
            "no risk budget"
        )
    return (
        f"your privacy (epsilon) budget for filtered counts on dataset {c.dataset_id} is "
        f"spent ({spent:.3f} of {c.limit:g}): new filtered counts are refused from now on; "
        "queries without filters, repeats of counts you already asked, and common-variant "
        "queries are still answered. For more, apply for controlled access "
        f"(`onemg apply --dataset {c.dataset_id} ...`)"
    )

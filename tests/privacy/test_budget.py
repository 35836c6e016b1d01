"""Risk budgets in the database: spent exactly as specified, all or nothing, shared by
concurrent worker processes, and kept across restarts (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import multiprocessing

import pytest

from onemg.db import open_database
from onemg.privacy.budget import BudgetSpentError, BudgetStore, Charge, to_micro


def charge(
    key: str, cost: float = 0.2, *, limit: float = 1.0, ds: str = "ds-a", ledger: str = "risk"
) -> Charge:
    return Charge(ds, ledger, key, cost, limit)


def test_spent_exactly_then_refused_and_repeats_are_free(db_url: str) -> None:
    store = BudgetStore(open_database(db_url))
    for i in range(5):  # 5 x 0.2 = 1.0 exactly (no float drift: micro-units)
        store.charge("u", [charge(f"q{i}")], now=i)
    assert store.spent("u", "ds-a", "risk") == 1.0
    with pytest.raises(BudgetSpentError, match="risk budget for dataset ds-a is spent") as exc:
        store.charge("u", [charge("q5")], now=9)
    assert (exc.value.spent, exc.value.limit, exc.value.ledger) == (1.0, 1.0, "risk")
    (again,) = store.charge("u", [charge("q3")], now=10)  # already paid: free
    assert again.new is False
    assert again.spent == 1.0
    assert store.answers("u", "ds-a", "risk") == 5
    # Other users, datasets and ledgers are separate.
    store.charge("v", [charge("q5")], now=11)
    store.charge("u", [charge("q5", ds="ds-b")], now=11)
    store.charge("u", [charge("q5", ledger="epsilon")], now=11)
    assert store.spent("u", "ds-a", "risk") == 1.0


def test_one_request_is_paid_all_or_nothing(db_url: str) -> None:
    store = BudgetStore(open_database(db_url))
    store.charge("u", [charge("a", 0.9, ds="ds-b")], now=1)
    with pytest.raises(BudgetSpentError, match="ds-b"):
        store.charge("u", [charge("x", 0.5, ds="ds-a"), charge("y", 0.5, ds="ds-b")], now=2)
    # Nothing of the refused request was spent, and its answers are not marked paid.
    assert store.spent("u", "ds-a", "risk") == 0
    (paid,) = store.charge("u", [charge("x", 0.5, ds="ds-a")], now=3)
    assert paid.new is True
    assert paid.spent == 0.5


def test_a_request_is_checked_as_a_whole_before_any_write(db_url: str) -> None:
    store = BudgetStore(open_database(db_url))
    store.charge("u", [charge("a", 0.4)], now=1)
    # Each of two new answers fits the 0.6 left; together they do not: refused, nothing spent.
    with pytest.raises(BudgetSpentError) as exc:
        store.charge("u", [charge("b", 0.4), charge("c", 0.4)], now=2)
    assert exc.value.spent == pytest.approx(0.8)  # the ledger as the second charge found it
    assert store.spent("u", "ds-a", "risk") == 0.4
    assert store.answers("u", "ds-a", "risk") == 1
    # The same answer twice in one request is paid once, and an old answer is free.
    spent = store.charge("u", [charge("b", 0.4), charge("b", 0.4), charge("a", 0.4)], now=3)
    assert [s.new for s in spent] == [True, False, False]
    assert store.spent("u", "ds-a", "risk") == 0.8
    # Past the limit, refusals read and never write: the ledger and its answers stay put.
    for i in range(3):
        with pytest.raises(BudgetSpentError, match="risk budget for dataset ds-a is spent"):
            store.charge("u", [charge(f"late{i}", 0.4)], now=4 + i)
    assert (store.spent("u", "ds-a", "risk"), store.answers("u", "ds-a", "risk")) == (0.8, 2)


def test_budget_survives_a_restart(db_url: str) -> None:
    engine = open_database(db_url)
    BudgetStore(engine).charge("u", [charge("a", 0.7)], now=1)
    engine.dispose()
    store = BudgetStore(open_database(db_url))  # a new process would do exactly this
    assert store.spent("u", "ds-a", "risk") == 0.7
    with pytest.raises(BudgetSpentError):
        store.charge("u", [charge("b", 0.4)], now=2)


def test_micro_units_round_costs_up_and_limits_down() -> None:
    assert to_micro(0.2, up=True) == 200_000
    assert to_micro(1e-7, up=True) == 1
    assert to_micro(1e-7, up=False) == 0
    assert to_micro(1.6094379, up=False) == 1_609_437


def _worker(db_url: str, worker: int, start, results) -> None:  # noqa: ANN001
    store = BudgetStore(open_database(db_url))
    start.wait()
    accepted = 0
    for i in range(25):
        try:
            store.charge("shared-user", [charge(f"w{worker}-{i}", 0.1)], now=i)
            accepted += 1
        except BudgetSpentError:
            pass
    results.put(accepted)


def test_concurrent_workers_never_overspend(db_url: str) -> None:
    """Two processes, each with its own engine, race for one user's budget of 1.0 at 0.1 per
    answer: exactly ten answers get through in total, and exactly 1.0 is spent."""
    open_database(db_url).dispose()  # migrated once before the race
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db_url, w, start, results)) for w in (1, 2)]
    for p in procs:
        p.start()
    start.set()
    accepted = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sum(accepted) == 10
    store = BudgetStore(open_database(db_url))
    assert store.spent("shared-user", "ds-a", "risk") == 1.0
    assert store.answers("shared-user", "ds-a", "risk") == 10

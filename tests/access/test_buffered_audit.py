"""The buffered audit sink: no SQL on the caller's path, the same hash chain, nothing dropped.

Also the Beacon node wired with it: every decision, anonymous ones, downgrades and 401s
included, reaches the hash-chained log after a flush.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from onemg.access.audit import (
    BufferedAudit,
    Entry,
    HashChainAudit,
    verify_store,
)
from onemg.access.store import AuditRecord, AuditStore
from onemg.db import make_engine
from onemg.errors import AuthenticationError, ConflictError, IntegrityError, UnavailableError
from onemg.security import ANONYMOUS, Principal
from onemg.settings import load_settings
from onemg.web.errors import status_for
from onemg.web.node_app import create_node_app
from tests.access.conftest import Clock, migrated


def _entry(i: int, who: str = "w") -> dict[str, str | None]:
    return {"user": None if i % 3 == 0 else f"{who}-{i}", "action": "beacon.query",
            "resource": f"dataset:d{i % 4}/individuals", "result": "granted",
            "reason": "requested=count returned=count", "origin": "10.0.0.1"}


def test_batch_append_gives_the_same_chain(db_url: str, tmp_path: Path, clock: Clock) -> None:
    one = migrated(f"sqlite:///{tmp_path / 'one.db'}")
    many = migrated(db_url)
    try:
        single = HashChainAudit(AuditStore(one), clock=clock)
        for i in range(7):
            single.record(**_entry(i))  # type: ignore[arg-type]
        batch = HashChainAudit(AuditStore(many), clock=clock)
        batch.append_entries([Entry(clock(), **_entry(i)) for i in range(3)])  # type: ignore
        batch.append_entries([Entry(clock(), **_entry(i)) for i in range(3, 7)])  # type: ignore
        assert list(AuditStore(one).entries()) == list(AuditStore(many).entries())
        report = verify_store(AuditStore(many))
        assert report.ok
        assert report.entries == 7
    finally:
        one.dispose()
        many.dispose()


def test_append_many_is_all_or_nothing(sqlite_engine: Engine, clock: Clock) -> None:
    store = AuditStore(sqlite_engine)
    audit = HashChainAudit(store, clock=clock)
    audit.record(**_entry(1))  # type: ignore[arg-type]
    (head,) = store.entries()
    clash = AuditRecord(**{**head.__dict__, "seq": 2})
    overlapping = [clash, AuditRecord(**{**head.__dict__, "seq": 1})]
    with pytest.raises(ConflictError):
        store.append_many(overlapping)
    assert [e.seq for e in store.entries()] == [1]  # seq 2 was rolled back with the batch


def test_record_only_queues_and_close_flushes(any_engine: Engine, clock: Clock) -> None:
    store = AuditStore(any_engine)
    sink = BufferedAudit(HashChainAudit(store, clock=clock), max_batch=50, interval_s=60)
    for i in range(120):
        sink.record(**_entry(i))  # type: ignore[arg-type]
    sink.close()
    assert sink.pending == 0
    entries = list(store.entries())
    assert len(entries) == 120
    assert [e.user for e in entries[:4]] == [None, "w-1", "w-2", None]  # order kept
    assert verify_store(store).ok


def test_background_flush_after_interval(sqlite_engine: Engine) -> None:
    store = AuditStore(sqlite_engine)
    sink = BufferedAudit(HashChainAudit(store), interval_s=0.05)
    try:
        for i in range(10):
            sink.record(**_entry(i))  # type: ignore[arg-type]
        deadline = time.monotonic() + 5
        while len(list(store.entries())) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(list(store.entries())) == 10
    finally:
        sink.close()


class _FlakyStore(AuditStore):
    """Fails the first ``failures`` batch writes, like a database that is briefly away."""

    def __init__(self, engine: Engine, failures: int) -> None:
        super().__init__(engine)
        self.failures = failures

    def append_many(self, records):  # noqa: ANN001, ANN201
        if self.failures:
            self.failures -= 1
            raise OSError("connection refused")
        return super().append_many(records)


def test_failed_flush_is_retried_and_drops_nothing(sqlite_engine: Engine, clock: Clock,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    store = _FlakyStore(sqlite_engine, failures=2)
    sink = BufferedAudit(HashChainAudit(store, clock=clock), interval_s=60)
    for i in range(1, 9):
        sink.record(**_entry(i, who="secret-sub"))  # type: ignore[arg-type]
    assert sink.flush() is False
    assert sink.pending == 8
    sink.close()  # retries: the second attempt fails, the third writes
    assert [e.user for e in store.entries()][:2] == ["secret-sub-1", "secret-sub-2"]
    assert len(list(store.entries())) == 8
    assert verify_store(store).ok
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors
    assert all("OSError" in m for m in errors)
    assert not any("secret-sub" in m or "dataset:" in m for m in errors)  # no entry content


def test_close_reports_entries_it_could_not_write(sqlite_engine: Engine, clock: Clock) -> None:
    store = _FlakyStore(sqlite_engine, failures=10**6)
    sink = BufferedAudit(HashChainAudit(store, clock=clock), interval_s=60)
    for i in range(1, 4):
        sink.record(**_entry(i))  # type: ignore[arg-type]
    with pytest.raises(IntegrityError, match="3 audit entries"):
        sink.close(attempts=2)


def test_two_sinks_interleave_without_breaking_the_chain(db_url: str) -> None:
    engines = [migrated(db_url), make_engine(db_url)]
    sinks = [BufferedAudit(HashChainAudit(AuditStore(e), retries=200), max_batch=7,
                           interval_s=0.01) for e in engines]

    def work(sink: BufferedAudit, who: str) -> None:
        for i in range(150):
            sink.record(**_entry(i, who))  # type: ignore[arg-type]
            if i % 20 == 0:
                time.sleep(0.005)

    threads = [threading.Thread(target=work, args=(s, f"t{n}")) for n, s in enumerate(sinks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in sinks:
        s.close()
    store = AuditStore(engines[0])
    report = verify_store(store)
    assert report.ok, report.problem
    assert report.entries == 300
    users = [e.user for e in store.entries() if e.user]
    for who in ("t0", "t1"):  # each sink's entries keep their order
        mine = [u for u in users if u.startswith(f"{who}-")]
        assert mine == sorted(mine, key=lambda u: int(u.split("-")[1]))
    for e in engines:
        e.dispose()


def _process_writer(db_url: str, who: str, n: int) -> None:
    engine = make_engine(db_url)
    sink = BufferedAudit(HashChainAudit(AuditStore(engine), retries=500), max_batch=9,
                         interval_s=0.01)
    for i in range(n):
        sink.record(**_entry(i, who))  # type: ignore[arg-type]
        if i % 25 == 0:
            time.sleep(0.003)
    sink.close()
    engine.dispose()


@pytest.mark.slow
def test_two_processes_interleave_without_breaking_the_chain(db_url: str) -> None:
    engine = migrated(db_url)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(db_url, f"p{n}", 200)) for n in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    report = verify_store(AuditStore(engine))
    engine.dispose()
    assert report.ok, report.problem
    assert report.entries == 400


def test_forked_child_does_not_rewrite_the_parents_queue(sqlite_engine: Engine) -> None:
    sink = BufferedAudit(HashChainAudit(AuditStore(sqlite_engine)), interval_s=60)
    sink.record(**_entry(1))  # type: ignore[arg-type]
    sink._pid = -1  # as a forked child sees it: the thread belongs to another process
    sink.record(**_entry(2))  # type: ignore[arg-type]
    assert sink.pending == 1  # the parent's entry stays the parent's to write
    sink.close()


# --- the Beacon node wired with the buffered hash-chained audit -------------------------------

class _Tokens:
    async def verify(self, token: str | None) -> Principal:
        if token is None:
            return ANONYMOUS
        if token == "granted-fi":
            return Principal(subject="u-2", registered=True, datasets=frozenset({"ds-fi"}))
        raise AuthenticationError("invalid or expired passport")


@pytest.fixture(scope="module")
def small_node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.beacon.node_data import datasets, ingest_node

    return ingest_node(tmp_path_factory.mktemp("audit_node"), datasets(),
                       tmp_path_factory.mktemp("audit_node_sources"))


@pytest.fixture
async def node(small_node: Path) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = create_node_app(load_settings(small_node, environ={}), verifier=_Tokens())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield client, app


def _node_entries(small_node: Path) -> list[AuditRecord]:
    engine = make_engine(load_settings(small_node, environ={}).db_url)
    try:
        return list(AuditStore(engine).entries())
    finally:
        engine.dispose()


async def test_beacon_audits_every_decision(node: tuple[httpx.AsyncClient, object],
                                            small_node: Path) -> None:
    client, app = node
    before = len(_node_entries(small_node))
    r = await client.get("/api/individuals?requestedGranularity=count")
    assert r.status_code == 200
    r = await client.get("/api/individuals?requestedGranularity=record&datasetIds=ds-fi")
    assert r.status_code == 200
    assert r.json()["meta"]["returnedGranularity"] == "count"
    bad = {"Authorization": "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}
    r = await client.get("/api/individuals?datasetIds=ds-ee", headers=bad)
    assert r.status_code == 401
    r = await client.get("/api/individuals?requestedGranularity=record",
                         headers={"Authorization": "Bearer granted-fi"})
    assert r.status_code == 403
    buffered = app.state.access.buffered
    assert buffered is not None
    buffered.flush()
    new = [(e.user, e.action, e.resource, e.result, e.reason)
           for e in _node_entries(small_node)[before:]]
    assert ("anonymous", "beacon.query", "dataset:ds-fi/individuals", "granted",
            "requested=count returned=count") in new
    assert ("anonymous", "beacon.query", "dataset:ds-ee/individuals", "granted",
            "requested=count returned=count") in new
    assert ("anonymous", "beacon.query", "dataset:ds-fi/individuals", "downgraded",
            "requested=record returned=count") in new
    (refused,) = [e for e in new if e[3] == "denied" and "401" in e[4]]  # one entry
    assert refused[:4] == ("anonymous", "beacon.query", "dataset:ds-ee/individuals", "denied")
    # with the verifier's reason after the fixed part
    assert refused[4].startswith("requested=boolean returned=none (401: credentials rejected); ")
    assert ("u-2", "beacon.query", "dataset:ds-ee/individuals", "denied",
            "requested=record returned=none (403: granularity not granted)") in new
    assert all("eyJ" not in " ".join(map(str, e)) for e in new)
    engine = make_engine(load_settings(small_node, environ={}).db_url)
    try:
        assert verify_store(AuditStore(engine)).ok
    finally:
        engine.dispose()


async def test_shutdown_flushes_the_buffer(small_node: Path) -> None:
    app = create_node_app(load_settings(small_node, environ={}), verifier=_Tokens())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            before = len(_node_entries(small_node))
            for _ in range(5):
                assert (await client.get("/api/g_variants?datasetIds=ds-fi")).status_code == 200
            assert app.state.access.buffered is not None
    assert app.state.access.buffered.pending == 0
    after = _node_entries(small_node)[before:]
    assert len([e for e in after if e.resource == "dataset:ds-fi/g_variants"]) == 5


def test_full_queue_fails_closed_until_the_database_is_back(sqlite_engine: Engine,
                                                           clock: Clock) -> None:
    store = _FlakyStore(sqlite_engine, failures=10**6)
    sink = BufferedAudit(HashChainAudit(store, clock=clock), interval_s=60, max_batch=2,
                         max_pending=5)
    for i in range(1, 6):
        sink.record(**_entry(i))  # type: ignore[arg-type]
    assert sink.flush() is False
    with pytest.raises(UnavailableError, match="audit log cannot be written"):
        sink.record(**_entry(6))  # type: ignore[arg-type]
    assert sink.pending == 5  # the refused decision queued nothing and dropped nothing
    store.failures = 0  # the database is back
    assert sink.flush() is True
    sink.record(**_entry(7))  # type: ignore[arg-type]
    sink.close()
    assert [e.user for e in store.entries()] == [_entry(i)["user"] for i in (1, 2, 3, 4, 5, 7)]
    assert verify_store(store).ok
    assert status_for(UnavailableError("x")) == 503


async def test_node_answers_503_when_it_cannot_audit(node: tuple[httpx.AsyncClient, object]
                                                     ) -> None:
    client, app = node
    assert (await client.get("/api/individuals?requestedGranularity=count")).status_code == 200
    buffered = app.state.access.buffered  # wired on first use
    buffered.flush()
    full, buffered._max_pending = buffered._max_pending, 0  # as if the database had been away
    try:
        r = await client.get("/api/individuals?requestedGranularity=count")
    finally:
        buffered._max_pending = full
    assert r.status_code == 503
    assert "audit log cannot be written" in r.json()["error"]["errorMessage"]
    assert r.headers["retry-after"] == "30"
    r = await client.get("/api/individuals?requestedGranularity=count")
    assert r.status_code == 200

"""The hash-chained audit log on SQLite and PostgreSQL: any tampering is detected."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from onemg.access.audit import GENESIS, HashChainAudit, verify_store
from onemg.access.store import AuditStore
from onemg.cli import main
from tests.access.conftest import Clock, migrated


def _fill(engine: Engine, clock: Clock, n: int = 5) -> AuditStore:
    store = AuditStore(engine)
    audit = HashChainAudit(store, clock=clock)
    for i in range(n):
        clock.advance(1)
        audit.record(user=f"user-{i}", action="beacon.records", resource=f"dataset:d{i}",
                     result="granted" if i % 2 else "denied", reason="tier CONTROLLED",
                     origin="test")
    return store


def test_intact_chain(any_engine: Engine, clock: Clock) -> None:
    store = _fill(any_engine, clock)
    report = verify_store(store)
    assert report.ok
    assert report.entries == 5
    entries = list(store.entries())
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert entries[0].at.endswith("+00:00")


TAMPERING = {
    "altered result": ("UPDATE access_audit SET result = 'granted' WHERE seq = 3", 3, "altered"),
    "altered user": ("UPDATE access_audit SET \"user\" = 'x' WHERE seq = 2", 2, "altered"),
    "removed entry": ("DELETE FROM access_audit WHERE seq = 2", 2, "missing"),
    "removed and renumbered": (
        "DELETE FROM access_audit WHERE seq = 2; "
        "UPDATE access_audit SET seq = seq - 1 WHERE seq > 2", 2, "does not follow"),
    "reordered entries": (
        "UPDATE access_audit SET seq = 100 WHERE seq = 2; "
        "UPDATE access_audit SET seq = 2 WHERE seq = 3; "
        "UPDATE access_audit SET seq = 3 WHERE seq = 100", 2, "does not follow"),
    "rehashed single entry": (
        "UPDATE access_audit SET result = 'granted', hash = repeat('a', 64) WHERE seq = 4", 4,
        "altered"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_detected(any_engine: Engine, clock: Clock, case: str) -> None:
    store = _fill(any_engine, clock)
    statements, bad_seq, problem = TAMPERING[case]
    if any_engine.dialect.name == "sqlite":
        statements = statements.replace("repeat('a', 64)", "'" + "a" * 64 + "'")
    with any_engine.begin() as conn:
        for stmt in statements.split("; "):
            conn.execute(text(stmt))
    report = verify_store(store)
    assert not report.ok
    assert report.first_bad_seq == bad_seq
    assert problem in report.problem


def test_no_secrets_in_reasons(sqlite_engine: Engine, clock: Clock) -> None:
    store = AuditStore(sqlite_engine)
    HashChainAudit(store, clock=clock).record(
        user=None, action="auth.verify", resource="passport", result="denied",
        reason="bad token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    (entry,) = store.entries()
    assert "eyJ" not in entry.reason
    assert "[redacted-token]" in entry.reason


def test_cli_verify(tmp_path: Path, clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    engine = migrated(f"sqlite:///{data_dir / 'node.db'}")
    _fill(engine, clock)
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    assert "intact: 5 entries" in capsys.readouterr().out
    with engine.begin() as conn:
        conn.execute(text("UPDATE access_audit SET reason = 'nothing to see' WHERE seq = 4"))
    engine.dispose()
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 1
    assert "TAMPERED at entry 4" in capsys.readouterr().err

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


# Anchors (issue 11 §5): an edit re-chained with direct SQL, and truncation, are caught.


def _rechain_from(engine: Engine, seq: int, new_reason: str) -> None:
    """What an attacker with write access does: edit one entry and recompute every hash after
    it, so the chain alone is consistent again."""
    from onemg.access.audit import entry_hash
    from onemg.access.store import AuditRecord

    records = list(AuditStore(engine).entries())
    prev = records[seq - 2].hash if seq > 1 else GENESIS
    with engine.begin() as conn:
        for r in records[seq - 1:]:
            reason = new_reason if r.seq == seq else r.reason
            fixed = AuditRecord(**{**r.__dict__, "reason": reason, "prev_hash": prev, "hash": ""})
            new_hash = entry_hash(prev, fixed)
            conn.execute(text("UPDATE access_audit SET reason = :reason, prev_hash = :prev, "
                              "hash = :hash WHERE seq = :seq"),
                         {"reason": reason, "prev": prev, "hash": new_hash, "seq": r.seq})
            prev = new_hash


def _anchored(engine: Engine, clock: Clock, path: Path, n: int = 6) -> AuditStore:
    from onemg.access.audit import AnchorFile

    store = AuditStore(engine)
    audit = HashChainAudit(store, clock=clock, anchor=AnchorFile(path, clock=clock),
                           anchor_interval_s=0)
    for i in range(n):
        audit.record(user=f"user-{i}", action="beacon.query", resource=f"dataset:d{i}",
                     result="granted", reason="requested=count returned=count")
    return store


def test_anchors_are_written_automatically(sqlite_engine: Engine, clock: Clock,
                                           tmp_path: Path) -> None:
    from onemg.access.audit import AnchorFile

    path = tmp_path / "audit-anchors.jsonl"
    store = _anchored(sqlite_engine, clock, path)
    anchors = AnchorFile(path).read()
    assert [a.seq for a in anchors] == [1, 2, 3, 4, 5, 6]
    assert anchors[-1].hash == store.last().hash
    assert verify_store(store, AnchorFile(path)).ok


def test_anchor_interval_and_flush_thread(sqlite_engine: Engine, clock: Clock,
                                          tmp_path: Path) -> None:
    """With an interval, a burst gives one anchor; the buffered writer anchors the rest."""
    from onemg.access.audit import AnchorFile, BufferedAudit

    path = tmp_path / "anchors.jsonl"
    chain = HashChainAudit(AuditStore(sqlite_engine), clock=clock,
                           anchor=AnchorFile(path, clock=clock), anchor_interval_s=3600)
    buffered = BufferedAudit(chain, interval_s=0.05)
    for i in range(50):
        buffered.record(user="anonymous", action="beacon.query", resource=f"dataset:d{i}",
                        result="granted")
    buffered.close()  # shutdown anchors the final head whatever the interval
    anchors = AnchorFile(path).read()
    assert anchors[-1].seq == 50
    assert len(anchors) <= 3


@pytest.mark.parametrize("edited", [2, 5])
def test_edit_and_rechain_fails_against_anchors(any_engine: Engine, clock: Clock,
                                                tmp_path: Path, edited: int) -> None:
    from onemg.access.audit import AnchorFile

    path = tmp_path / "audit-anchors.jsonl"
    store = _anchored(any_engine, clock, path)
    _rechain_from(any_engine, edited, "nothing happened")
    assert verify_store(store).ok  # the chain alone no longer shows it: why anchors exist
    report = verify_store(store, AnchorFile(path))
    assert not report.ok
    assert report.first_bad_seq == edited
    assert "does not match its anchor" in report.problem


def test_truncation_fails_against_anchors(any_engine: Engine, clock: Clock,
                                          tmp_path: Path) -> None:
    from onemg.access.audit import AnchorFile

    path = tmp_path / "audit-anchors.jsonl"
    store = _anchored(any_engine, clock, path)
    with any_engine.begin() as conn:
        conn.execute(text("DELETE FROM access_audit WHERE seq > 4"))
    assert verify_store(store).ok
    report = verify_store(store, AnchorFile(path))
    assert not report.ok
    assert "truncated: it ends at entry 4, but entry 6 was anchored" in report.problem


def test_cli_verify_with_anchors(tmp_path: Path, clock: Clock,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    engine = migrated(f"sqlite:///{data_dir / 'node.db'}")
    _anchored(engine, clock, data_dir / "audit-anchors.jsonl")
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    assert "intact: 6 entries" in capsys.readouterr().out
    _rechain_from(engine, 3, "edited")
    engine.dispose()
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "TAMPERED at entry 3" in err
    assert "anchor" in err
    # A corrupted anchor file is reported, not ignored.
    (data_dir / "audit-anchors.jsonl").write_text("{garbage\n")
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 1
    assert "line 1: not an audit anchor" in capsys.readouterr().err


def test_cli_anchor_and_warning_without_anchors(tmp_path: Path, clock: Clock,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    engine = migrated(f"sqlite:///{data_dir / 'node.db'}")
    _fill(engine, clock)
    engine.dispose()
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    assert "no anchors" in capsys.readouterr().err
    assert main(["audit", "anchor", "--data-dir", str(data_dir)]) == 0
    assert "anchored entry 5" in capsys.readouterr().out
    assert main(["audit", "verify", "--data-dir", str(data_dir)]) == 0
    assert "1 anchor(s) matched" in capsys.readouterr().out


@pytest.mark.parametrize("field", ["user", "action", "resource", "result", "reason", "origin"])
def test_control_characters_are_escaped_in_every_field(sqlite_engine: Engine, clock: Clock,
                                                       field: str) -> None:
    """Issue 11 §5: raw newlines and ESC bytes from a client never reach the log."""
    evil = "x\nforged\x1b[2K\u202e"
    entry = {"user": "u", "action": "beacon.query", "resource": "dataset:x", "result": "denied",
             "reason": "r", "origin": "127.0.0.1"}
    entry[field] = evil
    store = AuditStore(sqlite_engine)
    HashChainAudit(store, clock=clock).record(**entry)
    (row,) = store.entries()
    value = getattr(row, field)
    assert not any(ch in value for ch in "\n\x1b\u202e")
    for escaped in ("\\x0a", "\\x1b", "\\u202e"):
        assert escaped in value
    assert verify_store(store).ok

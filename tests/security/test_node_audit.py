"""Issue 11 §5: audit injection and amplification, and anchoring, on a real node.

One request with a bad token and 100 ``datasetIds`` wrote 101 audit rows with raw newlines and
ESC bytes. And someone with write access to the database could edit a row and re-chain it, and
``onemg audit verify`` passed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from onemg.access.audit import GENESIS, entry_hash
from onemg.access.store import AuditRecord, AuditStore
from onemg.db import make_engine
from tests.security.conftest import AttackNet

pytestmark = pytest.mark.slow


def _rows(net: AttackNet) -> list[AuditRecord]:
    engine = make_engine(f"sqlite:///{net.node_dir() / 'node.db'}")
    try:
        return list(AuditStore(engine).entries())
    finally:
        engine.dispose()


def _settle(net: AttackNet, before: int, *, at_least: int = 1) -> list[AuditRecord]:
    """The rows written after ``before`` once the node's buffered writer has flushed them."""
    deadline = time.monotonic() + 10
    while True:
        rows = _rows(net)[before:]
        if len(rows) >= at_least or time.monotonic() > deadline:
            time.sleep(0.5)  # anything else the request wrote lands within one interval
            return _rows(net)[before:]
        time.sleep(0.1)


def test_bad_token_with_many_dataset_ids_writes_one_escaped_row(
    attack_net: AttackNet, http: httpx.Client
) -> None:
    ds = attack_net.dataset()
    ids = [ds] + [f"x{i}\n2026-12-04T00:00:00 granted admin\x1b[2K" for i in range(99)]
    before = len(_rows(attack_net))
    r = http.post(
        f"{attack_net.node()}/individuals",
        headers={"Authorization": "Bearer not-a-valid-passport"},
        json={
            "query": {
                "requestParameters": {"datasets": {"datasetIds": ids}},
                "requestedGranularity": "record",
            }
        },
    )
    assert r.status_code == 401
    rows = _settle(attack_net, before)
    assert len(rows) == 1, [(row.action, row.resource) for row in rows]  # one denial per request
    (row,) = rows
    assert row.action == "beacon.query"
    assert "not a well-formed JWS" in row.reason  # why the credential was refused
    assert row.resource == f"dataset:{ds}/individuals"  # only the published id, as sent
    assert "99 unknown dataset id(s) sha256:" in row.reason
    for stored in rows:
        text = json.dumps(stored.__dict__)
        assert "granted admin" not in text
        for field in (
            stored.user,
            stored.action,
            stored.resource,
            stored.result,
            stored.reason,
            stored.origin,
        ):
            assert not any(ch in (field or "") for ch in "\n\r\x1b")


def test_path_ids_are_never_logged_as_sent(attack_net: AttackNet, http: httpx.Client) -> None:
    before = len(_rows(attack_net))
    evil = "FI-s7-000001%0Aforged%1B"
    assert http.get(f"{attack_net.node()}/individuals/{evil}").status_code == 403
    rows = _settle(attack_net, before)
    assert len(rows) == 1
    assert "forged" not in rows[0].resource + rows[0].reason
    assert rows[0].resource == "dataset:*/individuals/{id}/individuals"


def _copy_db(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)


def test_edit_and_rechain_is_caught_by_the_anchors(
    attack_net: AttackNet, http: httpx.Client, tmp_path: Path
) -> None:
    node_dir = attack_net.node_dir()
    for _ in range(3):
        http.get(f"{attack_net.node()}/individuals?requestedGranularity=count")
    anchors = node_dir / "audit-anchors.jsonl"
    deadline = time.monotonic() + 15
    while True:  # the node anchors its head on its own (at most every 5 s)
        head = _rows(attack_net)[-1]
        lines = anchors.read_text().splitlines() if anchors.exists() else []
        if lines and json.loads(lines[-1])["seq"] >= head.seq - 1:
            break
        assert time.monotonic() < deadline, "the node wrote no anchor"
        time.sleep(0.2)
    # A copy of the node's database and anchors, edited as an attacker with SQL access would.
    db, copied = tmp_path / "node.db", tmp_path / "audit-anchors.jsonl"
    _copy_db(node_dir / "node.db", db)
    copied.write_text(anchors.read_text())
    verify = [
        sys.executable,
        "-c",
        "from onemg.cli import run; run()",
        "audit",
        "verify",
        "--data-dir",
        str(tmp_path),
        "--database-url",
        f"sqlite:///{db}",
        "--anchors",
        str(copied),
    ]
    ok = subprocess.run(verify, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    anchored = json.loads(copied.read_text().splitlines()[-1])["seq"]
    victim = max(1, anchored - 2)
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT seq, at, user, action, resource, result, reason, origin, "
            "prev_hash, hash FROM access_audit WHERE seq >= ? ORDER BY seq",
            (victim,),
        ).fetchall()
        prev = rows[0][8] if rows else GENESIS
        for seq, at, user, action, resource, result, reason, origin, _, _ in rows:
            if seq == victim:
                result, reason = "granted", "nothing to see"
            record = AuditRecord(seq, at, user, action, resource, result, reason, origin, prev, "")
            new = entry_hash(prev, record)
            conn.execute(
                "UPDATE access_audit SET result=?, reason=?, prev_hash=?, hash=? WHERE seq=?",
                (result, reason, prev, new, seq),
            )
            prev = new
    tampered = subprocess.run(verify, capture_output=True, text=True, check=False)
    assert tampered.returncode == 1
    # The edit is caught at the first anchor at or after it (anchors are written every few
    # seconds, so which entry that is depends on timing), never later than the newest anchor.
    caught = re.search(r"TAMPERED at entry (\d+)", tampered.stderr)
    assert caught, tampered.stderr
    assert victim <= int(caught.group(1)) <= anchored
    # Truncation: the newest anchored entries cut off.
    _copy_db(node_dir / "node.db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM access_audit WHERE seq >= ?", (anchored,))
    truncated = subprocess.run(verify, capture_output=True, text=True, check=False)
    assert truncated.returncode == 1
    assert "truncated" in truncated.stderr

"""Deleting a dataset that access depends on asks for --force and says what happens."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from onemg.access import ResearchPurpose
from onemg.access.applications import Actor, ApplicationForm, ApplicationService
from onemg.access.audit import HashChainAudit
from onemg.access.store import AuditStore, EntitlementStore, EventStore
from onemg.cli import main
from onemg.db import make_engine
from onemg.settings import AccessSettings
from tests.ingest.sources import make_source


def test_delete_with_entitlements_needs_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, _, _ = make_source(tmp_path / "fi", n=12, records=20, seed=4)
    node = tmp_path / "node"
    assert main(["ingest", "--data-dir", str(node), str(src)]) == 0
    engine = make_engine(f"sqlite:///{node / 'node.db'}")
    now = int(time.time())
    EntitlementStore(engine).add(
        application_id="app-approved",
        subject="alice-sub",
        dataset_id="test-fi",
        start=now - 10,
        end=now + 86400,
    )
    svc = ApplicationService(
        events=EventStore(engine),
        entitlements=EntitlementStore(engine),
        audit=HashChainAudit(AuditStore(engine)),
        access=AccessSettings(),
    )
    form = ApplicationForm(
        title="t", summary="s", institution="i", terms_accepted=True, purpose=ResearchPurpose()
    )
    pending = svc.create(Actor("bob-sub"), ["test-fi"], form)
    svc.submit(pending.id, Actor("bob-sub"))
    capsys.readouterr()

    args = ["datasets", "delete", "test-fi", "--data-dir", str(node), "--yes"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "1 active or pending entitlement(s) (application(s) app-approved)" in err
    assert f"{pending.id} (submitted)" in err
    assert "--force" in err
    assert (node / "datasets" / "test-fi").exists()  # nothing deleted

    assert main([*args, "--force"]) == 0
    assert "revoked 1 entitlement(s)" in capsys.readouterr().out
    assert not (node / "datasets" / "test-fi").exists()
    (ent,) = EntitlementStore(engine).find(dataset_id="test-fi")
    assert ent.revoked_reason == "dataset deleted"
    assert any(e.action == "dataset-delete" for e in AuditStore(engine).entries())
    engine.dispose()

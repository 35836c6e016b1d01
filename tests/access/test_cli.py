"""``onemg access ...`` committee commands against a node data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onemg.access.applications import Actor, ApplicationForm, ApplicationService
from onemg.access.audit import HashChainAudit
from onemg.access.duo import ResearchPurpose
from onemg.access.store import (
    AccountStore,
    AuditStore,
    EntitlementStore,
    EventStore,
    RoleStore,
)
from onemg.cli import main
from onemg.settings import AccessSettings
from tests.access.conftest import migrated


def test_committee_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "node"
    data_dir.mkdir()
    engine = migrated(f"sqlite:///{data_dir / 'node.db'}")
    svc = ApplicationService(events=EventStore(engine), entitlements=EntitlementStore(engine),
                             audit=HashChainAudit(AuditStore(engine)), access=AccessSettings())
    form = ApplicationForm(title="t", summary="s", institution="i", terms_accepted=True,
                           purpose=ResearchPurpose())
    app = svc.create(Actor("alice-sub"), ["synth-fi-1"], form)
    svc.submit(app.id, Actor("alice-sub"))
    args = ["--data-dir", str(data_dir)]

    assert main(["access", "list", *args]) == 0
    assert app.id in capsys.readouterr().out
    assert main(["access", "approve", app.id, *args, "-m", "ok", "--actor", "dac-chair"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "approved"
    assert main(["access", "entitlements", *args]) == 0
    assert "active" in capsys.readouterr().out
    assert main(["access", "revoke", app.id, *args]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "revoked"
    assert main(["access", "reject", app.id, *args]) == 2  # a revoked application is final
    assert "is revoked" in capsys.readouterr().err

    assert main(["access", "role", "grant", "hanna-sub", "handler", *args]) == 0
    assert RoleStore(engine).roles_of("hanna-sub") == {"handler"}
    assert main(["access", "role", "grant", "hanna-sub", "king", *args]) == 2

    capsys.readouterr()
    monkeypatch.setenv("ONEMG_NEW_PASSWORD", "a long enough password")
    # accounts live on the hub: a node directory is refused, not given a fresh account table
    assert main(["access", "user", "create", "alice", *args]) == 2
    assert "is a node data directory" in capsys.readouterr().err
    hub = tmp_path / "hub"
    assert main(["hub", "init", "--data-dir", str(hub)]) == 0
    hub_args = ["--data-dir", str(hub)]
    assert main(["access", "user", "create", "alice", *hub_args, "--affiliation",
                 "member@uh.fi"]) == 0
    sub = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["access", "grant-researcher", "alice", *hub_args]) == 0
    hub_engine = migrated(f"sqlite:///{hub / 'node.db'}")
    assert AccountStore(hub_engine).by_sub(sub).researcher_status_by == "so"
    hub_engine.dispose()

    capsys.readouterr()
    assert main(["access", "keys", "show", *args]) == 0
    keys = json.loads(capsys.readouterr().out)["keys"]
    assert "d" not in keys[0]
    assert main(["audit", "verify", *args]) == 0
    actors = {e.user for e in AuditStore(engine).entries()}
    assert {"alice-sub", "dac-chair", "operator@cli"} <= actors
    engine.dispose()

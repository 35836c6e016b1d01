"""``onemg access ...`` committee commands against a node data directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onemg.access.accounts import LocalAccounts
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
from tests.access.conftest import HUB, Network, migrated


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


def _shape(entry) -> tuple:  # noqa: ANN001
    """What must match between the CLI's and the API's entry for the same action."""
    return (entry.action, entry.resource.split(":", 1)[0], entry.result, entry.reason)


async def test_cli_and_http_audit_the_same_actions_alike(
        tmp_path: Path, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    """Researcher status and a committee decision, once over HTTP and once from the CLI."""
    # Over HTTP: a hub administrator vouches for alice; a decider approves her application.
    hub = network.hub
    hub.accounts.create("admin", "admin password 123", is_admin=True)
    hub.accounts.create("alice", "alice password 123")
    token = await network.login("admin", "admin password 123")
    resp = await network.http.put(f"{HUB}oidc/admin/users/alice/researcher-status",
                                  headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    http_status = list(AuditStore(network.engine).entries())[-1]
    svc = network.node.applications
    form = ApplicationForm(title="t", summary="s", institution="i", terms_accepted=True,
                           purpose=ResearchPurpose())
    app = svc.create(Actor("alice-sub"), ["synth-fi-1"], form)
    svc.submit(app.id, Actor("alice-sub"))
    svc.approve(app.id, Actor("dora-sub", frozenset({"decider"}), "node-api"), "ok")
    http_approve = list(AuditStore(network.engine).entries())[-1]

    # From the CLI, on data directories of their own (a hub's and a node's).
    hub_dir, data_dir = tmp_path / "cli-hub", tmp_path / "cli-node"
    hub_dir.mkdir()
    data_dir.mkdir()
    hub_engine = migrated(f"sqlite:///{hub_dir / 'node.db'}")
    LocalAccounts(AccountStore(hub_engine)).create("bob", "bob password 1234")
    assert main(["access", "grant-researcher", "bob", "--data-dir", str(hub_dir),
                 "--actor", "admin-sub"]) == 0
    cli_status = list(AuditStore(hub_engine).entries())[-1]
    hub_engine.dispose()
    engine = migrated(f"sqlite:///{data_dir / 'node.db'}")
    args = ["--data-dir", str(data_dir), "--actor", "admin-sub"]
    cli_svc = ApplicationService(events=EventStore(engine), entitlements=EntitlementStore(engine),
                                 audit=HashChainAudit(AuditStore(engine)),
                                 access=AccessSettings())
    app2 = cli_svc.create(Actor("bob-sub"), ["synth-fi-1"], form)
    cli_svc.submit(app2.id, Actor("bob-sub"))
    assert main(["access", "approve", app2.id, *args, "-m", "ok"]) == 0
    cli_approve = list(AuditStore(engine).entries())[-1]
    capsys.readouterr()

    assert _shape(cli_status) == _shape(http_status) == (
        "admin.researcher-status", "user", "granted", "by=so")
    assert _shape(cli_approve) == _shape(http_approve)
    assert cli_approve.action == "application.approved"
    assert (cli_status.user, cli_status.origin) == ("admin-sub", "cli")
    assert http_status.origin == "hub-api"

    # DAC role changes (CLI only) are audited the same way.
    assert main(["access", "role", "grant", "hanna-sub", "handler", *args]) == 0
    assert main(["access", "role", "revoke", "hanna-sub", "handler", *args]) == 0
    roles = [e for e in AuditStore(engine).entries() if e.action == "admin.role"]
    assert [(e.user, e.resource, e.result, e.reason, e.origin) for e in roles] == [
        ("admin-sub", "user:hanna-sub", "granted", "role=handler", "cli"),
        ("admin-sub", "user:hanna-sub", "revoked", "role=handler", "cli"),
    ]
    engine.dispose()

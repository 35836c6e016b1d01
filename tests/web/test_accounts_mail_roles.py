"""Hub accounts' e-mail addresses and site roles (migration 0006), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from onemg.access.accounts import LocalAccounts
from onemg.access.audit import HashChainAudit
from onemg.access.site_roles import change_site_role
from onemg.access.store import AccountStore, AuditStore, SiteRoleStore
from onemg.db import make_engine, migrate
from onemg.errors import InvalidInputError


def test_email_is_checked_verified_and_deleted_with_the_account(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    accounts = LocalAccounts(AccountStore(engine))
    ana = accounts.create("ana", "correct horse battery", email="ana@example.org")
    assert accounts.email_of(ana.sub) == "ana@example.org"
    assert accounts.verified_email(ana.sub) is None  # not confirmed yet: no mail goes there
    accounts.set_email(ana.sub, "ana@example.org", verified=True)
    assert accounts.verified_email(ana.sub) == "ana@example.org"
    accounts.set_email(ana.sub, "ana@uni.example", verified=False)  # a new address: unconfirmed
    assert accounts.verified_email(ana.sub) is None
    with pytest.raises(InvalidInputError, match="name@example.org"):
        accounts.set_email(ana.sub, "not an address", verified=True)
    with pytest.raises(InvalidInputError):
        accounts.create("bob", "correct horse battery", email="bob@@x")
    accounts.delete(ana.sub)
    assert AccountStore(engine).by_sub(ana.sub) is None
    engine.dispose()


def test_site_roles_are_granted_revoked_and_audited(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    roles = SiteRoleStore(engine)
    audit = HashChainAudit(AuditStore(engine))
    change_site_role(roles, audit, actor="admin", subject="s1", role="editor", granted=True,
                     origin="cli")
    change_site_role(roles, audit, actor="admin", subject="s1", role="editor", granted=True,
                     origin="cli")  # idempotent
    assert roles.roles_of("s1") == {"editor"}
    assert roles.holders("editor") == ["s1"]
    change_site_role(roles, audit, actor="admin", subject="s1", role="editor", granted=False,
                     origin="cli")
    assert roles.roles_of("s1") == frozenset()
    with pytest.raises(InvalidInputError, match="coordinator"):
        change_site_role(roles, audit, actor="admin", subject="s1", role="god", granted=True,
                         origin="cli")
    entries = [e for e in AuditStore(engine).entries() if e.action == "admin.site_role"]
    assert [(e.result, e.reason) for e in entries] == [
        ("granted", "role=editor"), ("granted", "role=editor"), ("revoked", "role=editor")]
    engine.dispose()


def test_cli_creates_an_account_with_email_and_grants_site_roles(
        tmp_path, capsys, monkeypatch) -> None:  # noqa: ANN001
    from onemg.cli import main

    monkeypatch.setenv("ONEMG_NEW_PASSWORD", "correct horse battery")
    args = ["--data-dir", str(tmp_path)]
    assert main(["access", "user", "create", "ed", "--email", "ed@example.org", *args]) == 0
    sub = capsys.readouterr().out.strip()
    assert main(["access", "site-role", "grant", "ed", "editor", *args]) == 0
    assert main(["access", "site-role", "grant", "ed", "king", *args]) == 2
    assert "unknown site role" in capsys.readouterr().err
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    assert SiteRoleStore(engine).roles_of(sub) == {"editor"}
    assert LocalAccounts(AccountStore(engine)).verified_email(sub) == "ed@example.org"
    engine.dispose()

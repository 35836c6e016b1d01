"""Browser sessions and single-use CSRF tokens on SQLite and PostgreSQL; the MLM migration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

import onemg.db
from onemg.db import make_engine, migrate
from onemg.web.sessions import SESSION_TTL_S, Sessions, SessionStore


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_sessions_csrf_login_logout_and_expiry(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    clock = Clock()
    sessions = Sessions(SessionStore(engine), clock=clock)
    anon = sessions.start()
    assert anon.sub is None
    assert sessions.find(anon.token) == anon
    assert sessions.find("not-a-session") is None
    assert sessions.find(None) is None

    token = sessions.issue_csrf(anon)
    other = sessions.issue_csrf(anon)  # two open forms (two tabs)
    assert sessions.spend_csrf(anon, token)
    assert not sessions.spend_csrf(anon, token)  # reused
    assert not sessions.spend_csrf(anon, "forged")
    assert not sessions.spend_csrf(None, other)
    stranger = sessions.start()
    assert not sessions.spend_csrf(stranger, other)  # issued to another session
    assert sessions.spend_csrf(anon, other)

    user = sessions.login(anon, "sub-1")
    assert user.token != anon.token
    assert user.sub == "sub-1"
    assert sessions.find(anon.token) is None  # the pre-login session is gone
    clock.now += SESSION_TTL_S - 1
    assert sessions.find(user.token) is not None
    clock.now += 2
    assert sessions.find(user.token) is None  # expired
    again = sessions.login(None, "sub-1")
    sessions.end(again)
    assert sessions.find(again.token) is None
    engine.dispose()


def test_mlm_migration_downgrades_and_upgrades(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    assert {"web_sessions", "mlm_assessments", "mlm_ratings"} <= set(
        inspect(engine).get_table_names()
    )
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(onemg.db.__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002_access")
    names = set(inspect(engine).get_table_names())
    assert not any(n.startswith(("mlm_", "web_")) for n in names)
    assert "access_accounts" in names
    migrate(engine)
    assert "mlm_consensus" in inspect(engine).get_table_names()
    engine.dispose()

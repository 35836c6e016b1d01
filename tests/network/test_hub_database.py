"""The hub reads its settings through the node's loader, so it runs on PostgreSQL too.

``database_url`` in the hub TOML (or ``ONEMG_DATABASE_URL``) chooses the database; the hub's
accounts, login and audit log then live there. Tested on SQLite and the suite's real PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import text

from onemg.db import make_engine
from onemg.network.config import load_hub_config
from onemg.web.hub_app import create_hub_app

HUB_TOML = """
data_dir = "hub-data"
{database}
[beacon]
beacon_id = "eu.onemg.test-hub"

[access]
public_url = "http://hub.test/"

[[members]]
id = "fi"
base_url = "http://fi.node/api"
country = "FI"
"""


def _write(tmp_path: Path, database: str = "") -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(HUB_TOML.format(database=database))
    return path


def test_database_url_from_file_and_environment(tmp_path: Path) -> None:
    settings, _ = load_hub_config(_write(tmp_path), environ={})
    assert settings.db_url == f"sqlite:///{(tmp_path / 'hub-data' / 'node.db').resolve()}"
    settings, _ = load_hub_config(
        _write(tmp_path, 'database_url = "postgresql://a@h/file"'), environ={}
    )
    assert settings.db_url == "postgresql://a@h/file"
    settings, _ = load_hub_config(
        _write(tmp_path, 'database_url = "postgresql://a@h/file"'),
        environ={"ONEMG_DATABASE_URL": "postgresql://a@h/env"},
    )
    assert settings.db_url == "postgresql://a@h/env"
    assert settings.beacon.beacon_id == "eu.onemg.test-hub"


async def test_hub_login_and_audit_live_in_the_configured_database(
    tmp_path: Path, db_url: str
) -> None:
    settings, network = load_hub_config(_write(tmp_path), environ={"ONEMG_DATABASE_URL": db_url})
    assert settings.db_url == db_url
    assert network.broker

    def members(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    app = create_hub_app(
        settings, network, transport=httpx.MockTransport(members), refresh_on_start=False
    )
    async with app.router.lifespan_context(app):
        app.state.hub_access().accounts.create("carol", "correct horse battery")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            login = await client.post(
                "/oidc/login", json={"username": "carol", "password": "correct horse battery"}
            )
            assert login.status_code == 200, login.text
            bad = await client.post(
                "/oidc/login", json={"username": "carol", "password": "wrong wrong wrong"}
            )
            assert bad.status_code == 401
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            accounts = conn.execute(text("SELECT count(*) FROM access_accounts")).scalar_one()
            audited = conn.execute(text("SELECT count(*) FROM access_audit")).scalar_one()
    finally:
        engine.dispose()
    assert accounts == 1
    assert audited >= 1
    if db_url.startswith("postgresql"):
        assert not (tmp_path / "hub-data" / "node.db").exists()

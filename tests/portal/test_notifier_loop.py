"""The hub runs the notifier on its own timer, and a node that is down only delays it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from onemg.access.accounts import LocalAccounts
from onemg.access.store import AccountStore, AuditStore
from onemg.db import open_database
from onemg.network.config import parse_hub_config
from onemg.portal.notifications import Watches
from onemg.web.hub_app import create_hub_app


async def test_the_hub_checks_watched_applications_on_its_timer(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, unused_tcp_port: int) -> None:
    raw = {"data_dir": str(tmp_path), "access": {"public_url": "http://127.0.0.1:1/"},
           "mail": {"notify_interval_s": 0.2},
           "members": [{"id": "fi", "base_url": f"http://127.0.0.1:{unused_tcp_port}/api",
                        "country": "FI"}]}
    settings, network = parse_hub_config(raw)
    engine = open_database(settings.db_url)
    sub = LocalAccounts(AccountStore(engine)).create("ana", "correct horse battery").sub
    Watches(engine).remember(sub, "fi", "app-1", "submitted")
    app = create_hub_app(settings, network, refresh_on_start=False)
    caplog.set_level(logging.WARNING, logger="onemg.portal.notifications")
    async with app.router.lifespan_context(app):
        for _ in range(100):
            if "cannot ask fi about 1 application" in caplog.text:
                break
            await asyncio.sleep(0.1)
    assert "cannot ask fi about 1 application" in caplog.text
    # The state stays as last seen, to be asked again; the passport it minted was audited.
    assert Watches(engine).state(sub, "fi", "app-1") == "submitted"
    assert any(e.origin == "hub-notifier" for e in AuditStore(engine).entries())
    engine.dispose()

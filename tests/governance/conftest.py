"""Fixtures of the governance tests: an MLM service over a real database, with hub accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onemg.access.accounts import LocalAccounts
from onemg.access.store import AccountStore
from onemg.governance.mlm.service import Actor, MlmService
from onemg.governance.mlm.wiring import build_service
from onemg.settings import AccessSettings, Settings
from onemg.web.pages import WebServices

PASSWORD = "correct horse battery"


class Hub:
    """A hub database with accounts and the MLM service on it."""

    def __init__(self, web: WebServices) -> None:
        self.web = web
        self.service: MlmService = build_service(web)
        self.accounts: LocalAccounts = web.accounts

    def user(self, name: str, *, admin: bool = False) -> Actor:
        """Create (or find) account ``name`` and return it as an actor."""
        store: AccountStore = self.web._get()["account_store"]
        record = store.by_username(name)
        if record is None:
            sub = self.accounts.create(name, PASSWORD, is_admin=admin).sub
        else:
            sub = record.sub
        return Actor(sub, is_admin=admin)


@pytest.fixture
def hub_factory(tmp_path: Path) -> Iterator[Callable[[str | None], Hub]]:
    """Build a :class:`Hub` on a database URL (None: SQLite in a temporary directory)."""
    made: list[WebServices] = []

    def make(url: str | None = None) -> Hub:
        web = WebServices.for_settings(
            Settings(data_dir=tmp_path / f"hub{len(made)}", database_url=url)
        )
        made.append(web)
        return Hub(web)

    yield make
    for web in made:
        web.dispose()


@pytest.fixture
def hub(hub_factory: Callable[[str | None], Hub], db_url: str) -> Hub:
    """A hub on SQLite and on PostgreSQL."""
    return hub_factory(db_url)


DEMO_PASSWORD = "demo-password-for-tests"


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hub data directory with the MLM demo loaded (once per session; SQLite)."""
    from onemg.cli.mlm import demo_account_maker
    from onemg.governance.mlm.demo import load_demo

    path = tmp_path_factory.mktemp("mlm-demo")
    web = WebServices.for_settings(Settings(data_dir=path))
    load_demo(build_service(web), create_account=demo_account_maker(web, DEMO_PASSWORD))
    web.dispose()
    return path


@pytest.fixture
def demo_copy(demo_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the demo data directory (tests may change it)."""
    import shutil

    target = tmp_path / "hub"
    shutil.copytree(demo_data_dir, target)
    return target


@pytest.fixture
def live_hub(demo_copy: Path) -> Iterator[str]:
    """A real hub (uvicorn on a free loopback port) over a copy of the demo data; its URL."""
    from onemg.network.config import NetworkConfig
    from onemg.web.hub_app import create_hub_app
    from tests.appserver import free_port, serving

    port = free_port()
    settings = Settings(data_dir=demo_copy).replace(
        access=AccessSettings(public_url=f"http://127.0.0.1:{port}/")
    )
    # broker on: the hub also issues access tokens (the JSON API's Bearer login)
    app = create_hub_app(settings, NetworkConfig(broker=True), refresh_on_start=False)
    with serving(app, port) as url:
        yield url

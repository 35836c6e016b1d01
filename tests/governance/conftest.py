"""Fixtures of the governance tests: an MLM service over a real database, with hub accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from onemg.access.accounts import LocalAccounts
from onemg.access.store import AccountStore
from onemg.governance.mlm.service import Actor, MlmService
from onemg.governance.mlm.wiring import LazyMlm
from onemg.settings import Settings
from onemg.web.pages import WebServices

PASSWORD = "correct horse battery"


class Hub:
    """A hub database with accounts and the MLM service on it."""

    def __init__(self, web: WebServices) -> None:
        self.web = web
        self.service: MlmService = LazyMlm(web)()
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
        web = WebServices(Settings(data_dir=tmp_path / f"hub{len(made)}", database_url=url))
        made.append(web)
        return Hub(web)

    yield make
    for web in made:
        web.dispose()


@pytest.fixture
def hub(hub_factory: Callable[[str | None], Hub], db_url: str) -> Hub:
    """A hub on SQLite and on PostgreSQL."""
    return hub_factory(db_url)

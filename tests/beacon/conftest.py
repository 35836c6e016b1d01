"""Fixtures for the Beacon tests: a node over fake data, clients, and a token verifier."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from onemg.beacon import MemoryAuditSink, NodeData
from onemg.errors import AuthenticationError
from onemg.security import ANONYMOUS, Principal
from onemg.settings import BeaconSettings, Settings
from onemg.web.node_app import create_node_app
from tests.beacon.fakes import FakeCatalogue, FakeDataset, make_dataset


class TokenVerifier:
    """Maps fixed bearer tokens to principals; anything else is a bad token."""

    def __init__(self, tokens: dict[str, Principal]) -> None:
        self.tokens = tokens

    async def verify(self, token: str | None) -> Principal:
        if token is None:
            return ANONYMOUS
        try:
            return self.tokens[token]
        except KeyError:
            raise AuthenticationError("invalid or expired passport") from None


TOKENS = {
    "researcher": Principal(subject="u-1", registered=True),
    "granted-fi": Principal(subject="u-2", registered=True, datasets=frozenset({"ds-fi"})),
    "granted-all": Principal(subject="u-3", registered=True,
                             datasets=frozenset({"ds-fi", "ds-ee"})),
}


def auth(token: str) -> dict[str, str]:
    """Authorization header for a token of :data:`TOKENS`."""
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client with the app's lifespan running."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield client


def _datasets() -> list[FakeDataset]:
    return [make_dataset("ds-fi", 40, 30, seed=1, country="FI"),
            make_dataset("ds-ee", 30, 20, seed=2, country="EE")]


@pytest.fixture
def fake_datasets() -> list[FakeDataset]:
    """Two small datasets with different sizes and countries (fresh per test)."""
    return _datasets()


@pytest.fixture
def fake_store(fake_datasets: list[FakeDataset]) -> NodeData:
    """NodeData over the fake catalogue and indexes (fresh per test: may be modified)."""
    return NodeData.from_catalogue(FakeCatalogue(fake_datasets), lambda info: info.index)


@pytest.fixture(scope="session")
def _shared_audit() -> MemoryAuditSink:
    return MemoryAuditSink()


@pytest.fixture
def audit(_shared_audit: MemoryAuditSink) -> MemoryAuditSink:
    """Collects audit entries (emptied for each test)."""
    _shared_audit.entries.clear()
    return _shared_audit


@pytest.fixture(scope="session")
def shared_app(_shared_audit: MemoryAuditSink, tmp_path_factory: pytest.TempPathFactory
               ) -> FastAPI:
    """One node app over unchanging fake data, reused by read-only tests (building routes
    costs most of a second)."""
    store = NodeData.from_catalogue(FakeCatalogue(_datasets()), lambda info: info.index)
    settings = Settings(data_dir=tmp_path_factory.mktemp("node"),
                        beacon=BeaconSettings(k_anonymity=5, max_page_size=50))
    return create_node_app(settings, verifier=TokenVerifier(TOKENS), audit=_shared_audit,
                           store=store)


@pytest.fixture
def make_app(fake_store: NodeData, audit: MemoryAuditSink, tmp_path: Path
             ) -> Callable[..., FastAPI]:
    """Factory: a fresh node app over the fake data (``k`` sets the privacy floor)."""
    def make(k: int = 5, **kwargs: Any) -> FastAPI:
        settings = Settings(data_dir=tmp_path, beacon=BeaconSettings(k_anonymity=k,
                                                                     max_page_size=50))
        return create_node_app(settings, verifier=TokenVerifier(TOKENS), audit=audit,
                               store=kwargs.get("store", fake_store))
    return make


@pytest.fixture
async def client(shared_app: FastAPI, audit: MemoryAuditSink
                 ) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the shared fake node (k=5)."""
    async with serve(shared_app) as c:
        yield c


@pytest.fixture(scope="session")
def beacon_node(synth_cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node data dir with the three synth countries ingested."""
    from onemg.ingest import ingest, resolve_inputs

    node = tmp_path_factory.mktemp("beacon_node")
    for cc in ("fi", "ee", "pt"):
        ingest(resolve_inputs(source_dir=synth_cohort / cc), data_dir=node,
               database_url=f"sqlite:///{node / 'node.db'}")
    return node

"""Fixtures for the Beacon tests: real ingested nodes over known data, clients, and a token
verifier."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from onemg.beacon import NodeData
from onemg.errors import AuthenticationError
from onemg.security import ANONYMOUS, Principal
from onemg.settings import BeaconSettings, PrivacySettings, Settings, load_settings
from onemg.testing import MemoryAuditSink
from onemg.web.node_app import create_node_app
from tests.beacon.node_data import DatasetSpec, datasets, ingest_node


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


@pytest.fixture(scope="session")
def node_specs() -> list[DatasetSpec]:
    """The known data of the shared node's datasets (ds-fi, ds-ee): the tests' expectations."""
    return datasets()


@pytest.fixture(scope="session")
def node_dir(node_specs: list[DatasetSpec], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real node data dir: :func:`node_specs` written as VCF + phenopackets and ingested."""
    return ingest_node(tmp_path_factory.mktemp("node"), node_specs,
                       tmp_path_factory.mktemp("node_sources"))


@pytest.fixture(scope="session")
def open_node_dir(node_specs: list[DatasetSpec], tmp_path_factory: pytest.TempPathFactory
                  ) -> Path:
    """A second real node whose one dataset (ds-fi's data as ``ds-open``) has PUBLIC records."""
    spec = dataclasses.replace(node_specs[0], id="ds-open",
                               access={"boolean": "PUBLIC", "count": "PUBLIC",
                                       "record": "PUBLIC"})
    return ingest_node(tmp_path_factory.mktemp("open_node"), [spec],
                       tmp_path_factory.mktemp("open_node_sources"))


def node_settings(node: Path, k: int = 5) -> Settings:
    """The node's own settings with the test privacy floor and page size."""
    return load_settings(node, environ={}).replace(
        beacon=BeaconSettings(k_anonymity=k, max_page_size=50),
        privacy=PrivacySettings(profile="k-floor"))


@pytest.fixture
def node_store(node_dir: Path) -> NodeData:
    """NodeData opened over the real node (fresh per test: may be modified)."""
    return NodeData.open(node_settings(node_dir))


@pytest.fixture(scope="session")
def _shared_audit() -> MemoryAuditSink:
    return MemoryAuditSink()


@pytest.fixture
def audit(_shared_audit: MemoryAuditSink) -> MemoryAuditSink:
    """Collects audit entries (emptied for each test)."""
    _shared_audit.entries.clear()
    return _shared_audit


@pytest.fixture(scope="session")
def shared_app(_shared_audit: MemoryAuditSink, node_dir: Path) -> FastAPI:
    """One app over the real node, reused by read-only tests (building routes costs most of a
    second); it opens the node's catalogue and indexes in its lifespan."""
    return create_node_app(node_settings(node_dir), verifier=TokenVerifier(TOKENS),
                           audit=_shared_audit)


@pytest.fixture
def make_app(node_dir: Path, audit: MemoryAuditSink) -> Callable[..., FastAPI]:
    """Factory: a fresh app over a real node (``k`` sets the privacy floor; ``node`` another
    data dir; ``store`` prepared NodeData)."""
    def make(k: int = 5, *, node: Path | None = None, store: NodeData | None = None
             ) -> FastAPI:
        return create_node_app(node_settings(node or node_dir, k),
                               verifier=TokenVerifier(TOKENS), audit=audit, store=store)
    return make


@pytest.fixture
async def client(shared_app: FastAPI, audit: MemoryAuditSink
                 ) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the shared real node (k=5)."""
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

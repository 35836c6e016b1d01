"""Fixtures of the access suite: a movable clock, keys, migrated databases, in-process apps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import Engine

from onemg.access.api import build_hub_access, build_node_access, hub_jwks_url
from onemg.access.keys import SigningKey, generate_key
from onemg.access.routes_hub import hub_router
from onemg.access.routes_node import node_router
from onemg.db import make_engine, migrate
from onemg.settings import AccessSettings, BeaconSettings, Settings, TrustedIssuer
from onemg.web.errors import install_error_handlers

HUB = "http://hub.test/"
NODE = "http://node-fi.test/"
NODE_B = "http://node-se.test/"
DATASETS = ("synth-fi-1", "synth-fi-2")


class Clock:
    """A clock tests can move; starts at a fixed real-looking epoch."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def hub_key() -> SigningKey:
    return generate_key("ES256")


@pytest.fixture(scope="session")
def node_key() -> SigningKey:
    return generate_key("RS256")


@pytest.fixture(scope="session")
def evil_key() -> SigningKey:
    return generate_key("ES256")


def migrated(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = migrated(f"sqlite:///{tmp_path / 'access.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def any_engine(db_url: str) -> Engine:
    """A migrated database, once on SQLite and once on PostgreSQL."""
    engine = migrated(db_url)
    yield engine
    engine.dispose()


def node_settings(tmp_path: Path, *, public_url: str = NODE, veto_days: int = 0) -> Settings:
    access = AccessSettings(
        trusted_issuers=(TrustedIssuer(HUB, hub_jwks_url(HUB)),),
        audience=public_url, leeway_s=30, veto_window_days=veto_days, public_url=public_url,
    )
    return Settings(data_dir=tmp_path / "node", access=access)


class Network:
    """A hub and a node as in-process ASGI apps reached over real HTTP semantics."""

    def __init__(self, tmp_path: Path, engine: Engine, clock: Clock, hub_key: SigningKey,
                 node_key: SigningKey, *, veto_days: int = 0) -> None:
        self.clock = clock
        self.engine = engine
        self.hub_app = FastAPI()
        self.node_app = FastAPI()
        mounts = {"http://hub.test": httpx.ASGITransport(app=self.hub_app),
                  "http://node-fi.test": httpx.ASGITransport(app=self.node_app)}
        self.http = httpx.AsyncClient(mounts=mounts)
        hub_settings = Settings(data_dir=tmp_path / "hub",
                                access=AccessSettings(public_url=HUB))
        self.hub = build_hub_access(hub_settings, engine=engine, http=self.http,
                                    node_urls=lambda: (NODE,), clock=clock, key=hub_key)
        self.settings = node_settings(tmp_path, veto_days=veto_days)
        self.node = build_node_access(self.settings, engine=engine, http=self.http, clock=clock,
                                      known_datasets=lambda: DATASETS, key=node_key)
        for app in (self.hub_app, self.node_app):
            install_error_handlers(app, BeaconSettings())
        self.hub_app.include_router(hub_router(self.hub))
        self.node_app.include_router(node_router(self.node))
        _add_protected_route(self.node_app, self.node)

    async def login(self, username: str, password: str) -> str:
        resp = await self.http.post(f"{HUB}oidc/login",
                                    json={"username": username, "password": password})
        resp.raise_for_status()
        return resp.json()["access_token"]

    async def passport(self, access_token: str, audience: str = NODE) -> str:
        resp = await self.http.post(f"{HUB}oidc/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": access_token,
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "requested_token_type": "urn:ga4gh:params:oauth:token-type:passport",
            "audience": audience})
        resp.raise_for_status()
        return resp.json()["access_token"]

    async def records(self, dataset_id: str, token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.get(f"{NODE}test/records/{dataset_id}", headers=headers)


def _add_protected_route(app: FastAPI, node) -> None:  # noqa: ANN001
    """A record-level endpoint deciding with the Beacon's own policy (``beacon.policy``)."""
    from onemg.access.routes_node import bearer
    from onemg.beacon.policy import DEFAULT_ACCESS, decide
    from onemg.errors import AccessDeniedError

    @app.get("/test/records/{dataset_id}")
    async def records(dataset_id: str, request: Request) -> dict:
        principal = await node.verifier.verify(bearer(request), origin="test")
        decision = decide("record", [(dataset_id, DEFAULT_ACCESS)], principal,
                          audit=node.audit, action="beacon.records", origin="test")
        if decision.granularity != "record" or dataset_id not in decision.dataset_ids:
            raise AccessDeniedError(f"dataset {dataset_id}: record access needs a grant")
        return {"dataset": dataset_id, "records": ["..."]}


@pytest.fixture
async def network(tmp_path: Path, sqlite_engine: Engine, clock: Clock, hub_key: SigningKey,
                  node_key: SigningKey) -> AsyncIterator[Network]:
    net = Network(tmp_path, sqlite_engine, clock, hub_key, node_key)
    yield net
    await net.http.aclose()

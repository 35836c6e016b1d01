"""The attack suite's network: a real hub in front of two real nodes (FI, EE), as processes.

The attacks of issue 11 are replayed as HTTP requests against both the nodes and the hub. The
network is ``onemg demo`` made small (300 individuals per country, seed 7), on free ports.

The attacks that need no synthetic data (HTTP limits and headers, the hub's login and token
endpoints, unexpected errors) run against a node and a hub built in process by the production
app factories (``apps``): ``create_node_app`` over an empty data directory trusting the hub,
and ``create_hub_app`` with the broker on, whose one member is that node reached through
``httpx.ASGITransport``. They are built per test, never at import, with their lifespans running.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from onemg.access.api import hub_jwks_url
from onemg.access.keys import SigningKey, load_or_create_key
from onemg.access.tokens import sign_passport
from onemg.demo.demo import DemoNetwork, DemoPlan, prepare_data
from onemg.demo.processes import free_port
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import AccessSettings, BeaconSettings, Settings, TrustedIssuer
from onemg.web.hub_app import create_hub_app
from onemg.web.node_app import create_node_app


@dataclass(frozen=True)
class AttackNet:
    """The running network and what an attacker (or the test's ground truth) knows about it."""

    network: DemoNetwork

    @property
    def plan(self) -> DemoPlan:
        return self.network.plan

    @property
    def hub(self) -> str:
        return self.plan.hub_url + "/api"

    def node(self, country: str = "FI") -> str:
        return self.plan.node_url(country) + "/api"

    def node_dir(self, country: str = "FI") -> Path:
        return self.plan.node_dir(country)

    def dataset(self, country: str = "FI") -> str:
        meta = json.loads((self.plan.synth_dir / country.lower() / "dataset.json").read_text())
        return meta["id"]

    def truth(self, name: str, country: str = "FI") -> list[dict[str, str]]:
        path = self.plan.synth_dir / country.lower() / "truth" / name
        with path.open() as handle:
            return list(csv.DictReader(handle, delimiter="\t"))

    def individuals(self, country: str = "FI") -> list[dict[str, Any]]:
        path = self.plan.synth_dir / country.lower() / "individuals.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def hub_key(self) -> SigningKey:
        """The hub's own signing key: what a compromised hub signs with."""
        return load_or_create_key(self.plan.root / "hub" / "keys" / "hub-signing.pem")

    def hub_passport(self, sub: str, *, visas: list[str] = (), country: str = "FI") -> str:
        """A passport the hub signs for ``country``'s node (its audience)."""
        now = int(time.time())
        hub = self.plan.hub_url + "/"
        return sign_passport(
            self.hub_key(),
            iss=hub,
            sub=sub,
            visas=list(visas),
            iat=now,
            exp=now + 600,
            aud=[self.plan.node_url(country) + "/"],
        )


@pytest.fixture(scope="session")
def attack_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AttackNet]:
    """Two real nodes and a hub, started once for the attack suite."""
    root = tmp_path_factory.mktemp("attack")
    plan = DemoPlan(
        root=root,
        countries=("FI", "EE"),
        individuals=300,
        seed=7,
        hub_port=free_port(),
        node_ports=(free_port(), free_port()),
    )
    prepare_data(plan, echo=lambda line: None)
    with DemoNetwork(plan) as network:
        yield AttackNet(network)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain client (no proxies from the environment: loopback only)."""
    with httpx.Client(timeout=30, trust_env=False) as client:
        yield client


def without_timing(body: Any) -> Any:
    """``body`` without the fields that differ between two identical requests (timings)."""
    if isinstance(body, dict):
        return {
            k: without_timing(v)
            for k, v in body.items()
            if k not in ("elapsedMs", "elapsed_ms", "ms", "durationMs")
        }
    if isinstance(body, list):
        return [without_timing(v) for v in body]
    return body


# -- in-process node and hub (production app factories) --------------------

HUB = "http://hub.test/"
NODE = "http://node.test/"
PASSWORD = "correct-horse-battery"


def node_settings(root: Path, *, public_url: str = NODE) -> Settings:
    """A node trusting the test hub's passports."""
    access = AccessSettings(
        trusted_issuers=(TrustedIssuer(HUB, hub_jwks_url(HUB)),),
        audience=public_url,
        public_url=public_url,
    )
    return Settings(
        data_dir=root / "node", access=access, beacon=BeaconSettings(beacon_id="eu.onemg.test-node")
    )


def hub_settings(root: Path, *, public_url: str = HUB) -> Settings:
    """The test hub (the broker's issuer is ``public_url``)."""
    return Settings(
        data_dir=root / "hub",
        access=AccessSettings(public_url=public_url),
        beacon=BeaconSettings(beacon_id="eu.onemg.test-hub"),
    )


def network(member_url: str = NODE) -> NetworkConfig:
    """One member, the test node, and the broker on."""
    return NetworkConfig(
        members=(MemberConfig(id="fi", base_url=member_url + "api", country="FI"),), broker=True
    )


@dataclass
class Apps:
    """The node, the hub, and HTTP clients that reach them."""

    node: FastAPI
    hub: FastAPI
    node_client: httpx.AsyncClient
    hub_client: httpx.AsyncClient

    def client(self, which: str) -> httpx.AsyncClient:
        """The client of ``"node"`` or ``"hub"``."""
        return self.node_client if which == "node" else self.hub_client

    def hub_access(self):  # noqa: ANN201 - the hub's HubAccess (opened on first use)
        return self.hub.state.hub_access()


@pytest.fixture
async def apps(tmp_path: Path) -> AsyncIterator[Apps]:
    (tmp_path / "node").mkdir()
    node = create_node_app(node_settings(tmp_path))
    hub = create_hub_app(
        hub_settings(tmp_path),
        network(),
        transport=httpx.ASGITransport(app=node),
        refresh_on_start=False,
    )
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(node.router.lifespan_context(node))
        await stack.enter_async_context(hub.router.lifespan_context(hub))
        node_client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=node), base_url=NODE.rstrip("/"))
        )
        hub_client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=hub), base_url=HUB.rstrip("/"))
        )
        yield Apps(node, hub, node_client, hub_client)


@pytest.fixture
def make_user(apps: Apps) -> Callable[..., str]:
    """``make_user(name, admin=False, researcher=False)`` creates a hub account; returns sub."""

    def make(name: str, *, admin: bool = False, researcher: bool = False) -> str:
        accounts = apps.hub_access().accounts
        sub = accounts.create(name, PASSWORD, is_admin=admin).sub
        if researcher:
            accounts.grant_researcher_status(sub)
        return sub

    return make


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    """Log in at the hub; the access token."""
    resp = await client.post("/oidc/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def hub_audit(apps: Apps) -> list:
    """Every entry of the hub's audit log, oldest first."""
    from onemg.access.store import AuditStore

    store: AuditStore = apps.hub_access().audit._store  # noqa: SLF001 - read-only look
    return list(store.entries())

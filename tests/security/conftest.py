"""The attack suite's network: a real hub in front of two real nodes (FI, EE), as processes.

The attacks of issue 11 are replayed as HTTP requests against both the nodes and the hub. The
network is ``onemg demo`` made small (300 individuals per country, seed 7), on free ports.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from onemg.access.keys import SigningKey, load_or_create_key
from onemg.access.tokens import sign_passport
from onemg.demo.demo import DemoNetwork, DemoPlan, prepare_data
from onemg.demo.processes import free_port


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

"""Fixtures for the network tests: hub configs over canned members."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from onemg.demo.demo import DemoNetwork, DemoPlan, prepare_data
from onemg.demo.processes import free_port
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import BeaconSettings, Settings


@pytest.fixture
def hub_settings() -> Settings:
    """Hub settings with a recognisable beaconId."""
    return Settings(beacon=BeaconSettings(beacon_id="eu.onemg.test-hub", name="test network"))


@pytest.fixture
def network_config() -> Callable[..., NetworkConfig]:
    """Factory: ``network_config({"fi": url, ...}, deadline_s=...)``."""

    def make(urls: dict[str, str], **policy: float) -> NetworkConfig:
        members = tuple(
            MemberConfig(id=key, base_url=url, country=key[:2].upper()) for key, url in urls.items()
        )
        return NetworkConfig(members=members, **policy)

    return make


@pytest.fixture(scope="session")
def real_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoNetwork]:
    """Two real onemg nodes (FI, EE; synthesised and ingested once) and a hub, as processes.

    This is ``onemg demo`` made small: the same library functions, other ports.
    """
    root = tmp_path_factory.mktemp("demo")
    plan = DemoPlan(
        root=root,
        countries=("FI", "EE"),
        individuals=300,
        seed=7,
        hub_port=free_port(),
        node_ports=(free_port(), free_port()),
        # Tests run the notifier themselves (onemg hub notify), never on the hub's timer.
        mail={"notify_interval_s": 0},
    )
    prepare_data(plan, echo=lambda line: None)
    with DemoNetwork(plan) as network:
        yield network

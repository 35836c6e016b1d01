"""Fault tolerance with real processes: a hub over healthy, down, slow, failing and lying members.

The healthy members are real onemg nodes (FI, EE from the ``real_network`` fixture); the
misbehaving ones are small purpose-built servers (``onemg.demo.stub``), each its own uvicorn
process, and so is the hub (``onemg hub serve``). The hub must answer within its deadline
with the healthy members, say which members failed and why, stop calling them once their
circuit opens, and take them back once they recover (half-open trial).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from onemg.demo.demo import DemoNetwork, hub_serve_argv, stub_argv
from onemg.demo.processes import ManagedProcess, ProcessGroup, free_port
from tests.beacon_schema import validate, validate_beacon_response

pytestmark = pytest.mark.slow

MEMBER_TIMEOUT_S = 0.6
DEADLINE_S = 1.5
COOLDOWN_S = 2.0
#: Stub members: id -> (stub mode, per-dataset counts). "down" has no process at all.
MEMBERS = {
    "lv": ("slow", "7"),
    "lt": ("error", "7"),
    "pl": ("garbage", "7"),
    "de": ("invalid", "7"),
    "pt": ("down", "9"),
}
EXPECTED_REASON = {
    "lv": "timed out",
    "lt": "HTTP 500",
    "pl": "invalid JSON",
    "de": "schema-invalid",
    "pt": "unreachable",
}
QUERY = {"filters": "HP:0000822", "requestedGranularity": "count"}


def _stub(member: str, port: int, mode: str, counts: str, logs: Path) -> ManagedProcess:
    return ManagedProcess(
        name=f"stub {member}",
        argv=stub_argv(port, member, "--mode", mode, "--counts", counts, "--delay", "5"),
        ready_url=f"http://127.0.0.1:{port}/api/info",
        log_path=logs / f"{member}.log",
    )


class Network:
    """The running processes of this module, and a client for the hub."""

    def __init__(self, tmp: Path, real: DemoNetwork) -> None:
        self.tmp = tmp
        self.real = real
        self.ports = {m: free_port() for m in MEMBERS}
        self.group = ProcessGroup()
        hub_port = free_port()
        self.hub_url = f"http://127.0.0.1:{hub_port}/api"
        urls = {c.lower(): real.plan.node_url(c) for c in real.plan.countries}
        urls |= {m: f"http://127.0.0.1:{p}" for m, p in self.ports.items()}
        members = "\n".join(
            f'[[members]]\nid = "{m}"\nbase_url = "{url}/api"\ncountry = "{m}"\n'
            for m, url in urls.items()
        )
        (tmp / "hub.toml").write_text(
            '[beacon]\nbeacon_id = "eu.onemg.test-hub"\n'
            f"[network]\nmember_timeout_s = {MEMBER_TIMEOUT_S}\ndeadline_s = {DEADLINE_S}\n"
            f"failure_threshold = 2\ncooldown_s = {COOLDOWN_S}\nrefresh_interval_s = 3600\n"
            + members
        )
        for member, (mode, counts) in MEMBERS.items():
            if mode != "down":
                self.group.start(_stub(member, self.ports[member], mode, counts, tmp))
        self.hub = ManagedProcess(
            name="hub",
            argv=hub_serve_argv(tmp / "hub.toml", hub_port),
            ready_url=f"{self.hub_url}/info",
            log_path=tmp / "hub.log",
        )
        self.group.start(self.hub)
        self.group.wait_all_ready(60)
        self.client = httpx.Client(timeout=10, trust_env=False)

    def query(self) -> tuple[dict, float]:
        started = time.perf_counter()
        response = self.client.get(f"{self.hub_url}/individuals", params=QUERY)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        body = response.json()
        validate_beacon_response(body)
        return body, elapsed

    def direct_total(self) -> int:
        """The real nodes' own answers to the query, added up."""
        return sum(
            self.client.get(f"{self.real.plan.node_url(c)}/api/individuals", params=QUERY).json()[
                "responseSummary"
            ]["numTotalResults"]
            for c in self.real.plan.countries
        )

    def set_mode(self, member: str, mode: str) -> None:
        response = self.client.post(
            f"http://127.0.0.1:{self.ports[member]}/_stub/mode", params={"mode": mode}
        )
        assert response.status_code == 200

    def close(self) -> None:
        self.client.close()
        self.group.stop_all()


@pytest.fixture(scope="module")
def network(
    tmp_path_factory: pytest.TempPathFactory, real_network: DemoNetwork
) -> Iterator[Network]:
    net = Network(tmp_path_factory.mktemp("network"), real_network)
    try:
        yield net
    finally:
        net.close()


def _statuses(body: dict) -> dict[str, dict]:
    return {m["id"]: m for m in body["info"]["network"]["members"]}


def test_failures_are_reported_and_the_answer_comes_back(network: Network) -> None:
    body, elapsed = network.query()
    assert elapsed < DEADLINE_S + 0.5, "the hub must answer within its deadline"
    members = _statuses(body)
    assert body["info"]["network"]["answered"] == ["fi", "ee"]
    for member, reason in EXPECTED_REASON.items():
        assert members[member]["status"] == "failed", members[member]
        assert reason in members[member]["reason"], members[member]
    # Only the healthy members' datasets are in the answer, each labelled with its country.
    assert {rs["info"]["country"] for rs in body["response"]["resultSets"]} == {"FI", "EE"}
    assert body["responseSummary"]["numTotalResults"] == network.direct_total()


def test_open_circuit_stops_calling_failing_members(network: Network) -> None:
    network.query()  # second consecutive failure opens every failing member's circuit
    body, elapsed = network.query()
    members = _statuses(body)
    for member in EXPECTED_REASON:
        assert members[member]["status"] == "skipped", members[member]
        assert "circuit open" in members[member]["reason"]
    # Nobody slow is called any more, so the answer is fast again.
    assert elapsed < MEMBER_TIMEOUT_S
    info = network.client.get(f"{network.hub_url}/info").json()
    validate(info, "beaconInfoResponse")
    circuits = {m["id"]: m["circuit"] for m in info["response"]["info"]["members"]}
    assert circuits["lv"] == "open"
    assert circuits["fi"] == "closed"


def test_members_are_taken_back_after_they_recover(network: Network) -> None:
    for member in ("lv", "lt", "pl", "de"):
        network.set_mode(member, "ok")
    port = network.ports["pt"]
    revived = network.group.start(_stub("pt", port, "ok", "9", network.tmp))
    revived.wait_ready(30)
    time.sleep(COOLDOWN_S + 0.2)
    body, _ = network.query()  # half-open trials succeed and close the circuits
    assert body["info"]["network"]["unavailable"] == [], body["info"]["network"]
    assert body["responseSummary"]["numTotalResults"] == network.direct_total() + 4 * 7 + 9
    # The member that was down at start-up now contributes its filtering terms too.
    for _ in range(50):
        terms = network.client.get(f"{network.hub_url}/filtering_terms").json()
        if any(t["id"] == "stub:PT" for t in terms["response"]["filteringTerms"]):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the revived member's filtering terms never reached the hub")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/g_variants", {"params": {"requestedGranularity": "all"}}, 400),
        ("POST", "/individuals", {"content": b"\xff\xfe garbage"}, 400),
        ("POST", "/individuals", {"json": {"query": {"pagination": {"skip": "x"}}}}, 400),
        ("GET", "/../../etc/passwd", {}, 404),
        ("GET", "/individuals", {"headers": {"Authorization": "Basic abc"}}, 401),
        ("GET", "/g_variants/" + "x" * 5000, {}, 200),
    ],
)
def test_no_request_crashes_the_hub(
    network: Network, method: str, path: str, kwargs: dict, status: int
) -> None:
    response = network.client.request(method, network.hub_url + path, **kwargs)
    assert response.status_code == status, response.text
    assert network.hub.alive()
    assert network.client.get(f"{network.hub_url}/info").status_code == 200


async def test_burst_of_concurrent_queries_then_recovery(network: Network) -> None:
    # 40 at once against single-worker nodes and a 0.6 s member timeout: some members may time
    # out and have their circuits opened. Every answer must still be a Beacon response.
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        responses = await asyncio.gather(
            *(client.get(f"{network.hub_url}/individuals", params=QUERY) for _ in range(40))
        )
    for response in responses:
        assert response.status_code in (200, 503), response.text
        validate_beacon_response(response.json())
    assert network.hub.alive()
    time.sleep(COOLDOWN_S + 0.2)
    for _ in range(3):  # half-open trials, then closed circuits
        body, _ = network.query()
    assert len(body["info"]["network"]["answered"]) == len(MEMBERS) + 2

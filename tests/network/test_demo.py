"""``onemg demo`` as a library: real synth, ingest, nodes and hub processes, then queries."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import httpx
import pytest

from onemg.demo.demo import CLI, DemoNetwork, DemoPlan, example_queries, prepare_data, summarise
from onemg.demo.processes import free_port, port_in_use
from tests.beacon_schema import validate, validate_beacon_response

pytestmark = pytest.mark.slow


def _example(plan: DemoPlan, title_part: str) -> str:
    return next(cmd for title, cmd in example_queries(plan) if title_part in title)


def _truth_carriers(plan: DemoPlan, country: str, variant: str) -> int:
    path = plan.synth_dir / country.lower() / "truth" / "spiked_variants.tsv"
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("variant_id")] == variant:
            return int(row[header.index("carriers")])
    raise LookupError(variant)


@pytest.mark.parametrize(
    ("title", "variant"),
    [("HFE C282Y", "HFE_C282Y"), ("HBB E7V", "HBB_E7V"), ("CFTR F508del", "CFTR_F508del")],
)
def test_cross_border_carrier_counts_match_ground_truth(
    real_network: DemoNetwork, title: str, variant: str
) -> None:
    plan = real_network.plan
    url = _example(plan, title).split("'")[1]
    body = httpx.get(url, timeout=30, trust_env=False).json()
    validate_beacon_response(body)
    assert body["info"]["network"]["answered"] == ["fi", "ee"]
    by_country = {rs["info"]["country"]: rs for rs in body["response"]["resultSets"]}
    exact = True
    for country in plan.countries:
        truth = _truth_carriers(plan, country, variant)
        rs = by_country.get(country)
        if truth < 5:
            # The node's privacy floor: 0 and 1..4 are one answer (exists false, so left out
            # with includeResultsetResponses=HIT), and the hub keeps the total adjusted.
            assert rs is None
            exact = False
        else:
            assert (rs["resultsCount"], rs["countPrecision"]) == (truth, "exact")
    summary = body["responseSummary"]
    assert summary["countPrecision"] == ("exact" if exact else "imprecise")
    if not exact:
        low, high = map(int, summary["countAdjustedTo"][0].split("-"))
        true_total = sum(_truth_carriers(plan, c, variant) for c in plan.countries)
        assert low <= true_total <= high
    assert "network total" in summarise(body)


def test_hpo_filtered_count_and_metadata(real_network: DemoNetwork) -> None:
    api = f"{real_network.plan.hub_url}/api"
    with httpx.Client(timeout=30, trust_env=False) as client:
        post = _example(real_network.plan, "POST")
        request = json.loads(post.split("-d '")[1][:-1])
        body = client.post(f"{api}/individuals", json=request).json()
        validate(body, "beaconCountResponse")
        direct = sum(
            client.post(f"{real_network.plan.node_url(c)}/api/individuals", json=request).json()[
                "responseSummary"
            ]["numTotalResults"]
            for c in real_network.plan.countries
        )
        assert body["responseSummary"]["numTotalResults"] == direct > 0
        validate(client.get(f"{api}/info").json(), "beaconInfoResponse")
        validate(client.get(f"{api}/map").json(), "beaconMapResponse")
        validate(client.get(f"{api}/configuration").json(), "beaconConfigurationResponse")
        terms = client.get(f"{api}/filtering_terms").json()
        validate(terms, "beaconFilteringTermsResponse")
        assert any(t["id"] == "HP:0000822" for t in terms["response"]["filteringTerms"])


def test_second_prepare_reuses_data(real_network: DemoNetwork) -> None:
    plan = real_network.plan
    lines: list[str] = []
    prepare_data(plan, echo=lines.append)
    assert lines == [f"node {c}: reusing {plan.node_dir(c)}" for c in plan.countries]


def _free_run(n: int) -> int:
    """A port ``p`` with ``p .. p+n-1`` all free (the demo uses consecutive ports)."""
    for _ in range(50):
        base = free_port()
        if base + n < 65000 and not any(port_in_use(base + i) for i in range(n)):
            return base
    raise RuntimeError("no run of free ports")


def test_cli_demo_runs_until_sigterm_and_stops_everything(real_network: DemoNetwork) -> None:
    plan = real_network.plan
    port = _free_run(len(plan.countries) + 1)
    argv = [
        *CLI,
        "demo",
        "--dir",
        str(plan.root),
        "--countries",
        ",".join(plan.countries),
        "-n",
        str(plan.individuals),
        "--seed",
        str(plan.seed),
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(lines)
        assert "Press Ctrl-C" in output, output
        assert "reusing" in output  # the second run did not synthesise or ingest again
        assert f"http://127.0.0.1:{port}/api" in output
        assert "network total" in output
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, rest
    assert "stopped." in rest
    assert not any(port_in_use(port + i) for i in range(len(plan.countries) + 1))

"""DCAT-AP over real processes: the demo's node processes serve their catalogues over HTTP, the
hub process harvests them at start-up and serves the merge, and ``onemg hub harvest`` harvests
on demand into the running hub's folder. Expectations come from the demo plan (countries,
individuals per country), not from onemg's output."""

from __future__ import annotations

import time

import httpx
import pyshacl
from rdflib import Graph, URIRef
from typer.testing import CliRunner

from onemg.cli import build_app
from onemg.dcat.shapes import dcat_ap_shapes
from onemg.dcat.vocab import DCAT, DCT, HEALTH
from onemg.demo.demo import DemoNetwork, write_hub_config

ALPHA3 = {"FI": "FIN", "EE": "EST"}


def turtle(url: str) -> Graph:
    r = httpx.get(url, headers={"Accept": "text/turtle"}, timeout=60, trust_env=False)
    assert r.status_code == 200, r.text
    return Graph().parse(data=r.content, format="turtle")


def conforms(graph: Graph) -> None:
    ok, _, text = pyshacl.validate(graph, shacl_graph=dcat_ap_shapes(), inference="none")
    assert ok, text


def test_node_processes_serve_valid_catalogues(real_network: DemoNetwork) -> None:
    plan = real_network.plan
    for country in plan.countries:
        base = plan.node_url(country)
        graph = turtle(f"{base}/api/catalogue")
        conforms(graph)
        datasets = list(graph.objects(URIRef(f"{base}/api/catalogue"), DCAT.dataset))
        assert len(datasets) == 1
        ds = datasets[0]
        assert int(graph.value(ds, HEALTH.numberOfUniqueIndividuals)) == plan.individuals
        assert str(graph.value(ds, DCT.spatial)).endswith(f"/country/{ALPHA3[country]}")


def test_hub_process_harvests_and_serves_the_merge(real_network: DemoNetwork) -> None:
    plan = real_network.plan
    deadline = time.monotonic() + 120
    while True:  # the hub harvests at start-up, in the background
        rows = httpx.get(f"{plan.hub_url}/api/catalogue/harvest", trust_env=False).json()
        if all(row["ok"] for row in rows["members"]):
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.5)
    graph = turtle(f"{plan.hub_url}/api/catalogue")
    conforms(graph)
    hub = URIRef(f"{plan.hub_url}/api/catalogue")
    spatial = {str(graph.value(d, DCT.spatial))[-3:] for d in graph.objects(hub, DCAT.dataset)}
    assert spatial == {ALPHA3[c] for c in plan.countries}


def test_harvest_command_writes_the_running_hubs_copies(real_network: DemoNetwork) -> None:
    plan = real_network.plan
    config = write_hub_config(plan)
    result = CliRunner().invoke(build_app(), ["hub", "harvest", "--config", str(config)])
    assert result.exit_code == 0, result.output
    for country in plan.countries:
        assert f"{country.lower()}: 1 datasets harvested" in result.output
        assert (plan.root / "hub" / "catalogue" / f"{country.lower()}.ttl").is_file()
    rows = httpx.get(f"{plan.hub_url}/api/catalogue/harvest", trust_env=False).json()
    assert all(row["ok"] for row in rows["members"])


def test_harvest_command_refuses_a_directory_that_is_not_a_hub(real_network: DemoNetwork) -> None:
    """A typo in --data-dir must not fill a node's (or any) directory with catalogue copies."""
    plan = real_network.plan
    config = write_hub_config(plan)
    node_dir = plan.node_dir(plan.countries[0])
    args = ["hub", "harvest", "--config", str(config), "--data-dir", str(node_dir)]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code != 0
    assert "node" in str(result.exception) or "node" in result.output
    assert not (node_dir / "catalogue").exists()

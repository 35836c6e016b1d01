"""The hub harvests real nodes' catalogues (node apps in-process over real ingested data, reached
through the hub's own HTTP client), keeps the last good copy when a member fails, and serves the
merged catalogue, which validates against the DCAT-AP 3.0.1 shapes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic

from onemg.dcat.harvest import HarvestError, parse_member_catalogue
from onemg.dcat.vocab import DCAT, DCT, FOAF
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import BeaconSettings, CatalogueSettings, Settings
from onemg.web.hub_app import create_hub_app
from tests.dcat.conftest import node_app, shacl_report


class Members(httpx.AsyncBaseTransport):
    """Routes the hub's requests to in-process node apps by host; a host in ``down`` refuses
    connections, and one in ``broken`` answers 500 (a member failing in two ways)."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {h: httpx.ASGITransport(app=a) for h, a in apps.items()}
        self.down: set[str] = set()
        self.broken: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if host in self.broken:
            return httpx.Response(500, text="internal error")
        return await self.transports[host].handle_async_request(request)


@contextlib.asynccontextmanager
async def network(
    node_dir: Path, other_dir: Path, data_dir: Path, interval_s: float = 3600.0
) -> AsyncIterator[tuple[httpx.AsyncClient, Members, FastAPI]]:
    """Two real nodes (fi: ds-fi + ds-ee, pt: ds-open) and a hub over them, all in-process."""
    nodes = {
        "fi.node": node_app(node_dir, "http://fi.node/"),
        "pt.node": node_app(other_dir, "http://pt.node/"),
    }
    members = Members(nodes)
    config = NetworkConfig(
        members=(
            MemberConfig(id="fi", base_url="http://fi.node/api", country="FI"),
            MemberConfig(id="pt", base_url="http://pt.node/api", country="PT"),
        )
    )
    settings = Settings(
        data_dir=data_dir,
        beacon=BeaconSettings(beacon_id="eu.onemg.test-hub", name="test network"),
        catalogue=CatalogueSettings(harvest_interval_s=interval_s),
    )
    hub = create_hub_app(settings, config, transport=members, refresh_on_start=False)
    async with contextlib.AsyncExitStack() as stack:
        for app in nodes.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        await stack.enter_async_context(hub.router.lifespan_context(hub))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=hub), base_url="http://hub")
        )
        yield client, members, hub


async def harvest_status(client: httpx.AsyncClient) -> dict[str, dict]:
    r = await client.get("/api/catalogue/harvest")
    assert r.status_code == 200
    return {row["member"]: row for row in r.json()["members"]}


async def wait_harvested(client: httpx.AsyncClient, timeout_s: float = 60.0) -> dict:
    """Until the scheduled harvest has a result for every member."""
    async with asyncio.timeout(timeout_s):
        while True:
            status = await harvest_status(client)
            if all(row["attempted_at"] for row in status.values()):
                return status
            await asyncio.sleep(0.2)


async def merged(client: httpx.AsyncClient, accept: str = "text/turtle") -> Graph:
    r = await client.get("/api/catalogue", headers={"Accept": accept})
    assert r.status_code == 200
    fmt = "turtle" if r.headers["content-type"].startswith("text/turtle") else "json-ld"
    return Graph().parse(data=r.content, format=fmt)


def dataset_ids(graph: Graph) -> set[str]:
    hub = URIRef("http://hub/api/catalogue")
    return {str(graph.value(d, DCT.identifier)) for d in graph.objects(hub, DCAT.dataset)}


async def test_hub_harvests_every_member_and_the_merge_validates(
    node_dir: Path,
    open_node_dir: Path,
    tmp_path: Path,
) -> None:
    async with network(node_dir, open_node_dir, tmp_path) as (client, _, _):
        status = await wait_harvested(client)  # the schedule's first run, at start-up
        assert {m: s["ok"] for m, s in status.items()} == {"fi": True, "pt": True}
        assert {m: s["datasets"] for m, s in status.items()} == {"fi": 2, "pt": 1}
        graph = await merged(client)
        conforms, report = shacl_report(graph)
        assert conforms, report
        assert dataset_ids(graph) == {"ds-fi", "ds-ee", "ds-open"}
        hub = URIRef("http://hub/api/catalogue")
        assert set(graph.objects(hub, DCAT.catalog)) == {
            URIRef("http://fi.node/api/catalogue"),
            URIRef("http://pt.node/api/catalogue"),
        }
        # one catalogue record per member, about that member's catalogue
        topics = {graph.value(r, FOAF.primaryTopic) for r in graph.objects(hub, DCAT.record)}
        assert topics == set(graph.objects(hub, DCAT.catalog))
        # the member's own DataServices survive the merge
        assert URIRef("http://pt.node/api") in set(graph.subjects(RDF.type, DCAT.DataService))
        assert isomorphic(graph, await merged(client, "application/ld+json"))
        assert (tmp_path / "catalogue" / "fi.ttl").is_file()


async def test_failing_member_keeps_its_last_good_copy(
    node_dir: Path,
    open_node_dir: Path,
    tmp_path: Path,
) -> None:
    async with network(node_dir, open_node_dir, tmp_path) as (client, members, hub):
        first = await wait_harvested(client)
        harvester = hub.state.catalogue_harvester
        before = (tmp_path / "catalogue" / "pt.ttl").read_bytes()
        async with httpx.AsyncClient(transport=members) as http:
            for failure in ("down", "broken"):
                getattr(members, failure).add("pt.node")
                results = {r.member: r for r in await harvester.harvest(http)}
                getattr(members, failure).discard("pt.node")
                assert results["fi"].ok
                assert not results["pt"].ok
                assert results["pt"].harvested_at == first["pt"]["harvested_at"]
                assert ("500" in results["pt"].error) == (failure == "broken")
                status = await harvest_status(client)
                assert status["pt"]["ok"] is False
                assert status["pt"]["harvested_at"] == first["pt"]["harvested_at"]
                assert "pt.node" not in (status["pt"]["error"] or "")  # no internals leak
                graph = await merged(client)
                assert dataset_ids(graph) == {"ds-fi", "ds-ee", "ds-open"}
                assert shacl_report(graph)[0]
                assert (tmp_path / "catalogue" / "pt.ttl").read_bytes() == before
            # back up: the next harvest succeeds again
            results = {r.member: r for r in await harvester.harvest(http)}
            assert results["pt"].ok


async def test_a_member_that_never_answered_is_left_out(
    node_dir: Path,
    open_node_dir: Path,
    tmp_path: Path,
) -> None:
    async with network(node_dir, open_node_dir, tmp_path, interval_s=0.2) as (client, m, _):
        m.down.add("pt.node")
        await asyncio.sleep(0.5)  # at least one scheduled run with pt down
        status = await wait_harvested(client)
        assert status["pt"]["ok"] is False
        assert status["pt"]["harvested_at"] is None
        graph = await merged(client)
        assert dataset_ids(graph) == {"ds-fi", "ds-ee"}
        assert shacl_report(graph)[0]
        m.down.clear()  # the schedule picks pt up on its next run
        async with asyncio.timeout(30):
            while not (await harvest_status(client))["pt"]["ok"]:
                await asyncio.sleep(0.2)
        assert dataset_ids(await merged(client)) == {"ds-fi", "ds-ee", "ds-open"}


async def test_invalid_member_catalogues_are_refused(node_client: httpx.AsyncClient) -> None:
    r = await node_client.get("/api/catalogue", headers={"Accept": "text/turtle"})
    good = parse_member_catalogue(r.content, "text/turtle")
    assert len(set(good.subjects(RDF.type, DCAT.Dataset))) == 2
    with pytest.raises(HarvestError, match="not parseable"):
        parse_member_catalogue(b"<html>oops", "text/turtle")
    with pytest.raises(HarvestError, match="one dcat:Catalog, found 0"):
        parse_member_catalogue(b"<a:x> <a:y> <a:z> .", "text/turtle")
    broken = Graph().parse(data=r.content, format="turtle")
    broken.remove((URIRef("http://node/api/catalogue"), DCT.publisher, None))
    with pytest.raises(HarvestError, match="does not conform to DCAT-AP 3.0.1"):
        parse_member_catalogue(broken.serialize(format="turtle").encode(), "text/turtle")

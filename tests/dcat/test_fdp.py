"""The node's FAIR Data Point (FDP v1.2): a harvester can walk from /fdp to every distribution,
each resource validates against its profile's SHACL shapes, and the /valid views say so."""

from __future__ import annotations

import httpx
from rdflib import RDF, Graph, URIRef

from onemg.dcat.fdp import fdp_shapes
from onemg.dcat.vocab import DCAT, DCT, FDP, LDP, PROF
from tests.dcat.conftest import shacl_report

BASE = "http://node"


async def get_graph(client: httpx.AsyncClient, iri: str, accept: str = "text/turtle") -> Graph:
    assert iri.startswith(BASE), iri
    r = await client.get(iri.removeprefix(BASE), headers={"Accept": accept})
    assert r.status_code == 200, (iri, r.text)
    fmt = "turtle" if accept == "text/turtle" else "json-ld"
    return Graph().parse(data=r.content, format=fmt)


async def test_harvester_walk_from_the_repository(node_client: httpx.AsyncClient) -> None:
    """Follow the links as an FDP harvester does, validating every resource on the way."""
    root = URIRef(f"{BASE}/fdp")
    g = await get_graph(node_client, str(root), "application/ld+json")
    assert (root, RDF.type, FDP.FAIRDataPoint) in g
    assert str(g.value(root, FDP.conformsToFdpSpec)).endswith("fdp-specs-v1.2.html")
    seen = {"catalog": 0, "dataset": 0, "distribution": 0}
    catalogues = list(g.objects(root, FDP.metadataCatalog))
    assert catalogues == [URIRef(f"{BASE}/fdp/catalog/node")]
    for resource_graph in [g]:
        assert shacl_report(resource_graph, fdp_shapes())[0]
    for cat in catalogues:
        cg = await get_graph(node_client, str(cat))
        assert (cat, RDF.type, DCAT.Catalog) in cg
        assert cg.value(cat, DCT.isPartOf) == root
        conforms, report = shacl_report(cg, fdp_shapes())
        assert conforms, report
        seen["catalog"] += 1
        for ds in cg.objects(cat, DCAT.dataset):
            dg = await get_graph(node_client, str(ds))
            assert dg.value(ds, DCT.isPartOf) == cat
            conforms, report = shacl_report(dg, fdp_shapes())
            assert conforms, report
            seen["dataset"] += 1
            for dist in dg.objects(ds, DCAT.distribution):
                xg = await get_graph(node_client, str(dist))
                assert (dist, RDF.type, DCAT.Distribution) in xg
                assert xg.value(dist, DCT.isPartOf) == ds
                conforms, report = shacl_report(xg, fdp_shapes())
                assert conforms, report
                seen["distribution"] += 1
    assert seen == {"catalog": 1, "dataset": 2, "distribution": 4}


async def test_container_profiles_and_shapes(node_client: httpx.AsyncClient) -> None:
    g = await get_graph(node_client, f"{BASE}/fdp/catalog")
    container = URIRef(f"{BASE}/fdp/catalog")
    assert (container, RDF.type, LDP.DirectContainer) in g
    assert set(g.objects(container, LDP.contains)) == {URIRef(f"{BASE}/fdp/catalog/node")}
    g = await get_graph(node_client, f"{BASE}/fdp/dataset/ds-fi")
    profiles = {
        o
        for o in g.objects(URIRef(f"{BASE}/fdp/dataset/ds-fi"), DCT.conformsTo)
        if str(o).startswith(f"{BASE}/fdp/profile/")
    }
    assert profiles == {URIRef(f"{BASE}/fdp/profile/dataset")}
    pg = await get_graph(node_client, f"{BASE}/fdp/profile/dataset")
    descriptor = pg.value(URIRef(f"{BASE}/fdp/profile/dataset"), PROF.hasResource)
    artifact = pg.value(descriptor, PROF.hasArtifact)
    assert artifact == URIRef(f"{BASE}/fdp/shacl/dataset")
    shapes = await get_graph(node_client, str(artifact))
    assert len(shapes) == len(fdp_shapes())


async def test_valid_views_report_conformance(node_client: httpx.AsyncClient) -> None:
    for path in (
        "/fdp",
        "/fdp/catalog/node",
        "/fdp/dataset/ds-ee",
        "/fdp/distribution/ds-ee-htsget",
    ):
        r = await node_client.get(path + "/valid")
        assert r.status_code == 200
        assert r.headers["x-shacl-conforms"] == "true", (path, r.text)
        assert "Conforms: True" in r.text


async def test_unknown_fdp_resources_are_404(node_client: httpx.AsyncClient) -> None:
    for path in (
        "/fdp/dataset/nope",
        "/fdp/profile/nope",
        "/fdp/shacl/nope",
        "/fdp/distribution/ds-fi-ftp",
        "/fdp/dataset/nope/valid",
    ):
        r = await node_client.get(path)
        assert r.status_code == 404, path


def test_fdp_shapes_catch_missing_fdp_metadata() -> None:
    """onemg's FDP shapes fail a dataset without its profile, dates and parent."""
    g = Graph()
    ds = URIRef("http://x/fdp/dataset/a")
    g.add((ds, RDF.type, DCAT.Dataset))
    conforms, report = shacl_report(g, fdp_shapes())
    assert not conforms
    for term in ("metadataIssued", "metadataModified", "isPartOf", "conformsTo"):
        assert term in report

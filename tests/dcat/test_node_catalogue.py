"""A real node's /api/catalogue: DCAT-AP 3 that validates against the official SHACL shapes and
says what the ingested test data is (the expectations come from the test's own dataset specs)."""

from __future__ import annotations

import httpx
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from onemg.dcat import shapes
from onemg.dcat.vocab import DCAT, DCT, DPV, HEALTH, ODRL, VCARD
from tests.beacon.node_data import DatasetSpec
from tests.dcat.conftest import shacl_report

BASE = "http://node"
ALPHA3 = {"FI": "FIN", "EE": "EST"}


async def fetch(client: httpx.AsyncClient, path: str, accept: str | None = None) -> Graph:
    headers = {"Accept": accept} if accept else {}
    r = await client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    fmt = {"application/ld+json": "json-ld", "text/turtle": "turtle"}[
        r.headers["content-type"].split(";")[0]
    ]
    return Graph().parse(data=r.content, format=fmt)


async def test_default_is_json_ld_and_turtle_on_request(node_client: httpx.AsyncClient) -> None:
    r = await node_client.get("/api/catalogue")
    assert r.headers["content-type"].startswith("application/ld+json")
    assert r.headers["vary"] == "Accept"
    jsonld = Graph().parse(data=r.content, format="json-ld")
    r = await node_client.get("/api/catalogue", headers={"Accept": "text/turtle"})
    assert r.headers["content-type"].startswith("text/turtle")
    turtle = Graph().parse(data=r.content, format="turtle")
    assert len(turtle) > 100
    assert isomorphic(jsonld, turtle)
    weighted = "application/ld+json;q=0.5, text/turtle;q=0.9"
    r = await node_client.get("/api/catalogue", headers={"Accept": weighted})
    assert r.headers["content-type"].startswith("text/turtle")
    r = await node_client.get("/api/catalogue?format=ttl", headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("text/turtle")


async def test_unacceptable_format_is_406(node_client: httpx.AsyncClient) -> None:
    r = await node_client.get("/api/catalogue", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.json()["error"]["errorMessage"]  # a Beacon error under /api


async def test_validates_against_dcat_ap_3_shapes(node_client: httpx.AsyncClient) -> None:
    graph = await fetch(node_client, "/api/catalogue", "text/turtle")
    conforms, report = shacl_report(graph)
    assert conforms, report


async def test_validation_catches_a_broken_catalogue(node_client: httpx.AsyncClient) -> None:
    """The same check fails when a mandatory property or a range's class is missing."""
    graph = await fetch(node_client, "/api/catalogue")
    ds = URIRef(f"{BASE}/api/catalogue/datasets/ds-fi")
    graph.remove((ds, DCT.description, None))
    conforms, report = shacl_report(graph)
    assert not conforms
    assert "MinCountConstraintComponent" in report
    graph = await fetch(node_client, "/api/catalogue")
    graph.remove((None, RDF.type, DCT.Location))
    conforms, report = shacl_report(graph)
    assert not conforms
    assert "ClassConstraintComponent" in report


def test_only_undefined_property_references_are_dropped() -> None:
    """The shapes are used as published except 5 references that neither file defines."""
    shapes.dcat_ap_shapes()
    assert len(shapes.DANGLING) == 5
    assert all("DCAT-AP/releases/3.0.1#" in ref for ref in shapes.DANGLING)


async def test_datasets_say_what_was_ingested(
    node_client: httpx.AsyncClient, node_specs: list[DatasetSpec]
) -> None:
    graph = await fetch(node_client, "/api/catalogue")
    catalogue = URIRef(f"{BASE}/api/catalogue")
    listed = set(graph.objects(catalogue, DCAT.dataset))
    assert listed == {URIRef(f"{BASE}/api/catalogue/datasets/{s.id}") for s in node_specs}
    for spec in node_specs:
        ds = URIRef(f"{BASE}/api/catalogue/datasets/{spec.id}")
        assert graph.value(ds, DCT.identifier) == Literal(spec.id)
        assert str(graph.value(ds, DCT.title)) == f"Beacon test cohort {spec.country}"
        assert int(graph.value(ds, HEALTH.numberOfUniqueIndividuals)) == spec.n
        assert graph.value(ds, DCT.spatial) == URIRef(
            f"http://publications.europa.eu/resource/authority/country/{ALPHA3[spec.country]}"
        )
        # record tier CONTROLLED -> the EU access-right NON_PUBLIC
        assert str(graph.value(ds, DCT.accessRights)).endswith("/access-right/NON_PUBLIC")
        assert str(graph.value(ds, DCT.issued)).startswith("2026-01-01T00:00:00")
        assert graph.value(ds, DCT.modified) is not None
        assert graph.value(ds, DPV.hasLegalBasis) is not None
        assert graph.value(ds, HEALTH.healthCategory) is not None
        assert graph.value(graph.value(ds, DCAT.contactPoint), VCARD.hasEmail) is not None
        assert graph.value(ds, DCT.publisher) is not None
        assert set(graph.objects(ds, DCAT.keyword))
        conforms = {str(o) for o in graph.objects(ds, DCT.conformsTo)}
        assert {
            "https://docs.genomebeacons.org/",
            "https://samtools.github.io/hts-specs/htsget.html",
            "https://samtools.github.io/hts-specs/crypt4gh.pdf",
        } <= conforms
        # DUO: the descriptor's general research use, as an ODRL purpose constraint
        policy = graph.value(ds, ODRL.hasPolicy)
        permission = graph.value(policy, ODRL.permission)
        purposes = {
            graph.value(c, ODRL.rightOperand) for c in graph.objects(permission, ODRL.constraint)
        }
        assert purposes == {URIRef("http://purl.obolibrary.org/obo/DUO_0000042")}


async def test_services_and_distributions_resolve(node_client: httpx.AsyncClient) -> None:
    """Beacon and htsget are dcat:DataServices; every distribution's access URL answers."""
    graph = await fetch(node_client, "/api/catalogue")
    services = set(graph.subjects(RDF.type, DCAT.DataService))
    assert services == {URIRef(f"{BASE}/api"), URIRef(f"{BASE}/api/htsget/variants")}
    for service in services:
        served = {str(d).rsplit("/", 1)[1] for d in graph.objects(service, DCAT.servesDataset)}
        assert served == {"ds-fi", "ds-ee"}
    ds = URIRef(f"{BASE}/api/catalogue/datasets/ds-fi")
    kinds = {}
    for dist in graph.objects(ds, DCAT.distribution):
        kinds[graph.value(dist, DCAT.accessService)] = str(graph.value(dist, DCAT.accessURL))
    assert set(kinds) == services
    r = await node_client.get(kinds[URIRef(f"{BASE}/api")].removeprefix(BASE))
    assert r.status_code == 200
    assert r.json()["response"]["collections"][0]["id"] == "ds-fi"
    # htsget needs a visa for a CONTROLLED dataset: the URL exists and refuses the anonymous
    r = await node_client.get(kinds[URIRef(f"{BASE}/api/htsget/variants")].removeprefix(BASE))
    assert r.status_code in (401, 403)
    r = await node_client.get("/api/htsget/variants/service-info")
    assert r.status_code == 200


async def test_one_dataset_resource(node_client: httpx.AsyncClient) -> None:
    graph = await fetch(node_client, "/api/catalogue/datasets/ds-ee", "text/turtle")
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {
        URIRef(f"{BASE}/api/catalogue/datasets/ds-ee")
    }
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) == 2
    conforms, report = shacl_report(graph)
    assert conforms, report
    r = await node_client.get("/api/catalogue/datasets/nope")
    assert r.status_code == 404
    assert "GET /api/catalogue" in r.text


async def test_public_url_mints_the_iris(node_dir) -> None:
    """IRIs start with the node's ``[access] public_url`` (a node behind a proxy), never with the
    Host header a client sent; the contact point comes from ``[catalogue]``."""
    import dataclasses

    from onemg.settings import CatalogueSettings
    from onemg.web.node_app import create_node_app
    from tests.beacon.conftest import node_settings, serve

    settings = node_settings(node_dir)
    settings = settings.replace(
        access=dataclasses.replace(settings.access, public_url="https://fi.node.example/"),
        catalogue=CatalogueSettings(contact_email="dac@fi.example"),
    )
    async with serve(create_node_app(settings)) as client:
        graph = await fetch(client, "/api/catalogue")
    assert (URIRef("https://fi.node.example/api/catalogue"), RDF.type, DCAT.Catalog) in graph
    assert not any("//node" in str(s) for s in graph.subjects())
    assert URIRef("mailto:dac@fi.example") in set(graph.objects(None, VCARD.hasEmail))

"""Descriptor fields for the catalogue: a real ingest publishes them, and malformed ones are an
ingest error naming the file and field (nothing is stored)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from onemg.dcat.vocab import DCAT, DCT, DPV, FOAF, HEALTH, VCARD
from onemg.errors import InvalidInputError
from onemg.ingest import ingest, resolve_inputs
from tests.beacon.conftest import serve
from tests.beacon.node_data import DatasetSpec, write_source
from tests.dcat.conftest import node_app, shacl_report

CUSTOM = {
    "keywords": ["cystic fibrosis", "newborn screening"],
    "publisher": {"name": "Estonian Biobank", "url": "https://genomics.ut.ee/"},
    "contact": {"name": "EGCUT access committee", "email": "access@biobank.example"},
    "healthCategory": "http://example.org/healthcategories/RARE",
    "legalBasis": "https://w3id.org/dpv/legal/eu/gdpr#A6-1-a",
}


def source_with(spec: DatasetSpec, folder: Path, **fields: object) -> Path:
    src = write_source(spec, folder)
    desc = json.loads((src / "dataset.json").read_text())
    (src / "dataset.json").write_text(json.dumps({**desc, **fields}))
    return src


async def test_descriptor_fields_reach_the_catalogue(
    node_specs: list[DatasetSpec], tmp_path: Path
) -> None:
    spec = dataclasses.replace(node_specs[1], id="ds-custom")
    src = source_with(spec, tmp_path / "src", **CUSTOM)
    node = tmp_path / "node"
    ingest(
        resolve_inputs(source_dir=src), data_dir=node, database_url=f"sqlite:///{node / 'node.db'}"
    )
    async with serve(node_app(node)) as client:
        r = await client.get("/api/catalogue", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=r.content, format="turtle")
    conforms, report = shacl_report(graph)
    assert conforms, report
    ds = URIRef("http://node/api/catalogue/datasets/ds-custom")
    assert {str(k) for k in graph.objects(ds, DCAT.keyword)} == set(CUSTOM["keywords"])
    publisher = graph.value(ds, DCT.publisher)
    assert graph.value(publisher, FOAF.name) == Literal("Estonian Biobank", lang="en")
    contact = graph.value(ds, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:access@biobank.example")
    assert graph.value(ds, HEALTH.healthCategory) == URIRef(CUSTOM["healthCategory"])
    assert graph.value(ds, DPV.hasLegalBasis) == URIRef(CUSTOM["legalBasis"])
    # the node's own publisher still publishes the catalogue
    catalogue_publisher = graph.value(URIRef("http://node/api/catalogue"), DCT.publisher)
    assert catalogue_publisher != publisher


async def test_running_node_publishes_a_new_dataset(
    node_specs: list[DatasetSpec], tmp_path: Path
) -> None:
    """Live figures: a dataset ingested while the node runs appears in its catalogue."""
    node = tmp_path / "node"
    db = f"sqlite:///{node / 'node.db'}"
    first = dataclasses.replace(node_specs[1], id="ds-one")
    ingest(
        resolve_inputs(source_dir=write_source(first, tmp_path / "one")),
        data_dir=node,
        database_url=db,
    )
    async with serve(node_app(node)) as client:

        async def listed() -> dict[str, int]:
            r = await client.get("/api/catalogue", headers={"Accept": "text/turtle"})
            g = Graph().parse(data=r.content, format="turtle")
            return {
                str(g.value(d, DCT.identifier)): int(g.value(d, HEALTH.numberOfUniqueIndividuals))
                for d in g.objects(URIRef("http://node/api/catalogue"), DCAT.dataset)
            }

        assert await listed() == {"ds-one": first.n}
        second = dataclasses.replace(node_specs[0], id="ds-two")
        ingest(
            resolve_inputs(source_dir=write_source(second, tmp_path / "two")),
            data_dir=node,
            database_url=db,
        )
        async with asyncio.timeout(30):
            while len(found := await listed()) < 2:
                await asyncio.sleep(0.5)
        assert found == {"ds-one": first.n, "ds-two": second.n}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("keywords", "genomics"),
        ("keywords", ["ok", ""]),
        ("publisher", {"url": "https://x.example/"}),
        ("publisher", {"name": "X", "url": "ftp://x"}),
        ("contact", {"name": "DAC"}),
        ("contact", {"email": "not-an-address"}),
        ("healthCategory", "HGPD"),
        ("legalBasis", 42),
    ],
)
def test_malformed_fields_are_ingest_errors(
    node_specs: list[DatasetSpec], tmp_path: Path, field: str, value: object
) -> None:
    src = source_with(node_specs[1], tmp_path / "src", **{field: value})
    with pytest.raises(InvalidInputError) as err:
        resolve_inputs(source_dir=src)
    assert str(src / "dataset.json") in str(err.value)
    assert f"`{field}" in str(err.value)

"""Fixtures for the catalogue tests: the Beacon tests' real ingested node, and SHACL checks."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pyshacl
import pytest
from fastapi import FastAPI
from rdflib import Graph

from onemg.dcat.shapes import dcat_ap_shapes
from onemg.web.node_app import create_node_app
from tests.beacon.conftest import (  # noqa: F401 (fixtures shared with the Beacon tests)
    node_dir,
    node_settings,
    node_specs,
    open_node_dir,
    serve,
)


def shacl_report(graph: Graph, shapes: Graph | None = None) -> tuple[bool, str]:
    """pyshacl's verdict on ``graph`` against the official DCAT-AP 3.0.1 shapes + ranges."""
    conforms, _, text = pyshacl.validate(
        graph, shacl_graph=shapes if shapes is not None else dcat_ap_shapes(), inference="none"
    )
    return bool(conforms), str(text)


def node_app(node: Path, public_url: str = "http://node/") -> FastAPI:
    """A node app over a real node directory, publicly at ``public_url`` (the IRIs' base)."""
    settings = node_settings(node)
    access = dataclasses.replace(settings.access, public_url=public_url)
    return create_node_app(settings.replace(access=access))


@pytest.fixture(scope="session")
def catalogue_app(node_dir) -> FastAPI:  # noqa: F811
    """A node app over the real ingested node (ds-fi, ds-ee), at http://node/."""
    return node_app(node_dir)


@pytest.fixture
async def node_client(catalogue_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of that node (base URL http://node)."""
    async with serve(catalogue_app) as client:
        yield client

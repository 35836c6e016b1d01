"""The node's catalogue over HTTP: ``/api/catalogue`` and one resource per dataset.

The graph is built from the node's published datasets (``app.state.store``, which follows
re-ingests) and cached per (base URL, published versions, format), so a new version shows up
on the next request and repeated harvests cost one dictionary lookup.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request, Response
from rdflib import Graph

from onemg.dcat.build import CATALOGUE_PATH, dataset_iri, dataset_subgraph, node_catalogue
from onemg.dcat.formats import negotiate, not_acceptable, rdf_response
from onemg.errors import NotFoundError

_CACHE_SIZE = 16


class NodeCatalogue:
    """Builds (and caches) the node's catalogue graph for a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._graphs: OrderedDict[tuple[Any, ...], Graph] = OrderedDict()

    def graph(self, request: Request) -> Graph:
        """The catalogue as of now, with IRIs under the configured or the request's base URL."""
        app = request.app
        settings = app.state.settings
        store = app.state.store
        store.refresh_if_stale()
        infos = [h.info for h in store.datasets()]
        base = base_url(request)
        key = (base, tuple((i.id, i.version, i.n_individuals) for i in infos))
        with self._lock:
            if key in self._graphs:
                self._graphs.move_to_end(key)
                return self._graphs[key]
        graph = node_catalogue(settings, infos, base)
        with self._lock:
            self._graphs[key] = graph
            while len(self._graphs) > _CACHE_SIZE:
                self._graphs.popitem(last=False)
        return graph


def base_url(request: Request) -> str:
    """The node's public base URL: ``[catalogue] base_url`` or the request's own."""
    configured = request.app.state.settings.catalogue.base_url
    return (configured or str(request.base_url)).rstrip("/")


def build_router(catalogue: NodeCatalogue) -> APIRouter:
    """``GET /api/catalogue`` and ``GET /api/catalogue/datasets/{id}`` (JSON-LD or Turtle)."""
    router = APIRouter(tags=["catalogue"])

    @router.get(CATALOGUE_PATH, summary="The node's datasets as DCAT-AP 3 (JSON-LD or Turtle)")
    def get_catalogue(request: Request, format: str | None = None) -> Response:
        fmt = negotiate(request.headers.get("accept"), format)
        if fmt is None:
            return not_acceptable(CATALOGUE_PATH)
        return rdf_response(catalogue.graph(request), fmt)

    @router.get(
        CATALOGUE_PATH + "/datasets/{dataset_id}",
        summary="One dataset of the catalogue (DCAT-AP 3, JSON-LD or Turtle)",
    )
    def get_dataset(request: Request, dataset_id: str, format: str | None = None) -> Response:
        fmt = negotiate(request.headers.get("accept"), format)
        if fmt is None:
            return not_acceptable(CATALOGUE_PATH + "/datasets/{id}")
        graph = catalogue.graph(request)
        sub = dataset_subgraph(graph, dataset_iri(base_url(request), dataset_id))
        if len(sub) == 0:
            raise NotFoundError(
                f"dataset {dataset_id!r} is not in this node's catalogue; "
                f"GET {CATALOGUE_PATH} lists the published datasets"
            )
        return rdf_response(sub, fmt)

    return router

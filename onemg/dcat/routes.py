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
from onemg.dcat.formats import (
    RDF_RESPONSES,
    RdfFormat,
    negotiate,
    not_acceptable,
    rdf_response,
    serialise,
)
from onemg.errors import NotFoundError

_CACHE_SIZE = 16


class NodeCatalogue:
    """Builds (and caches) the node's catalogue graph, and its serialisations, for a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._graphs: OrderedDict[tuple[Any, ...], Graph] = OrderedDict()
        self._bytes: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()

    def _key(self, request: Request) -> tuple[tuple[Any, ...], list[Any]]:
        store = request.app.state.store
        store.refresh_if_stale()
        infos = [h.info for h in store.datasets()]
        key = (base_url(request), tuple((i.id, i.version, i.n_individuals) for i in infos))
        return key, infos

    def graph(self, request: Request) -> Graph:
        """The catalogue as of now, with IRIs under the configured or the request's base URL."""
        key, infos = self._key(request)
        with self._lock:
            if key in self._graphs:
                self._graphs.move_to_end(key)
                return self._graphs[key]
        graph = node_catalogue(request.app.state.settings, infos, key[0])
        with self._lock:
            _remember(self._graphs, key, graph)
        return graph

    def rendered(self, request: Request, fmt: RdfFormat) -> bytes:
        """The whole catalogue serialised in ``fmt`` (cached: harvesters ask again and again)."""
        key = (*self._key(request)[0], fmt.media_type)
        with self._lock:
            if key in self._bytes:
                self._bytes.move_to_end(key)
                return self._bytes[key]
        data = serialise(self.graph(request), fmt)
        with self._lock:
            _remember(self._bytes, key, data)
        return data


def _remember(cache: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def base_url(request: Request) -> str:
    """The node's public base URL: the request's, which the app's ``PublicOrigin`` middleware
    sets from ``[access] public_url`` (never the client's ``Host``)."""
    return str(request.base_url).rstrip("/")


def build_router(catalogue: NodeCatalogue) -> APIRouter:
    """``GET /api/catalogue`` and ``GET /api/catalogue/datasets/{id}`` (JSON-LD or Turtle)."""
    router = APIRouter(tags=["catalogue"])

    @router.get(
        CATALOGUE_PATH,
        response_class=Response,
        responses=RDF_RESPONSES,
        summary="The node's datasets as DCAT-AP 3 (JSON-LD or Turtle)",
    )
    def get_catalogue(request: Request, format: str | None = None) -> Response:
        fmt = negotiate(request.headers.get("accept"), format)
        if fmt is None:
            return not_acceptable(CATALOGUE_PATH)
        return Response(
            catalogue.rendered(request, fmt), media_type=fmt.media_type, headers={"Vary": "Accept"}
        )

    @router.get(
        CATALOGUE_PATH + "/datasets/{dataset_id}",
        response_class=Response,
        responses=RDF_RESPONSES,
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

"""HTTP routes of the Beacon v2 API (mounted under ``/api``): parse, call the service, return.

Every entry path exists as GET (query string) and POST (``beaconRequestBody``). Bodies are
serialised with orjson. Count and boolean answers run on the event loop (microseconds of numpy
over memory-mapped indexes and cached filter sets); record answers and first-time filter
resolutions, which touch SQL, run in the thread pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from onemg.beacon import framework, service
from onemg.beacon.service import Source
from onemg.errors import AccessDeniedError, AuthenticationError
from onemg.protocol.request import (
    BeaconRequest,
    BeaconRequestBody,
    from_body,
    from_query_string,
)
from onemg.protocol.vocabulary import BY_PATH, ENTRY_TYPES, EntryType
from onemg.security import Principal, caller_audits_refusal


class BeaconJSON(Response):
    """A JSON response rendered by orjson (numpy scalars allowed)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)
        except TypeError:
            # Echoed client values orjson refuses (integers beyond 64 bits): slow path.
            return json.dumps(content, default=str, separators=(",", ":")).encode()


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/api"


async def principal_of(request: Request) -> Principal:
    """Verify the ``Authorization: Bearer`` token (no token: anonymous; bad token: 401)."""
    header = request.headers.get("authorization")
    token = None
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationError("Authorization header must be 'Bearer <passport JWT>'")
        token = value.strip()
    # The route records the refusal itself, with the request's scope (one entry per request).
    mark = caller_audits_refusal.set(True)
    try:
        return await request.app.state.verifier.verify(token)
    finally:
        caller_audits_refusal.reset(mark)


#: GET query parameters, documented in the OpenAPI document. They are read straight from the
#: query string (one pass in :func:`from_query_string`) rather than declared as FastAPI
#: parameters: per-parameter dependency solving cost more than the whole count query.
_GET_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("referenceName", "string", "1..22, X, Y, MT, chr7, NC_000007.14, refseq:NC_000007.14"),
    ("start", "string", "0-based start, or min,max for a bracket query"),
    ("end", "string", "0-based exclusive end, or min,max for a bracket query"),
    ("referenceBases", "string", "reference allele"),
    ("alternateBases", "string", "alternate allele (N = any base)"),
    ("variantType", "string", "SNP, MNP, INS, DEL, DUP, INDEL or an SO/EFO id"),
    ("assemblyId", "string", "GRCh38 (hg38, GCF_000001405.26+)"),
    ("geneId", "string", "HGNC symbol"),
    ("genomicAlleleShortForm", "string", "HGVS g., e.g. 7:g.5227002T>A"),
    ("variantMinLength", "string", "minimal variant length"),
    ("variantMaxLength", "string", "maximal variant length"),
    ("filters", "string", "CURIEs or id<op>value, comma-separated; may repeat"),
    ("requestedGranularity", "string", "boolean, count or record"),
    ("includeResultsetResponses", "string", "ALL, HIT, MISS or NONE"),
    ("skip", "string", "pages to skip"),
    ("limit", "string", "page size; 0 = largest allowed"),
    ("datasetIds", "string", "comma-separated dataset ids"),
    ("testMode", "string", "true or false"),
)
GET_OPENAPI: dict[str, Any] = {"parameters": [
    {"name": name, "in": "query", "required": False, "schema": {"type": kind},
     "description": text} for name, kind, text in _GET_PARAMETERS]}


async def get_request(request: Request) -> BeaconRequest:
    """GET query string -> :class:`BeaconRequest`."""
    max_page = request.app.state.settings.beacon.max_page_size
    params = request.query_params
    return from_query_string(params, params.getlist("filters"), max_page=max_page)


async def post_request(
    request: Request, body: Annotated[BeaconRequestBody | None, Body()] = None
) -> BeaconRequest:
    """POST body -> :class:`BeaconRequest`."""
    return from_body(body, max_page=request.app.state.settings.beacon.max_page_size)


async def _answer(request: Request, breq: BeaconRequest, target: EntryType,
                  source: Source | None) -> Response:
    state = request.app.state
    state.store.refresh_if_stale()  # a re-ingest publishes new versions under a running node
    origin = request.client.host if request.client else None
    try:
        principal = await principal_of(request)
    except (AuthenticationError, AccessDeniedError) as exc:
        status = 401 if isinstance(exc, AuthenticationError) else 403
        service.audit_refusal(state.store, breq, target, source, audit=state.audit,
                              status=status, origin=origin, why=str(exc))
        raise

    def call() -> dict[str, Any]:
        return service.answer(state.store, breq, target, principal,
                              settings=state.settings.beacon, audit=state.audit,
                              privacy=getattr(state, "privacy", None), source=source,
                              origin=origin)

    # Every decision is audited, but the node's sink only queues it in memory (no SQL here);
    # authenticated requests (passport checks may touch SQL) go to the thread pool.
    cheap = breq.granularity != "record" and state.store.filters_cached(breq.filters) \
        and not target.collection and not principal.authenticated
    body = call() if cheap else await run_in_threadpool(call)
    return BeaconJSON(body)


def _entry_handlers(target: EntryType, source_path: str | None
                    ) -> tuple[Callable[..., Any], Callable[..., Any]]:
    if source_path is None:
        async def get_root(request: Request) -> Response:
            # Parsed here rather than as a dependency: dependency solving is per-request cost.
            return await _answer(request, await get_request(request), target, None)

        async def post_root(request: Request,
                            breq: Annotated[BeaconRequest, Depends(post_request)]) -> Response:
            return await _answer(request, breq, target, None)

        return get_root, post_root

    async def get(request: Request, id: str) -> Response:  # noqa: A002
        return await _answer(request, await get_request(request), target,
                             Source(source_path, id))

    async def post(request: Request, breq: Annotated[BeaconRequest, Depends(post_request)],
                   id: str) -> Response:  # noqa: A002
        return await _answer(request, breq, target, Source(source_path, id))

    return get, post


async def _terms(request: Request, *, dataset_id: str | None = None,
                 cohort_id: str | None = None) -> Response:
    state = request.app.state
    state.store.refresh_if_stale()
    terms = await run_in_threadpool(service.filtering_terms, state.store,
                                    dataset_id=dataset_id, cohort_id=cohort_id)
    return BeaconJSON(framework.filtering_terms_response(state.settings.beacon, terms))


def _document(make: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
    async def handler(request: Request) -> Response:
        return BeaconJSON(make(request.app.state.settings.beacon, _base_url(request)))
    return handler


def _both(router: APIRouter, path: str, handler: Callable[..., Any], op: str,
          **kwargs: Any) -> None:
    for method in ("GET", "POST"):
        router.add_api_route(path, handler, methods=[method],
                             operation_id=f"{method.lower()}_{op}", **kwargs)


def build_router() -> APIRouter:
    """The ``/api`` router: framework endpoints, entry types and their cross-entry paths."""
    router = APIRouter(prefix="/api", default_response_class=BeaconJSON)
    info_tags = ["framework"]

    async def info(request: Request) -> Response:
        s = request.app.state.settings.beacon
        return BeaconJSON(framework.info_response(s, _base_url(request)))

    for path in ("", "/info"):
        _both(router, path, info, f"info{path.replace('/', '_')}", tags=info_tags,
              summary="Beacon information (beaconInfoResponse)")

    documents: dict[str, Callable[..., dict[str, Any]]] = {
        "/service-info": lambda s, u: framework.service_info(s, u),
        "/configuration": framework.configuration_response,
        "/map": framework.map_response,
        "/entry_types": framework.entry_types_response,
    }
    for path, make in documents.items():
        router.add_api_route(path, _document(make), methods=["GET"], tags=info_tags,
                             operation_id=path.strip("/").replace("-", "_"))

    async def all_terms(request: Request) -> Response:
        return await _terms(request)

    _both(router, "/filtering_terms", all_terms, "filtering_terms", tags=info_tags)
    _both(router, "/individuals/filtering_terms", all_terms, "individuals_filtering_terms",
          tags=["individuals"])

    async def dataset_terms(request: Request, id: str) -> Response:  # noqa: A002
        return await _terms(request, dataset_id=id)

    async def cohort_terms(request: Request, id: str) -> Response:  # noqa: A002
        return await _terms(request, cohort_id=id)

    _both(router, "/datasets/{id}/filtering_terms", dataset_terms, "dataset_filtering_terms",
          tags=["datasets"])
    _both(router, "/cohorts/{id}/filtering_terms", cohort_terms, "cohort_filtering_terms",
          tags=["cohorts"])

    for entry in ENTRY_TYPES:
        routes = [(f"/{entry.path}", entry, None), (f"/{entry.path}/{{id}}", entry, entry.path)]
        routes += [(f"/{entry.path}/{{id}}/{other}", BY_PATH[other], entry.path)
                   for other in entry.lookups]
        for path, target, source in routes:
            get, post = _entry_handlers(target, source)
            name = path.strip("/").replace("/{id}", "_by_id").replace("/", "_")
            schema = target.schema_id
            router.add_api_route(path, get, methods=["GET"], tags=[entry.path],
                                 operation_id=f"get_{name}", openapi_extra=GET_OPENAPI,
                                 summary=f"{target.name} ({schema}) via GET")
            router.add_api_route(path, post, methods=["POST"], tags=[entry.path],
                                 operation_id=f"post_{name}",
                                 summary=f"{target.name} ({schema}) via POST")
    return router

"""A Beacon query as the hub receives it: parsed once, forwarded unchanged to every member.

The hub does not interpret variant or filter semantics (members do); it only needs the
granularity, pagination and the rest of the ``receivedRequestSummary`` it must echo, plus the
exact bytes or query string to forward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from onemg.errors import InvalidInputError, NotFoundError

API_VERSION = "v2.2.0"
Granularity = Literal["boolean", "count", "record"]
GRANULARITY_ORDER: dict[str, int] = {"boolean": 0, "count": 1, "record": 2}

#: Beacon v2 default-model entry types the hub forwards, by their path segment.
ENTRY_TYPES: dict[str, str] = {
    "individuals": "individual",
    "biosamples": "biosample",
    "g_variants": "genomicVariation",
    "analyses": "analysis",
    "runs": "run",
    "datasets": "dataset",
    "cohorts": "cohort",
}
COLLECTIONS = frozenset({"datasets", "cohorts"})

_GET_CONTROL = {
    "requestedGranularity",
    "skip",
    "limit",
    "filters",
    "includeResultsetResponses",
    "requestedSchema",
    "testMode",
}


class _Pagination(BaseModel):
    model_config = ConfigDict(extra="allow")
    skip: int = Field(0, ge=0)
    limit: int = Field(10, ge=0)


class _Query(BaseModel):
    model_config = ConfigDict(extra="allow")
    requestParameters: dict[str, Any] | list[Any] = Field(default_factory=dict)  # noqa: N815
    filters: list[Any] = Field(default_factory=list)
    includeResultsetResponses: Literal["ALL", "HIT", "MISS", "NONE"] = "HIT"  # noqa: N815
    pagination: _Pagination = Field(default_factory=_Pagination)
    requestedGranularity: Granularity = "boolean"  # noqa: N815
    testMode: bool = False  # noqa: N815


class _Meta(BaseModel):
    model_config = ConfigDict(extra="allow")
    apiVersion: str = "v2.0.0"  # noqa: N815
    requestedSchemas: list[dict[str, Any]] = Field(default_factory=list)  # noqa: N815


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")
    meta: _Meta = Field(default_factory=_Meta)
    query: _Query = Field(default_factory=_Query)


@dataclass(frozen=True)
class NetworkQuery:
    """One query to the network: where it goes and what the hub echoes back."""

    #: Path below ``/api``, e.g. ``g_variants`` or ``individuals/ID/biosamples``.
    path: str
    method: Literal["GET", "POST"]
    granularity: Granularity
    #: The ``meta.receivedRequestSummary`` the hub answers with.
    summary: dict[str, Any]
    #: GET: the query string forwarded as is. POST: the parsed body forwarded as JSON.
    query_string: str = ""
    body: dict[str, Any] | None = None
    include: str = "HIT"
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def entry_segment(self) -> str:
        """The first path segment (``g_variants``), which names the entry type."""
        return self.path.split("/", 1)[0]

    @property
    def is_collection(self) -> bool:
        """True for datasets and cohorts (answers carry ``collections``)."""
        return self.entry_segment in COLLECTIONS and "/" not in self.path


def _check_path(path: str) -> str:
    path = path.strip("/")
    if path.split("/", 1)[0] not in ENTRY_TYPES:
        raise NotFoundError(
            f"/api/{path} is not a Beacon entry endpoint of this network; query one of "
            + ", ".join(f"/api/{p}" for p in ENTRY_TYPES)
        )
    return path


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )


def from_get(path: str, params: Mapping[str, str], query_string: str) -> NetworkQuery:
    """Parse a GET query (Beacon parameters in the query string)."""
    path = _check_path(path)
    try:
        query = _Query(
            requestedGranularity=params.get("requestedGranularity", "boolean"),
            includeResultsetResponses=params.get("includeResultsetResponses", "HIT"),
            pagination=_Pagination(skip=params.get("skip", 0), limit=params.get("limit", 10)),
            filters=[f for f in params.get("filters", "").split(",") if f],
        )
    except ValidationError as exc:
        raise InvalidInputError(f"GET /api/{path}: {_errors(exc)}") from exc
    request_parameters = {k: v for k, v in params.items() if k not in _GET_CONTROL}
    summary = _summary(path, _Meta(), query, request_parameters)
    return NetworkQuery(
        path=path,
        method="GET",
        granularity=query.requestedGranularity,
        summary=summary,
        query_string=query_string,
        include=query.includeResultsetResponses,
        params=dict(params),
    )


def from_post(path: str, body: Any) -> NetworkQuery:
    """Parse a POST query (a Beacon request body)."""
    path = _check_path(path)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidInputError(
            f"POST /api/{path}: the body must be a Beacon request object like "
            '{"meta": {"apiVersion": "v2.0.0"}, "query": {...}}'
        )
    try:
        parsed = _Body.model_validate(body)
    except ValidationError as exc:
        raise InvalidInputError(f"POST /api/{path}: {_errors(exc)}") from exc
    q = parsed.query
    summary = _summary(path, parsed.meta, q, q.requestParameters)
    return NetworkQuery(
        path=path,
        method="POST",
        granularity=q.requestedGranularity,
        summary=summary,
        body=body,
        include=q.includeResultsetResponses,
    )


def _summary(path: str, meta: _Meta, query: _Query, request_parameters: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "apiVersion": meta.apiVersion,
        "requestedSchemas": meta.requestedSchemas,
        "pagination": {"skip": query.pagination.skip, "limit": query.pagination.limit},
        "requestedGranularity": query.requestedGranularity,
        "includeResultsetResponses": query.includeResultsetResponses,
        "testMode": query.testMode,
    }
    if query.filters:
        # receivedRequestSummary.filters is an array of strings: echo each filter's CURIE.
        summary["filters"] = [_filter_label(f) for f in query.filters]
    if isinstance(request_parameters, dict) and request_parameters:
        if all(isinstance(v, dict) for v in request_parameters.values()):
            summary["requestParameters"] = request_parameters
        else:
            # Flat parameters (the common GET/POST form) are echoed in the nested form the
            # schema requires: {"g_variant": {...}}.
            key = "g_variant" if path.startswith("g_variants") else ENTRY_TYPES[path.split("/")[0]]
            summary["requestParameters"] = {key: dict(request_parameters)}
    return summary


def _filter_label(item: Any) -> str:
    if isinstance(item, dict):
        label = str(item.get("id", ""))
        if "operator" in item or "value" in item:
            label += f"{item.get('operator', '=')}{item.get('value', '')}"
        return label
    return str(item)

"""Beacon requests: the POST body model, the GET parameters, and one normalised value for both.

The body follows ``framework/json/requests/beaconRequestBody.json`` but is tolerant of what is seen
in the wild (``docs/beacon.md``): ``meta`` may be missing; ``requestParameters`` may be flat or
nested under ``g_variant``; ``requestedGranularity``/``pagination`` may sit beside ``query``;
datasets may be given as ``datasets``, ``datasetIds`` or ``datasets.datasetIds``; granularities and
``includeResultsetResponses`` are case-insensitive. Everything is validated once, here, for the
node and for the hub alike (the hub forwards what it accepted unchanged to every member), so the
two accept and refuse exactly the same requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from onemg.errors import InvalidInputError
from onemg.protocol.filters import Filter, filter_summary, parse_filters
from onemg.protocol.vocabulary import API_VERSION, GRANULARITIES, INCLUDE_RESULTSETS

Granularity = Literal["boolean", "count", "record"]
IncludeSets = Literal["ALL", "HIT", "MISS", "NONE"]
#: Request parameters of ``g_variants`` queries (the rest of a query string is control or
#: other entry parameters).
VARIANT_KEYS: frozenset[str] = frozenset(
    {
        "referenceName",
        "start",
        "end",
        "referenceBases",
        "alternateBases",
        "variantType",
        "assemblyId",
        "geneId",
        "genomicAlleleShortForm",
        "variantMinLength",
        "variantMaxLength",
        "aminoacidChange",
        "mateName",
    }
)
_MAX_SKIP = 10**7
_MAX_DATASETS = 100


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class SchemaRef(BaseModel):
    """One item of ``meta.requestedSchemas``."""

    model_config = ConfigDict(extra="allow")
    entityType: str | None = None  # noqa: N815 - Beacon field names
    schema_: str | None = Field(default=None, alias="schema")


class RequestMeta(BaseModel):
    """``meta`` of a request body."""

    model_config = ConfigDict(extra="allow")
    apiVersion: str = API_VERSION  # noqa: N815
    requestedSchemas: list[SchemaRef] = Field(default_factory=list)  # noqa: N815


class Pagination(BaseModel):
    """``query.pagination``: ``skip`` counts pages of ``limit`` records (``0`` = max page)."""

    model_config = ConfigDict(extra="allow")
    skip: int = Field(default=0, ge=0, le=_MAX_SKIP)
    limit: int = Field(default=10, ge=0, le=10**9)


class Query(BaseModel):
    """``query`` of a request body."""

    model_config = ConfigDict(extra="allow")
    requestParameters: dict[str, Any] = Field(default_factory=dict)  # noqa: N815
    filters: list[str | dict[str, Any]] | str | None = None
    includeResultsetResponses: IncludeSets | None = None  # noqa: N815
    pagination: Pagination | None = None
    requestedGranularity: Granularity | None = None  # noqa: N815
    testMode: bool = False  # noqa: N815

    _g = field_validator("requestedGranularity", mode="before")(_lower)
    _i = field_validator("includeResultsetResponses", mode="before")(_upper)


class BeaconRequestBody(BaseModel):
    """A Beacon v2 request body (``beaconRequestBody``), tolerant of common variations."""

    model_config = ConfigDict(extra="allow")
    meta: RequestMeta = Field(default_factory=RequestMeta)
    query: Query = Field(default_factory=Query)
    # Seen outside `query` in the spec's own docs examples.
    requestedGranularity: Granularity | None = None  # noqa: N815
    pagination: Pagination | None = None

    _g = field_validator("requestedGranularity", mode="before")(_lower)


@dataclass(frozen=True)
class BeaconRequest:
    """One request, normalised: what every service function receives."""

    granularity: str = "boolean"
    granularity_given: bool = False
    include: str = "HIT"
    skip: int = 0
    limit: int = 10
    filters: tuple[Filter, ...] = ()
    variant_params: Mapping[str, Any] = field(default_factory=dict)
    dataset_ids: tuple[str, ...] | None = None
    test_mode: bool = False
    api_version: str = API_VERSION
    requested_schemas: tuple[Mapping[str, Any], ...] = ()
    other_params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        """The first record of the requested page (``skip`` counts pages)."""
        return self.skip * self.limit

    def summary(self) -> dict[str, Any]:
        """``meta.receivedRequestSummary``."""
        out: dict[str, Any] = {
            "apiVersion": self.api_version,
            "requestedSchemas": [dict(s) for s in self.requested_schemas],
            "pagination": {"skip": self.skip, "limit": self.limit},
            "requestedGranularity": self.granularity,
            "includeResultsetResponses": self.include,
        }
        if self.filters:
            out["filters"] = filter_summary(self.filters)
        # The schema wants an object per parameter: the model's nested form.
        params: dict[str, Any] = {
            k: v for k, v in self.other_params.items() if isinstance(v, Mapping)
        }
        if self.variant_params:
            params["g_variant"] = dict(self.variant_params)
        if self.dataset_ids is not None:
            params["datasets"] = {"datasetIds": list(self.dataset_ids)}
        if params:
            out["requestParameters"] = params
        if self.test_mode:
            out["testMode"] = True
        return out


def _dataset_ids(*candidates: Any) -> tuple[str, ...] | None:
    for value in candidates:
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, Mapping):
            value = value.get("datasetIds", value.get("datasets"))
            if value is None:
                continue
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise InvalidInputError("datasets must be a list of dataset ids (strings)")
        ids = tuple(dict.fromkeys(i.strip() for i in items if i.strip()))
        if len(ids) > _MAX_DATASETS:
            raise InvalidInputError(f"at most {_MAX_DATASETS} dataset ids per request")
        return ids or None
    return None


def _split_params(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if key in ("g_variant", "g_variants", "genomicVariant") and isinstance(value, Mapping):
            flat.update(value)
        else:
            flat[key] = value
    variant = {k: v for k, v in flat.items() if k in VARIANT_KEYS and v not in (None, "", [])}
    other = {
        k: v
        for k, v in flat.items()
        if k not in VARIANT_KEYS and k not in ("datasets", "datasetIds")
    }
    return variant, other


def _page(skip: int, limit: int, max_page: int) -> tuple[int, int]:
    # limit 0 means "as many as allowed"; larger pages are clamped rather than refused.
    if limit == 0 or limit > max_page:
        limit = max_page
    return skip, limit


def from_body(body: BeaconRequestBody | None, *, max_page: int) -> BeaconRequest:
    """Normalise a parsed POST body."""
    body = body or BeaconRequestBody()
    q = body.query
    variant, other = _split_params(q.requestParameters)
    extra = body.model_extra or {}
    qextra = q.model_extra or {}
    datasets = _dataset_ids(
        q.requestParameters.get("datasets"),
        q.requestParameters.get("datasetIds"),
        qextra.get("datasets"),
        qextra.get("datasetIds"),
        extra.get("datasets"),
        extra.get("datasetIds"),
    )
    granularity = q.requestedGranularity or body.requestedGranularity
    pagination = q.pagination or body.pagination or Pagination()
    skip, limit = _page(pagination.skip, pagination.limit, max_page)
    # Only the two documented string fields are echoed back.
    schemas = tuple(
        {
            k: v
            for k, v in (("entityType", s.entityType), ("schema", s.schema_))
            if isinstance(v, str)
        }
        for s in body.meta.requestedSchemas
    )
    return BeaconRequest(
        granularity=granularity or "boolean",
        granularity_given=granularity is not None,
        include=q.includeResultsetResponses or "HIT",
        skip=skip,
        limit=limit,
        filters=parse_filters(q.filters),
        variant_params=variant,
        dataset_ids=datasets,
        test_mode=q.testMode,
        api_version=body.meta.apiVersion,
        requested_schemas=schemas,
        other_params=other,
    )


def parse_body(payload: Any, *, max_page: int, where: str = "body") -> BeaconRequest:
    """Validate a decoded JSON request body (``None`` for an empty one) and normalise it.

    Raises:
        InvalidInputError: not a request object, or a field of the wrong type or value; the
            message names each field.
    """
    if payload is None:
        return from_body(None, max_page=max_page)
    if not isinstance(payload, Mapping):
        raise InvalidInputError(
            f"{where}: a Beacon request body is a JSON object like "
            '{"meta": {"apiVersion": "v2.0.0"}, "query": {...}}'
        )
    try:
        body = BeaconRequestBody.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInputError(f"malformed request: {validation_summary(exc)}") from exc
    return from_body(body, max_page=max_page)


def validation_summary(exc: ValidationError | Any) -> str:
    """Each failing field of a pydantic (or FastAPI) validation error, as one line."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: "
        f"{e.get('msg', 'invalid')}"
        for e in exc.errors()[:5]
    )


def from_query_string(
    params: Mapping[str, str], filters: list[str], *, max_page: int
) -> BeaconRequest:
    """Normalise GET query parameters (``filters`` may repeat; lists are comma-joined)."""

    def pick(name: str) -> str | None:
        value = params.get(name)
        return value if value not in (None, "") else None

    granularity = _lower(pick("requestedGranularity"))
    if granularity is not None and granularity not in GRANULARITIES:
        raise InvalidInputError(
            f"requestedGranularity {granularity!r}: use boolean, count or record"
        )
    include = _upper(pick("includeResultsetResponses")) or "HIT"
    if include not in INCLUDE_RESULTSETS:
        raise InvalidInputError(
            f"includeResultsetResponses {include!r}: use ALL, HIT, MISS or NONE"
        )
    skip = _int_param(pick("skip"), "skip", 0, _MAX_SKIP)
    limit = _int_param(pick("limit"), "limit", 10, 10**9)
    skip, limit = _page(skip, limit, max_page)
    test_mode = (pick("testMode") or "false").lower()
    if test_mode not in ("true", "false"):
        raise InvalidInputError("testMode must be true or false")
    variant = {k: params[k] for k in VARIANT_KEYS if pick(k) is not None}
    schema = pick("requestedSchema")
    return BeaconRequest(
        granularity=granularity or "boolean",
        granularity_given=granularity is not None,
        include=include,
        skip=skip,
        limit=limit,
        filters=parse_filters([f for item in filters for f in item.split(",") if f.strip()]),
        variant_params=variant,
        dataset_ids=_dataset_ids(pick("datasetIds"), pick("datasets")),
        test_mode=test_mode == "true",
        requested_schemas=({"schema": schema},) if schema else (),
    )


def _int_param(value: str | None, name: str, default: int, maximum: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidInputError(f"{name} must be a non-negative integer, got {value!r}") from None
    if not 0 <= number <= maximum:
        raise InvalidInputError(f"{name} must be between 0 and {maximum}, got {number}")
    return number

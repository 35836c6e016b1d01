"""HTTP routes of the Beacon Network under ``/api``: parse, call the service, return."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from onemg.errors import AuthenticationError, InvalidInputError
from onemg.network.query import from_get, from_post
from onemg.network.service import NetworkService


async def _service(request: Request) -> NetworkService:
    # async on purpose: FastAPI runs a plain-def dependency in its thread pool, a thread
    # hand-off per request that cost more than the rest of the routing.
    return request.app.state.network


Service = Annotated[NetworkService, Depends(_service)]


def json_response(body: Any, status_code: int = 200) -> Response:
    """Serialise with orjson (faster than the stdlib on the merge path)."""
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization must be 'Bearer <passport JWT>'")
    return token.strip()


def create_router() -> APIRouter:
    """The ``/api`` router of the hub (a new one per app)."""
    router = APIRouter(prefix="/api", tags=["beacon network"])

    @router.get("", include_in_schema=False)
    @router.get("/")
    @router.get("/info")
    async def info(service: Service) -> Response:
        """The network's Beacon info, including each member's status."""
        return json_response(service.info())

    @router.get("/service-info")
    async def service_info(service: Service) -> Response:
        """GA4GH service-info."""
        return json_response(service.service_info())

    @router.get("/map")
    async def beacon_map(request: Request, service: Service) -> Response:
        """Endpoint sets served by the network (URLs point at the hub)."""
        return json_response(
            service.map(hub_api_url=str(request.url_for("info")).rsplit("/", 1)[0])
        )

    @router.get("/configuration")
    async def configuration(service: Service) -> Response:
        """Union of the members' configurations."""
        return json_response(service.configuration())

    @router.get("/entry_types")
    async def entry_types(service: Service) -> Response:
        """Union of the members' entry types."""
        return json_response(service.entry_types())

    @router.get("/filtering_terms")
    @router.post("/filtering_terms")
    @router.get("/individuals/filtering_terms")  # as on a node: the same terms
    @router.post("/individuals/filtering_terms")
    async def filtering_terms(service: Service) -> Response:
        """Filtering terms usable anywhere in the network, merged per term id."""
        return json_response(service.filtering_terms())

    @router.get("/{path:path}")
    async def query_get(path: str, request: Request, service: Service) -> Response:
        """A Beacon query in GET form, answered by every member."""
        params = request.query_params
        query = from_get(
            path,
            params,
            request.url.query,
            filters=params.getlist("filters"),
            max_page=service.beacon.max_page_size,
        )
        status, body = await service.query(query, token=_bearer(request))
        return json_response(body, status)

    @router.post("/{path:path}")
    async def query_post(path: str, request: Request, service: Service) -> Response:
        """A Beacon query in POST form (a Beacon request body), answered by every member."""
        raw = await request.body()
        try:
            payload = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError as exc:
            raise InvalidInputError(f"POST /api/{path}: the body is not JSON ({exc.msg})") from exc
        query = from_post(path, payload, max_page=service.beacon.max_page_size)
        status, body = await service.query(query, token=_bearer(request))
        return json_response(body, status)

    return router

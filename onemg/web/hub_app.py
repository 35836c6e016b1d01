"""The hub's FastAPI app: the Beacon Network under ``/api``, plus login and the passport broker
of the access capability when the network config turns ``broker`` on.

``create_hub_app(settings, network)`` builds a fresh app; the HTTP client, member registry and
network service are created in the lifespan and kept on ``app.state``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from onemg import __version__
from onemg.errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    OnemgError,
    UpstreamError,
)
from onemg.network.access_hook import wire_broker
from onemg.network.config import NetworkConfig
from onemg.network.credentials import MemberCredentials
from onemg.network.registry import MemberRegistry
from onemg.network.request import API_VERSION
from onemg.network.routes import create_router, json_response
from onemg.network.service import NetworkService
from onemg.security import CredentialVerifier
from onemg.settings import Settings

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[OnemgError], int], ...] = (
    (InvalidInputError, 400),
    (AuthenticationError, 401),
    (AccessDeniedError, 403),
    (NotFoundError, 404),
    (UpstreamError, 502),
)


def _error_body(settings: Settings, status: int, message: str) -> dict[str, Any]:
    # beaconErrorResponse: meta needs a receivedRequestSummary even when the request was unusable.
    return {
        "meta": {
            "beaconId": settings.beacon.beacon_id,
            "apiVersion": API_VERSION,
            "returnedGranularity": "boolean",
            "returnedSchemas": [],
            "receivedRequestSummary": {
                "apiVersion": API_VERSION,
                "requestedSchemas": [],
                "pagination": {"skip": 0, "limit": 0},
                "requestedGranularity": "boolean",
            },
        },
        "error": {"errorCode": status, "errorMessage": message},
    }


def _install_error_handlers(app: FastAPI, settings: Settings) -> None:
    async def onemg_error(request: Request, exc: Exception) -> Response:
        status = next((code for cls, code in _STATUS if isinstance(exc, cls)), 500)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        response = json_response(_error_body(settings, status, str(exc)), status)
        if headers:
            response.headers.update(headers)
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        return json_response(_error_body(settings, 400, f"invalid request: {exc}"), 400)

    async def unexpected(request: Request, exc: Exception) -> Response:
        # The hub must keep serving whatever happens; the details go to the log, not the caller.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return json_response(_error_body(settings, 500, "internal error in the hub"), 500)

    app.add_exception_handler(OnemgError, onemg_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)


def create_hub_app(
    settings: Settings,
    network: NetworkConfig,
    *,
    verifier: CredentialVerifier | None = None,
    member_credentials: MemberCredentials | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    refresh_on_start: bool = True,
) -> FastAPI:
    """Build the hub app.

    Args:
        settings: the hub's settings (``settings.beacon`` names the network beacon).
        network: members and fan-out policy (see :mod:`onemg.network.config`).
        verifier: verifies callers' bearer tokens; default trusts no issuer (public only).
        member_credentials: mints member-scoped credentials (hook for the passport broker);
            default :class:`~onemg.network.credentials.PublicView` forwards none.
        transport: an httpx transport for unit tests (``httpx.MockTransport``).
        refresh_on_start: read every member's metadata before serving (bounded by the deadline).
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Room for ~50 concurrent network queries per member before calls queue in the pool.
        pool = max(200, 50 * len(network.enabled_members))
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        async with httpx.AsyncClient(
            transport=transport, limits=limits, follow_redirects=False, trust_env=False
        ) as client:
            registry = MemberRegistry(network)
            service = NetworkService(
                beacon=settings.beacon,
                registry=registry,
                client=client,
                verifier=verifier,
                credentials=member_credentials,
            )
            app.state.network = service
            if refresh_on_start:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(network.deadline_s):
                        await service.refresh()
            refresher = asyncio.create_task(registry.refresh_forever(client))
            try:
                yield
            finally:
                refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresher

    app = FastAPI(
        title=settings.beacon.name,
        version=__version__,
        description="1+MG Beacon Network: one query, answered by every national node.",
        lifespan=lifespan,
    )
    _install_error_handlers(app, settings)
    if network.broker:
        broker_verifier, broker_credentials = wire_broker(app, settings, network)
        verifier = verifier or broker_verifier
        member_credentials = member_credentials or broker_credentials
    app.include_router(create_router())
    return app

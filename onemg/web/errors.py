"""The one place that maps onemg errors to HTTP status codes and ``beaconErrorResponse`` bodies.

Every app installs these handlers with :func:`install_error_handlers`. Request validation errors
(malformed JSON, wrong types) become 400s, unknown paths 404s, and anything unexpected a 500 whose
body names no internals (the traceback goes to the log).
"""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from onemg.beacon.responses import error_response
from onemg.errors import (
    AccessDeniedError,
    AuthenticationError,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    OnemgError,
    UnavailableError,
    UpstreamError,
    WorkflowError,
)
from onemg.protocol.request import validation_summary
from onemg.settings import BeaconSettings

log = logging.getLogger(__name__)

#: Most specific first; the first matching class wins.
STATUS: tuple[tuple[type[OnemgError], int], ...] = (
    (InvalidInputError, 400),
    (AuthenticationError, 401),
    (AccessDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (WorkflowError, 409),
    (IntegrityError, 500),
    (UpstreamError, 502),
    (UnavailableError, 503),
)


def status_for(exc: BaseException) -> int:
    """The HTTP status for an exception (500 for anything not an expected onemg error)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def _body(settings: BeaconSettings, status: int, message: str) -> bytes:
    return orjson.dumps(error_response(settings, status, message))


def error_json(settings: BeaconSettings, status: int, message: str,
               headers: dict[str, str] | None = None) -> Response:
    """A ``beaconErrorResponse`` with ``status``."""
    return Response(_body(settings, status, message), status_code=status,
                    media_type="application/json", headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    return "malformed request: " + validation_summary(exc)


def install_error_handlers(app: FastAPI, settings: BeaconSettings) -> None:
    """Register the handlers on ``app``."""

    async def onemg_error(request: Request, exc: Exception) -> Response:
        status = status_for(exc)
        headers = {"WWW-Authenticate": 'Bearer realm="onemg"'} if status == 401 else None
        if status == 503:
            # Temporary and the client's to act on (retry later): say what is down.
            log.error("refused %s: %s", request.url.path, exc)
            return error_json(settings, status, f"{exc}; retry later",
                              {"Retry-After": "30"})
        if status >= 500:
            log.error("error answering %s: %s", request.url.path, exc)
            return error_json(settings, status, "internal error; see the node's log")
        return error_json(settings, status, str(exc), headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        message = _validation_message(exc) if isinstance(exc, RequestValidationError) \
            else "malformed request"
        return error_json(settings, 400, message)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "") or "error"
        if status == 404:
            detail = f"no such endpoint: {request.url.path}; see /api/map"
        headers = getattr(exc, "headers", None)
        return error_json(settings, status, str(detail), headers)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error answering %s", request.url.path)
        return error_json(settings, 500, "internal error; see the node's log")

    app.add_exception_handler(OnemgError, onemg_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)

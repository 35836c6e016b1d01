"""The one place that maps onemg errors to HTTP status codes and error bodies.

Every app (node and hub) installs these handlers with :func:`install_error_handlers`.

- Errors under ``/oidc/`` are answered in OAuth 2.0 form (RFC 6749 §5.2, RFC 6750 §3.1,
  RFC 8693 §2.2.2): ``{"error": "invalid_grant", "error_description": ...}``; everything else
  is a Beacon ``beaconErrorResponse``.
- Request validation errors (malformed JSON, wrong types) become 400s, unknown paths 404s.
- Anything unexpected becomes a 500 whose body names no internals: the traceback goes to the
  log, and one ``http.error`` entry (path and exception class, never its message, which may
  hold request data) goes to the app's audit sink (``app.state.audit``) when it has one.
"""

from __future__ import annotations

import logging
from typing import Any

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
    NotAcceptableError,
    NotFoundError,
    OnemgError,
    RateLimitedError,
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
    (NotAcceptableError, 406),
    (ConflictError, 409),
    (WorkflowError, 409),
    (RateLimitedError, 429),
    (IntegrityError, 500),
    (UpstreamError, 502),
    (UnavailableError, 503),
)

#: OAuth 2.0 ``error`` codes by status, for the ``/oidc/`` endpoints. A 401 there means the
#: grant (password, subject token) or the bearer token was refused; an exception may name a
#: more precise code in its ``oauth_error`` attribute (e.g. ``invalid_target``).
OAUTH_ERROR: dict[int, str] = {
    400: "invalid_request",
    401: "invalid_grant",
    403: "access_denied",
    404: "invalid_request",
    405: "invalid_request",
    409: "invalid_request",
    413: "invalid_request",
    429: "temporarily_unavailable",
    503: "temporarily_unavailable",
}

OAUTH_PREFIX = "/oidc/"


def status_for(exc: BaseException) -> int:
    """The HTTP status for an exception (500 for anything not an expected onemg error)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def _body(settings: BeaconSettings, status: int, message: str) -> bytes:
    return orjson.dumps(error_response(settings, status, message))


def error_json(
    settings: BeaconSettings, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """A ``beaconErrorResponse`` with ``status``."""
    return Response(
        _body(settings, status, message),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def oauth_json(
    status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """An OAuth 2.0 error response (``error`` and ``error_description``)."""
    error = code or OAUTH_ERROR.get(status, "server_error" if status >= 500 else "invalid_request")
    merged = {"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})}
    return Response(
        orjson.dumps({"error": error, "error_description": message}),
        status_code=status,
        media_type="application/json",
        headers=merged,
    )


def error_for_path(
    settings: BeaconSettings,
    path: str,
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    oauth_code: str | None = None,
) -> Response:
    """The error response for a request to ``path``: OAuth form under ``/oidc/``, else Beacon."""
    if path.startswith(OAUTH_PREFIX):
        return oauth_json(status, message, code=oauth_code, headers=headers)
    return error_json(settings, status, message, headers)


def _answer(
    settings: BeaconSettings,
    request: Request,
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    oauth_code: str | None = None,
) -> Response:
    return error_for_path(
        settings, request.url.path, status, message, headers=headers, oauth_code=oauth_code
    )


def _validation_message(exc: RequestValidationError) -> str:
    return "malformed request: " + validation_summary(exc)


def _printable(text: str, limit: int = 200) -> str:
    # Request paths are the caller's: no control characters into the audit log.
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[:limit])


def audit_unexpected(request: Request, exc: BaseException) -> None:
    """Record an unexpected error in the app's audit sink (never fails the response)."""
    sink: Any = getattr(request.app.state, "audit", None)
    if sink is None:
        return
    try:
        sink.record(
            user=None,
            action="http.error",
            resource=_printable(f"{request.method} {request.url.path}"),
            result="error",
            reason=f"500: {type(exc).__name__}",
            origin="http",
        )
    except Exception:  # noqa: BLE001 - the audit failing must not turn a 500 into a crash
        log.exception("could not audit an unexpected error")


def install_error_handlers(app: FastAPI, settings: BeaconSettings) -> None:
    """Register the handlers on ``app``."""

    async def onemg_error(request: Request, exc: Exception) -> Response:
        status = status_for(exc)
        headers = {"WWW-Authenticate": 'Bearer realm="onemg"'} if status == 401 else None
        oauth_code = getattr(exc, "oauth_error", None)
        if isinstance(exc, RateLimitedError):
            return _answer(
                settings, request, status, str(exc), headers={"Retry-After": str(exc.retry_after_s)}
            )
        if status == 503:
            # Temporary and the client's to act on (retry later): say what is down.
            log.error("refused %s: %s", request.url.path, exc)
            return _answer(
                settings, request, status, f"{exc}; retry later", headers={"Retry-After": "30"}
            )
        if status >= 500:
            log.error("error answering %s: %s", request.url.path, exc)
            if status == 500:
                audit_unexpected(request, exc)
            return _answer(settings, request, status, "internal error; see the server's log")
        return _answer(settings, request, status, str(exc), headers=headers, oauth_code=oauth_code)

    async def validation_error(request: Request, exc: Exception) -> Response:
        message = (
            _validation_message(exc)
            if isinstance(exc, RequestValidationError)
            else "malformed request"
        )
        return _answer(settings, request, 400, message)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "") or "error"
        if status == 404:
            detail = f"no such endpoint: {_printable(request.url.path)}; see /api/map"
        headers = getattr(exc, "headers", None)
        return _answer(settings, request, status, str(detail), headers=headers)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error answering %s", request.url.path)
        audit_unexpected(request, exc)
        return _answer(settings, request, 500, "internal error; see the server's log")

    app.add_exception_handler(OnemgError, onemg_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)

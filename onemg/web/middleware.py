"""HTTP hardening shared by the node and the hub: request limits, the public origin, headers.

:func:`install_http_hardening` adds three pure ASGI middlewares to an app (outermost first):

- :class:`SecurityHeaders`: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
  no-referrer``, ``X-Frame-Options: DENY`` and a Content Security Policy (a locked-down one for
  API answers, one that lets the API docs pages run their packaged scripts). Headers a route
  sets itself (the web pages, ``onemg.web.pages``) are left alone. HSTS comes from
  :class:`onemg.web.transport.StrictTransport`, which the app factories add inside these, so it
  sees the public scheme.
- :class:`RequestLimits`: a request whose headers exceed ``max_header_bytes`` gets 431, and one
  whose body exceeds ``max_body_bytes`` gets 413, before anything parses it: a declared
  ``Content-Length`` is refused without reading a byte, and a chunked body is counted as it
  arrives and refused at the first byte past the limit.
- :class:`PublicOrigin`: every absolute URL the app builds (``/api/map``, ``/api/info``,
  trailing-slash redirects) starts with the configured ``public_url``, never with the
  ``Host`` header the client sent (a request that came over TLS keeps https).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.exceptions import HTTPException

from onemg.settings import BeaconSettings
from onemg.web.errors import error_for_path

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Beacon requests and the access API are small JSON or form bodies.
MAX_BODY_BYTES = 256 * 1024
#: Room for a passport with many visas in ``Authorization``, but not for megabytes of headers.
MAX_HEADER_BYTES = 64 * 1024

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: The API docs pages (Swagger UI, ReDoc; assets served from the package by ``onemg.web.docs``)
#: run one inline start-up script and inline styles; ReDoc searches in a blob worker.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _is_docs(path: str) -> bool:
    return path.rstrip("/").rsplit("/", 1)[-1] in ("docs", "redoc", "oauth2-redirect")


class SecurityHeaders:
    """Adds the security headers to every HTTP response (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (
                b"content-security-policy",
                (DOCS_CSP if _is_docs(scope["path"]) else API_CSP).encode(),
            ),
        ]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in extra if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestLimits:
    """Refuses oversized headers (431) and bodies (413) before the app parses them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: BeaconSettings,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_header_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self.app = app
        self.settings = settings
        self.max_body = max_body_bytes
        self.max_headers = max_header_bytes

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        response = error_for_path(
            self.settings, scope["path"], status, message, headers={"Connection": "close"}
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = sum(len(k) + len(v) for k, v in scope["headers"])
        if size > self.max_headers:
            await self._refuse(
                scope,
                receive,
                send,
                431,
                f"request headers of {size} bytes exceed the limit of "
                f"{self.max_headers}; send a shorter token or fewer headers",
            )
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await self._refuse(scope, receive, send, 400, "Content-Length is not a number")
                return
            if length > self.max_body:
                await self._refuse(scope, receive, send, 413, self._too_large())
                return
        await self.app(scope, self._counting(receive), send)

    def _too_large(self) -> str:
        return (
            f"request body exceeds the limit of {self.max_body} bytes; Beacon and access "
            "requests are small JSON documents"
        )

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    # Raised inside the app while it reads the body; its handler answers 413
                    # (an HTTPException, which FastAPI's body parsing passes on unchanged).
                    raise HTTPException(413, self._too_large())
            return message

        return counted


class PublicOrigin:
    """Makes the app see its configured public origin instead of the client's ``Host``."""

    def __init__(self, app: ASGIApp, *, public_url: str) -> None:
        self.app = app
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"public_url {public_url!r} must be an http(s) URL")
        self.scheme = parts.scheme
        self.host = parts.netloc.encode("latin-1")
        self.server = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        self.prefix = parts.path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            headers.append((b"host", self.host))
            # Never downgrade: a request that arrived over TLS (directly, or as the trusted
            # proxy says) stays https, so HSTS and Secure cookies still apply to it.
            tls = scope.get("scheme") in ("https", "wss") or self.scheme == "https"
            if scope["type"] == "http":
                scheme = "https" if tls else "http"
            else:
                scheme = "wss" if tls else "ws"
            scope = {**scope, "scheme": scheme, "server": self.server, "headers": headers}
            if self.prefix and not scope.get("root_path"):
                scope["root_path"] = self.prefix
        await self.app(scope, receive, send)


def install_http_hardening(
    app: FastAPI,
    *,
    settings: BeaconSettings,
    public_url: str | None,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_header_bytes: int = MAX_HEADER_BYTES,
) -> None:
    """Add :class:`PublicOrigin`, :class:`RequestLimits` and :class:`SecurityHeaders` to
    ``app`` (call it after the app's other middlewares, so these run first).

    ``public_url`` None (a hub configured without ``[access]``) leaves URLs to the request.
    """
    if public_url:
        app.add_middleware(PublicOrigin, public_url=public_url)
    app.add_middleware(
        RequestLimits,
        settings=settings,
        max_body_bytes=max_body_bytes,
        max_header_bytes=max_header_bytes,
    )
    app.add_middleware(SecurityHeaders)

"""HTTPS behind a TLS-terminating proxy: HSTS on every answer served over TLS.

nginx terminates TLS and passes ``X-Forwarded-Proto: https``; uvicorn's proxy-headers support
(trusted for the addresses in ``FORWARDED_ALLOW_IPS``, default 127.0.0.1) turns that into the
request's ``https`` scheme. Answers given over HTTPS then carry ``Strict-Transport-Security``, so
browsers never fall back to plain HTTP, and cookies set by the web pages are ``Secure`` (they
follow the same scheme). Over plain HTTP (a developer's loopback), no HSTS is sent: it would pin
a host that serves no TLS.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: One year, as the GA4GH security guidance asks of a production deployment.
HSTS = b"max-age=31536000; includeSubDomains"


class StrictTransport:
    """ASGI middleware adding ``Strict-Transport-Security`` to HTTPS responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    h
                    for h in message.get("headers", [])
                    if h[0].lower() != b"strict-transport-security"
                ]
                headers.append((b"strict-transport-security", HSTS))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_hsts)

"""How the fan-out talks HTTP to members: one shared ``aiohttp.ClientSession``.

The hub sends every query to every member, so its CPU cost per member request is multiplied by
the size of the network. httpx's default transport (httpcore over anyio, the pure-Python h11
parser) cost about 1 ms of CPU per request, and its pool checks every pooled connection on every
request; aiohttp's client (C ``llhttp`` parser, keep-alive pool on plain asyncio) costs a
fraction of that, so the fan-out uses it (:class:`AiohttpWire`). The hub's other HTTP calls
(metadata refresh, the broker's visa requests) are rare and stay on httpx.

Both wires turn their library's failures into one vocabulary the fan-out reports as is:

- ``TimeoutError``: no complete answer in time (the fan-out names its own timeout);
- :class:`HubBusyError`: no free connection in an httpx client's pool (the hub's fault, not
  the member's); :class:`AiohttpWire` waits for a free connection within the timeout;
- :class:`WireError`: anything else (refused, reset, malformed, truncated, oversized); its
  message is the reason shown in ``info.network.members[].reason``.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import httpx

from onemg.errors import UpstreamError

#: Largest member answer read (after decoding any gzip); a larger one is refused.
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    """A member's complete HTTP response."""

    status: int
    #: The body, already decoded from any ``Content-Encoding``.
    content: bytes


class WireError(UpstreamError):
    """A member could not be asked, or its answer could not be read; ``str()`` is the reason."""


class HubBusyError(WireError):
    """The hub had no free connection for the request: not held against the member."""


class MemberWire(Protocol):
    """What the fan-out needs from HTTP: one complete answer per request."""

    async def fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        timeout: float | None = None,
    ) -> Answer:
        """Send one request and return the whole answer.

        Raises:
            TimeoutError: no complete answer within ``timeout`` seconds.
            WireError: refused, reset, malformed, truncated or oversized.
        """
        ...


def _connector_reason(exc: aiohttp.ClientConnectorError) -> str:
    where = f"{exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"unreachable (TLS certificate rejected for {where}: {exc.certificate_error})"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"unreachable (TLS failed with {where}: {exc.os_error})"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"unreachable (cannot resolve {exc.host})"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return f"unreachable (connection refused by {where})"
    return f"unreachable ({where}: {exc.os_error.strerror or exc.os_error})"


class AiohttpWire:
    """The hub's wire to its members: one ``aiohttp.ClientSession`` for all of them.

    Create it inside the running event loop (the hub's lifespan) and :meth:`aclose` it there.

    Args:
        max_connections: connections open at once over all members; a request that finds none
            free waits for one within its own timeout.
        keepalive_expiry_s: idle connections older than this are closed rather than reused
            (below uvicorn's 5 s default, so the hub rarely races a member closing one).
        max_body_bytes: a larger answer (decoded) fails with :class:`WireError`.
        ssl_context: for ``https`` members; default: the system's CAs, hostnames checked.
        user_agent: the ``User-Agent`` of every request.
    """

    def __init__(
        self,
        *,
        max_connections: int = 200,
        keepalive_expiry_s: float = 4.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "onemg-hub",
    ) -> None:
        self._max_body = max_body_bytes
        connector = aiohttp.TCPConnector(
            limit=max_connections,
            limit_per_host=0,
            keepalive_timeout=keepalive_expiry_s,
            ssl=ssl_context or True,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": user_agent},
            # Timeouts are per request (fetch's ``timeout``), none by default.
            timeout=aiohttp.ClientTimeout(total=None),
            # One session serves every caller: a cookie a member sets for one user's query
            # must never ride along on another's.
            cookie_jar=aiohttp.DummyCookieJar(),
            # Members' URLs come from the hub's config, never from the environment's proxies.
            trust_env=False,
            raise_for_status=False,
        )

    async def fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        timeout: float | None = None,
    ) -> Answer:
        """Send one request and return the whole, decoded answer (see :class:`MemberWire`).

        aiohttp resends a GET once when a reused keep-alive connection turns out closed by the
        member; Beacon POSTs are read-only queries too, so they get the same single retry.
        """
        try:
            try:
                return await self._fetch(method, url, headers, body, timeout)
            except aiohttp.ServerDisconnectedError:
                if method != "POST":
                    raise
                return await self._fetch(method, url, headers, body, timeout)
        except TimeoutError:
            # aiohttp's ServerTimeoutError is also a ClientError: keep it a timeout.
            raise
        except aiohttp.ClientConnectorError as exc:
            raise WireError(_connector_reason(exc)) from exc
        except aiohttp.ServerDisconnectedError as exc:
            raise WireError("invalid answer (server disconnected before answering)") from exc
        except aiohttp.ClientPayloadError as exc:
            raise WireError(f"invalid answer (truncated or malformed body: {exc})") from exc
        except aiohttp.ClientResponseError as exc:
            # Raised for an unparsable status line or headers, not for HTTP error statuses.
            # llhttp's message spans lines (it points at the bad byte): one line for the report.
            raise WireError(
                f"invalid HTTP response ({' '.join(str(exc.message).split())})"
            ) from exc
        except aiohttp.ClientError as exc:
            raise WireError(f"unreachable ({type(exc).__name__}: {exc})") from exc

    async def _fetch(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes,
        timeout: float | None,
    ) -> Answer:
        async with self.session.request(
            method,
            url,
            headers=headers,
            data=body or None,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            return Answer(response.status, await self._read(response))

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        announced = response.content_length
        # Refuse an announced oversize body before reading it; the loop below also bounds
        # chunked and gzip bodies, whose decoded size no header tells.
        if announced is not None and announced > self._max_body:
            response.close()
            raise WireError(f"invalid answer (body larger than {self._max_body} bytes)")
        content = bytearray()
        async for chunk in response.content.iter_any():
            content += chunk
            if len(content) > self._max_body:
                response.close()  # the rest is never read, so the connection is not reused
                raise WireError(f"invalid answer (body larger than {self._max_body} bytes)")
        return bytes(content)

    async def aclose(self) -> None:
        """Close the session and every pooled connection."""
        await self.session.close()


class HttpxWire:
    """:class:`MemberWire` over an ``httpx.AsyncClient`` (unit tests' ``httpx.MockTransport``)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        timeout: float | None = None,
    ) -> Answer:
        """Send one request through the client (see :class:`MemberWire`)."""
        try:
            response = await self._client.request(
                method, url, headers=headers, content=body or None, timeout=timeout
            )
        except httpx.PoolTimeout as exc:
            raise HubBusyError("hub busy: no free connection to this member") from exc
        except httpx.TimeoutException as exc:
            raise TimeoutError(str(exc)) from exc
        except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
            raise WireError(f"unreachable ({type(exc).__name__}: {exc})") from exc
        except httpx.HTTPError as exc:
            raise WireError(f"invalid answer ({type(exc).__name__}: {exc})") from exc
        return Answer(response.status_code, response.content)

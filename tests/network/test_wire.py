"""The hub's aiohttp wire against real sockets: how each kind of member failure is reported.

Each test runs a small asyncio server in the test's event loop that answers with exactly the
bytes the test scripts (well-formed or not), so every failure travels over a real TCP
connection and through aiohttp's own parser. ``test_fault_tolerance.py`` does the same with
real member processes behind a real hub.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from onemg.demo.stub import StubConfig, entry_body
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.network.fanout import MemberOutcome, fan_out
from onemg.network.query import from_get
from onemg.network.registry import MemberRegistry
from onemg.network.wire import AiohttpWire, WireError
from onemg.security import Principal

#: (request head) -> bytes to send then close, or None to close without answering; a script
#: may also sleep (a slow member).
Script = Callable[[bytes], Awaitable[bytes | None]]


class Closing(bytes):
    """Bytes after which the server closes the connection."""


OK_BODY = orjson.dumps(entry_body(StubConfig(country="FI", beacon_id="b"), "boolean"))


def answer(body: bytes, *, extra: bytes = b"") -> bytes:
    """A 200 answer with a Content-Length, kept alive."""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def always(reply: bytes | None) -> Script:
    async def script(head: bytes) -> bytes | None:
        return reply

    return script


async def hang(head: bytes) -> bytes | None:
    await asyncio.sleep(30)
    return None


@dataclass
class Server:
    """A scripted HTTP/1.1 server; keeps the request heads it received."""

    script: Script
    heads: list[bytes] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self.heads.append(head)
                reply = await self.script(head)
                if reply is None:
                    return
                writer.write(reply)
                await writer.drain()
                if isinstance(reply, Closing):
                    return
        finally:
            writer.close()

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Script], Awaitable[Server]]]:
    listeners: list[asyncio.Server] = []

    async def start(script: Script, tls: ssl.SSLContext | None = None) -> Server:
        server = Server(script)
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
        server.port = listener.sockets[0].getsockname()[1]
        listeners.append(listener)
        return server

    yield start
    for listener in listeners:
        listener.close()


@pytest.fixture
async def wire() -> AsyncIterator[AiohttpWire]:
    own = AiohttpWire(max_body_bytes=1000)
    yield own
    await own.aclose()


class MintPerMember:
    """Mints a token of the member's own (what the broker does), never the caller's."""

    async def for_member(self, member: MemberConfig, principal: Principal) -> str | None:
        return f"for-{member.id}-{principal.subject}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_keep_alive_gzip_and_no_shared_cookies(serve, wire: AiohttpWire) -> None:
    packed = gzip.compress(OK_BODY)
    server = await serve(
        always(answer(packed, extra=b"Content-Encoding: gzip\r\nSet-Cookie: sid=alice\r\n"))
    )
    for _ in range(3):
        got = await wire.fetch("GET", f"{server.api}/individuals", timeout=2)
        assert (got.status, got.content) == (200, OK_BODY)
    assert server.connections == 1
    # One session serves every caller, so a cookie set for one query must not go out again.
    assert not any(b"cookie:" in head.lower() for head in server.heads)
    assert b"user-agent: onemg-hub" in server.heads[0].lower()


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (always(b"SMTP ready\r\n\r\n"), "invalid HTTP response"),
        (always(None), "server disconnected before answering"),
        (always(Closing(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")), "truncated"),
        (always(answer(b"x" * 1001)), "body larger than 1000 bytes"),
        (
            always(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + b"".join(b"190\r\n" + b"y" * 400 + b"\r\n" for _ in range(3))
                + b"0\r\n\r\n"
            ),
            "body larger than 1000 bytes",
        ),
        (
            always(answer(gzip.compress(b"z" * 5000), extra=b"Content-Encoding: gzip\r\n")),
            "body larger than 1000 bytes",
        ),
    ],
    ids=["garbage", "silent-close", "truncated", "oversized", "oversized-chunked", "gzip-bomb"],
)
async def test_broken_answers_are_wire_errors(
    serve, wire: AiohttpWire, script: Script, reason: str
) -> None:
    server = await serve(script)
    with pytest.raises(WireError, match=reason):
        await wire.fetch("GET", f"{server.api}/individuals", timeout=2)


async def test_refused_and_slow(serve, wire: AiohttpWire) -> None:
    port = _closed_port()
    with pytest.raises(WireError, match=f"unreachable \\(connection refused by 127.0.0.1:{port}"):
        await wire.fetch("GET", f"http://127.0.0.1:{port}/api/individuals", timeout=2)
    slow = await serve(hang)
    with pytest.raises(TimeoutError):
        await wire.fetch("GET", f"{slow.api}/individuals", timeout=0.2)


async def test_fan_out_names_each_failure(serve, wire: AiohttpWire) -> None:
    servers = {
        "ok": await serve(always(answer(OK_BODY))),
        "slow": await serve(hang),
        "garbage": await serve(always(b"\x00\x01 not http\r\n\r\n")),
        "big": await serve(always(answer(b"{" + b" " * 2000 + b"}"))),
        "nojson": await serve(always(answer(b"<html>oops</html>"))),
        "busy": await serve(always(b"HTTP/1.1 503 Unavailable\r\nContent-Length: 4\r\n\r\nbusy")),
        "refuses": await serve(
            always(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 6\r\n\r\nno way")
        ),
    }
    urls = {key: server.api for key, server in servers.items()} | {
        "down": f"http://127.0.0.1:{_closed_port()}/api"
    }
    members = tuple(MemberConfig(id=k, base_url=u, country="FI") for k, u in urls.items())
    registry = MemberRegistry(NetworkConfig(members=members, member_timeout_s=0.3, deadline_s=2))
    outcomes: dict[str, MemberOutcome] = {
        o.member.config.id: o
        for o in await fan_out(
            wire,
            registry,
            from_get("individuals", {}, "", max_page=1000),
            principal=Principal(subject="alice"),
            credentials=MintPerMember(),
        )
    }
    expected = {
        "ok": ("ok", None),
        "slow": ("failed", "timed out after 0.3 s"),
        "garbage": ("failed", "invalid HTTP response"),
        "big": ("failed", "body larger than 1000 bytes"),
        "nojson": ("failed", "invalid JSON"),
        "busy": ("failed", "HTTP 503: busy"),
        "refuses": ("rejected", "HTTP 400: no way"),
        "down": ("failed", "unreachable (connection refused"),
    }
    for key, (status, reason) in expected.items():
        outcome = outcomes[key]
        assert outcome.status == status, (key, outcome)
        if reason:
            assert reason in (outcome.reason or ""), (key, outcome.reason)
    # Failures count against the member's breaker; a 4xx refusal does not.
    assert registry.members[1].breaker.consecutive_failures == 1
    assert registry.members[-2].breaker.consecutive_failures == 0
    # Each member sees only the token minted for it (the caller's own never reaches fan_out).
    for key, server in servers.items():
        auth = [h for h in server.heads[0].split(b"\r\n") if h.lower().startswith(b"authorization")]
        assert auth == [f"Authorization: Bearer for-{key}-alice".encode()], (key, auth)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_reused_connection_closed_by_the_member_is_retried_once(
    serve, wire: AiohttpWire, method: str
) -> None:
    server: Server

    async def script(head: bytes) -> bytes | None:
        # The second request on the first connection finds it closed (the member's keep-alive
        # expired): the wire must resend it on a new connection, not fail the member.
        if server.connections == 1 and len(server.heads) == 2:
            return None
        return answer(OK_BODY)

    server = await serve(script)
    url = f"{server.api}/individuals"
    for _ in range(2):
        got = await wire.fetch(method, url, body=b"{}" if method == "POST" else b"", timeout=2)
        assert got.content == OK_BODY
    assert (server.connections, len(server.heads)) == (2, 3)


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context with a self-signed cert for 127.0.0.1, client context trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "member.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    return server, ssl.create_default_context(cafile=str(cert_path))


async def test_tls_members_are_verified(serve, tmp_path: Path) -> None:
    server_tls, trusting = _self_signed(tmp_path)
    server = await serve(always(answer(OK_BODY)), server_tls)
    url = f"https://127.0.0.1:{server.port}/api/individuals"
    strict = AiohttpWire()
    try:
        with pytest.raises(WireError, match="unreachable \\(TLS certificate rejected"):
            await strict.fetch("GET", url, timeout=2)
    finally:
        await strict.aclose()
    trusted = AiohttpWire(ssl_context=trusting)
    try:
        assert (await trusted.fetch("GET", url, timeout=2)).content == OK_BODY
    finally:
        await trusted.aclose()

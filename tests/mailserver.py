"""A real SMTP server on loopback (aiosmtpd) that collects what the hub sends.

Registered as a pytest plugin in ``tests/conftest.py``: use the ``smtp_server`` fixture and
point ``[mail] smtp_host/smtp_port`` (with ``starttls = false``) at it.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailSink:
    """The aiosmtpd handler: keeps every message it accepts, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        #: Recipients answered with a permanent failure (550), to test bounces.
        self.reject: set[str] = set()
        #: Recipients answered with a temporary failure (451) this many more times, to test retries.
        self.defer: dict[str, int] = {}
        self._lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.reject:
            return "550 5.1.1 no such user here"
        if self.defer.get(address, 0) > 0:
            self.defer[address] -= 1
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A running local SMTP server and what it received."""

    def __init__(self) -> None:
        self.sink = MailSink()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._controller = Controller(self.sink, hostname=self.host, port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far."""
        return list(self.sink.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to ``address``."""
        return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, count: int, *, to: str | None = None, timeout: float = 20.0
                 ) -> list[EmailMessage]:
        """Wait until ``count`` messages (to ``to``, if given) have arrived; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.to(to) if to else self.messages
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"expected {count} mail(s), got {len(found)}"
                return found
            time.sleep(0.05)

    def mail_settings(self, **extra: Any) -> dict[str, Any]:
        """A ``[mail]`` settings table that sends here."""
        return {"smtp_host": self.host, "smtp_port": self.port, "starttls": False, **extra}


def text_of(message: EmailMessage) -> str:
    """The plain-text body of ``message``."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the mail has no plain-text part"
    return part.get_content()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A fresh local SMTP server for one test."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()

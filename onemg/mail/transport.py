"""Sending mail: SMTP (``[mail] smtp_host``) or an outbox directory of ``.eml`` files."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from onemg.errors import OnemgError
from onemg.settings import MailSettings, Settings


class MailError(OnemgError):
    """A message could not be sent.

    ``permanent`` is True when the server refused the recipient or the message for good (an SMTP
    5xx reply): retrying will not help, and the address should be recorded as bouncing.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    """Where composed messages go."""

    def send(self, message: EmailMessage) -> None:
        """Deliver one message, or raise :class:`MailError`."""
        ...


class SmtpTransport:
    """Delivery through an SMTP server (STARTTLS and login when the settings ask for them)."""

    def __init__(self, settings: MailSettings, *, password: str | None = None) -> None:
        if not settings.smtp_host:
            raise OnemgError("SmtpTransport needs [mail] smtp_host")
        self._settings = settings
        self._password = password

    def send(self, message: EmailMessage) -> None:
        """Send ``message``; 4xx and connection errors are temporary, 5xx permanent."""
        s = self._settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_s) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, self._password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError(f"the mail server refused {message['To']}: {codes}",
                            permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"the mail server answered {exc.smtp_code} for {message['To']}",
                            permanent=exc.smtp_code >= 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                f"cannot reach the mail server {s.smtp_host}:{s.smtp_port} "
                f"({exc.__class__.__name__}); check [mail] smtp_host/smtp_port") from None


class OutboxTransport:
    """Writes each message as an ``.eml`` file in a directory (atomically, one file per mail)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` to the outbox."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(bytes(message))
        name = f"{time.time_ns()}-{os.getpid()}.eml"
        os.replace(tmp, self.directory / name)


class Mailer:
    """Composed messages out through a transport, from the configured sender."""

    def __init__(self, transport: Transport, *, sender: str, public_url: str) -> None:
        self.transport = transport
        self.sender = sender
        #: The hub's public base URL, for links in mails (ends with ``/``).
        self.public_url = public_url if public_url.endswith("/") else public_url + "/"

    def link(self, path: str) -> str:
        """An absolute link to ``path`` on the hub."""
        return self.public_url + path.lstrip("/")

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` (its From is set to the configured sender when missing)."""
        if not message["From"]:
            message["From"] = self.sender
        self.transport.send(message)


def mailer_for(settings: Settings) -> Mailer:
    """The mailer the ``[mail]`` settings describe (SMTP, or the outbox in ``data_dir``)."""
    mail = settings.mail
    if mail.smtp_host:
        transport: Transport = SmtpTransport(
            mail, password=os.environ.get("ONEMG_SMTP_PASSWORD"))
    else:
        transport = OutboxTransport(settings.data_dir / "outbox")
    return Mailer(transport, sender=mail.sender, public_url=mail.public_url)

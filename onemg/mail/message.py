"""Composing mail: a plain-text part always, an HTML alternative when given."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from onemg.errors import InvalidInputError


def _no_newlines(name: str, value: str) -> str:
    # A newline in a header value would let a caller inject headers of their own.
    if "\r" in value or "\n" in value:
        raise InvalidInputError(f"mail {name}: must be one line")
    return value


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    unsubscribe_url: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    """One message to one recipient.

    Args:
        text: the plain-text body (every mail has one).
        html: an HTML alternative of the same content.
        unsubscribe_url: adds ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058), so
            that mail clients offer one-click unsubscribe; the URL must accept a POST.
        headers: extra headers (one line each).
        attachments: ``(filename, mime type, bytes)`` triples, e.g. an iCalendar invitation; the
            type may carry parameters (``text/calendar; method=REQUEST``).
    """
    message = EmailMessage()
    message["From"] = _no_newlines("sender", sender)
    message["To"] = _no_newlines("recipient", to)
    message["Subject"] = _no_newlines("subject", subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "onemg")
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{_no_newlines('unsubscribe URL', unsubscribe_url)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in (headers or {}).items():
        message[_no_newlines("header name", name)] = _no_newlines(name, value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, mime, data in attachments or ():
        kind, *raw_params = (part.strip() for part in mime.split(";"))
        maintype, _, subtype = kind.partition("/")
        params = dict(p.split("=", 1) for p in raw_params if "=" in p)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename,
                               params=params)
    return message

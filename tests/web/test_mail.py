"""Outgoing mail through a real local SMTP server (aiosmtpd), the outbox, and signed links."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from onemg.errors import AccessDeniedError, InvalidInputError
from onemg.mail import MailError, OutboxTransport, SmtpTransport, compose, mailer_for
from onemg.settings import MailSettings, settings_from_mapping
from onemg.web.signed_links import LinkSigner
from tests.mailserver import SmtpServer, text_of


def _message(to: str = "ana@example.org", **extra: object):  # noqa: ANN202
    return compose(sender="hub <noreply@hub.example>", to=to, subject="Hello",
                   text="plain body", **extra)  # type: ignore[arg-type]


def test_smtp_delivers_text_html_and_one_click_unsubscribe(smtp_server: SmtpServer,
                                                           tmp_path: Path) -> None:
    settings = settings_from_mapping({"mail": smtp_server.mail_settings()}, data_dir=tmp_path)
    mailer = mailer_for(settings)
    assert isinstance(mailer.transport, SmtpTransport)
    mailer.send(_message(html="<p>html body</p>",
                         unsubscribe_url="https://hub.example/newsletter/u/abc"))
    [got] = smtp_server.wait_for(1, to="ana@example.org")
    assert text_of(got).strip() == "plain body"
    assert got.get_body(preferencelist=("html",)).get_content().strip() == "<p>html body</p>"
    # RFC 8058: the URL in angle brackets, and the one-click POST marker.
    assert got["List-Unsubscribe"] == "<https://hub.example/newsletter/u/abc>"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not list(tmp_path.glob("outbox/*"))


def test_refused_recipient_is_a_permanent_failure(smtp_server: SmtpServer) -> None:
    smtp_server.sink.reject.add("gone@example.org")
    transport = SmtpTransport(MailSettings(**smtp_server.mail_settings()))
    with pytest.raises(MailError) as err:
        transport.send(_message(to="gone@example.org"))
    assert err.value.permanent
    assert smtp_server.messages == []


def test_unreachable_server_is_temporary_and_names_the_setting() -> None:
    with socket_closed_port() as port:
        transport = SmtpTransport(MailSettings(smtp_host="127.0.0.1", smtp_port=port,
                                               starttls=False, timeout_s=2))
        with pytest.raises(MailError) as err:
            transport.send(_message())
    assert not err.value.permanent
    assert "smtp_host" in str(err.value)


def socket_closed_port():  # noqa: ANN201
    import contextlib
    import socket

    @contextlib.contextmanager
    def closed():  # noqa: ANN202
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        yield port  # nothing listens there any more

    return closed()


def test_outbox_without_smtp_host(tmp_path: Path) -> None:
    mailer = mailer_for(settings_from_mapping({}, data_dir=tmp_path))
    assert isinstance(mailer.transport, OutboxTransport)
    mailer.send(_message())
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    assert b"plain body" in eml.read_bytes()
    assert not list((tmp_path / "outbox").glob("*.tmp"))


@pytest.mark.parametrize("field", ["subject", "to"])
def test_header_injection_is_refused(field: str) -> None:
    values = {"subject": "Hello", "to": "ana@example.org"}
    values[field] = "x\r\nBcc: victim@example.org"
    with pytest.raises(InvalidInputError):
        compose(sender="hub@example.org", text="t", **values)


def test_unknown_mail_setting_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"\[mail\].*smtp_hots"):
        settings_from_mapping({"mail": {"smtp_hots": "x"}}, data_dir=tmp_path)


def test_signed_links_are_bound_to_purpose_and_expire(tmp_path: Path) -> None:
    signer = LinkSigner.for_data_dir(tmp_path)
    token = signer.sign("newsletter.confirm", {"email": "ana@example.org"})
    assert signer.verify("newsletter.confirm", token) == {"email": "ana@example.org"}
    # The same key is read back by another worker.
    assert LinkSigner.for_data_dir(tmp_path).verify("newsletter.confirm", token)
    with pytest.raises(AccessDeniedError, match="not valid"):
        signer.verify("events.cancel", token)
    with pytest.raises(AccessDeniedError, match="not valid"):
        signer.verify("newsletter.confirm", token[:-2] + ("A" if token[-2] != "A" else "B")
                      + token[-1])
    with pytest.raises(AccessDeniedError, match="not valid"):
        LinkSigner(b"x" * 32).verify("newsletter.confirm", token)
    time.sleep(1.1)
    with pytest.raises(AccessDeniedError, match="expired"):
        signer.verify("newsletter.confirm", token, max_age_s=0)


def test_attachment_type_keeps_its_parameters(smtp_server: SmtpServer) -> None:
    transport = SmtpTransport(MailSettings(**smtp_server.mail_settings()))
    transport.send(_message(attachments=[("invitation.ics", "text/calendar; method=REQUEST",
                                          b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")]))
    [got] = smtp_server.wait_for(1)
    [part] = list(got.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitation.ics"

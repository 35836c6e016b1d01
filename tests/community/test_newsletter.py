"""The newsletter's rules over a real database and a real SMTP server (aiosmtpd): double opt-in,
signed links, every mail with a text part and RFC 8058 headers, sending in batches with
retries and bounces, and the delivery ledger that makes a rerun send nobody twice."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from onemg.community.newsletter import service
from onemg.community.newsletter.sending import SendOptions, send_edition
from onemg.community.newsletter.store import (
    BOUNCING,
    CONFIRMED,
    PENDING,
    SENDING,
    UNSUBSCRIBED,
    NewsletterStore,
)
from onemg.errors import AccessDeniedError, InvalidInputError
from onemg.mail import Mailer, SmtpTransport
from onemg.settings import MailSettings, Settings
from onemg.web.pages import WebServices
from onemg.web.signed_links import LinkSigner
from tests.mailserver import SmtpServer, text_of

FAST = SendOptions(batch_size=4, retry_after_s=0.0, max_attempts=3)


@pytest.fixture
def parts(tmp_path: Path, db_url: str, smtp_server: SmtpServer):  # noqa: ANN201
    web = WebServices.for_settings(Settings(data_dir=tmp_path / "hub", database_url=db_url))
    mail = MailSettings(**smtp_server.mail_settings(public_url="https://hub.example.org/"))
    mailer = Mailer(
        SmtpTransport(mail), sender="1+MG <news@hub.example.org>", public_url=mail.public_url
    )
    yield NewsletterStore(web.engine), mailer, LinkSigner(b"k" * 32)
    web.dispose()


def _token_from(text: str, path: str) -> str:
    line = next(line for line in text.splitlines() if path in line)
    return line.split("token=", 1)[1].split()[0].strip(">")


def _confirmed(store: NewsletterStore, *addresses: str) -> None:
    for address in addresses:
        store.set_state(store.request(address)[0].id, CONFIRMED)


def test_double_opt_in_mails_nothing_before_confirmation(parts, smtp_server: SmtpServer) -> None:  # noqa: ANN001
    store, mailer, signer = parts
    assert service.request_subscription(store, mailer, signer, " Ada@Example.org ")
    mail = smtp_server.wait_for(1, to="ada@example.org")[0]
    assert "Confirm your subscription" in mail["Subject"]
    text = text_of(mail)  # every mail has a plain-text part
    assert "https://hub.example.org/newsletter/confirm?token=" in text
    assert store.subscriber(email="ada@example.org").state == PENDING
    # sending the form again at once mails nothing more (no flooding a mailbox from the form)
    assert not service.request_subscription(store, mailer, signer, "ada@example.org")
    # an edition goes to confirmed subscribers only: the pending address gets nothing
    edition = store.create_edition("First edition", "Hello", author=None)
    report = send_edition(store, mailer, signer, edition.id, options=FAST)
    assert report.sent == 0
    assert len(smtp_server.to("ada@example.org")) == 1
    token = _token_from(text, "/newsletter/confirm")
    assert service.confirm(store, signer, token).state == CONFIRMED
    # asking again once confirmed sends no new confirmation mail
    assert not service.request_subscription(store, mailer, signer, "ada@example.org")
    assert len(smtp_server.to("ada@example.org")) == 1
    with pytest.raises(InvalidInputError, match="not valid; write it like"):
        service.request_subscription(store, mailer, signer, "ada@example.org\r\nBcc: x@y.org")


def test_forged_expired_and_other_purpose_tokens_are_refused(parts, monkeypatch) -> None:  # noqa: ANN001
    store, _, signer = parts
    real_time = time.time
    subscriber, _ = store.request("bob@example.org")
    confirm = signer.sign(service.CONFIRM, {"e": "bob@example.org"})
    unsubscribe = service.unsubscribe_token(signer, subscriber.id)
    with pytest.raises(AccessDeniedError, match="not valid"):
        service.confirm(store, signer, confirm[:-2] + ("AA" if confirm[-2:] != "AA" else "BB"))
    with pytest.raises(AccessDeniedError, match="not valid"):
        service.confirm(store, signer, unsubscribe)  # an unsubscribe token confirms nothing
    with pytest.raises(AccessDeniedError, match="not valid"):
        service.unsubscribe(store, signer, confirm)
    with pytest.raises(AccessDeniedError, match="not valid"):
        service.confirm(store, LinkSigner(b"x" * 32), confirm)  # another hub's key
    # the same token three days and a bit later (itsdangerous reads the clock with time.time)
    monkeypatch.setattr(time, "time", lambda: real_time() + service.CONFIRM_MAX_AGE_S + 10)
    with pytest.raises(AccessDeniedError, match="expired"):
        service.confirm(store, signer, confirm)
    monkeypatch.undo()
    assert store.subscriber(email="bob@example.org").state == PENDING


def test_edition_mail_has_text_html_and_one_click_unsubscribe(parts, smtp_server) -> None:  # noqa: ANN001
    store, mailer, signer = parts
    _confirmed(store, "cy@example.org")
    edition = store.create_edition(
        "April 2021",
        "# News\n\nRead [the report](https://example.org/r).\n\n<script>x</script>",
        author=None,
    )
    report = send_edition(store, mailer, signer, edition.id, options=FAST)
    assert report.sent == 1
    mail = smtp_server.wait_for(1, to="cy@example.org")[0]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://hub.example.org/newsletter/unsubscribe?token=")
    text = text_of(mail)
    assert "the report <https://example.org/r>" in text
    assert url in text  # the link is in the body too
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert '<a href="https://example.org/r"' in html
    assert "<script>" not in html
    assert mail["Message-ID"] == f"<newsletter-{edition.id}-1@hub.example.org>"
    subscriber_id = store.subscriber(email="cy@example.org").id
    assert service.unsubscribe(store, signer, url.split("token=")[1]).state == UNSUBSCRIBED
    assert store.subscriber(subscriber_id=subscriber_id).state == UNSUBSCRIBED
    second = store.create_edition("May 2021", "More", author=None)
    assert send_edition(store, mailer, signer, second.id, options=FAST).sent == 0


def test_subject_with_a_line_break_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="subject: must be one line"):
        service.validate_edition("Hello\r\nBcc: everyone@example.org", "body")
    with pytest.raises(InvalidInputError, match="subject: required"):
        service.validate_edition("  ", "body")


def test_batches_retries_and_bounces(parts, smtp_server: SmtpServer) -> None:  # noqa: ANN001
    store, mailer, signer = parts
    addresses = [f"r{n}@example.org" for n in range(10)]
    _confirmed(store, *addresses)
    smtp_server.sink.reject.add("r3@example.org")  # 550: permanent
    smtp_server.sink.defer["r5@example.org"] = 2  # 451 twice, then accepted
    edition = store.create_edition("Edition", "Body", author=None)
    seen: list[tuple[int, int]] = []
    report = send_edition(
        store,
        mailer,
        signer,
        edition.id,
        options=FAST,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.sent == 9
    assert report.bounced == 1
    assert report.totals["sent"] == 9
    assert report.totals["bounced"] == 1
    assert report.totals["failed"] == 0
    assert seen[0] == (4, 10)  # one progress report per batch of four
    assert seen[-1] == (10, 10)
    for address in addresses:
        expected = 0 if address == "r3@example.org" else 1
        assert len(smtp_server.to(address)) == expected, address
    assert store.subscriber(email="r3@example.org").state == BOUNCING
    # rerunning sends nothing more; the bouncing address is not mailed again, ever
    assert send_edition(store, mailer, signer, edition.id, options=FAST).sent == 0
    smtp_server.sink.reject.clear()
    next_edition = store.create_edition("Next", "Body", author=None)
    assert send_edition(store, mailer, signer, next_edition.id, options=FAST).sent == 9
    assert len(smtp_server.to("r3@example.org")) == 0


def test_temporary_failures_stop_after_the_allowed_attempts(parts, smtp_server) -> None:  # noqa: ANN001
    store, mailer, signer = parts
    _confirmed(store, "busy@example.org")
    smtp_server.sink.defer["busy@example.org"] = 10
    edition = store.create_edition("Edition", "Body", author=None)
    report = send_edition(store, mailer, signer, edition.id, options=FAST)
    assert report.sent == 0
    assert report.totals["failed"] == 1
    assert smtp_server.sink.defer["busy@example.org"] == 7  # three attempts, no more
    assert store.subscriber(email="busy@example.org").state == CONFIRMED  # not a bounce


def test_a_claim_left_by_a_dead_run_is_sent_again_with_the_same_message_id(
    parts,
    smtp_server: SmtpServer,  # noqa: ANN001
) -> None:
    """The window between SMTP's accept and the record: at least once, never lost."""
    store, mailer, signer = parts
    _confirmed(store, "a@example.org", "b@example.org")
    edition = store.create_edition("Edition", "Body", author=None)
    # a run claimed a@ and died before recording (as after kill -9 inside a batch)
    claims = store.claim(
        edition.id, "dead-run", limit=1, max_attempts=3, retry_after_s=0, take_over_after_s=0
    )
    assert [c.email for c in claims] == ["a@example.org"]
    assert store.progress(edition.id)[SENDING] == 1
    # a rerun soon after leaves the doubtful claim alone (the dead run might still be alive)
    options = SendOptions(batch_size=10, take_over_after_s=3600)
    report = send_edition(store, mailer, signer, edition.id, options=options)
    assert report.sent == 1
    assert report.totals[SENDING] == 1
    assert smtp_server.to("a@example.org") == []
    # past the take-over delay it is sent, once
    options = SendOptions(batch_size=10, take_over_after_s=0)
    assert send_edition(store, mailer, signer, edition.id, options=options).sent == 1
    assert send_edition(store, mailer, signer, edition.id, options=options).sent == 0
    (mail,) = smtp_server.to("a@example.org")
    assert mail["Message-ID"].startswith(f"<newsletter-{edition.id}-")


def test_two_concurrent_runs_never_claim_the_same_subscriber(parts) -> None:  # noqa: ANN001
    store, _, _ = parts
    _confirmed(store, *(f"c{n}@example.org" for n in range(6)))
    edition = store.create_edition("Edition", "Body", author=None)
    first = store.claim(
        edition.id, "run-1", limit=4, max_attempts=3, retry_after_s=0, take_over_after_s=3600
    )
    second = store.claim(
        edition.id, "run-2", limit=4, max_attempts=3, retry_after_s=0, take_over_after_s=3600
    )
    assert len(first) == 4
    assert len(second) == 2
    assert not {c.subscriber_id for c in first} & {c.subscriber_id for c in second}


def test_the_commands_have_help() -> None:
    from onemg.cli import main

    assert main(["community", "newsletter", "send", "--help"]) == 0
    assert main(["community", "news", "demo", "--help"]) == 0


def test_the_send_command_reports_an_unknown_edition(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from onemg.cli import main

    assert main(["community", "newsletter", "send", "7", "--data-dir", str(tmp_path)]) == 2
    assert "no newsletter edition 7; list them at /newsletter/admin" in capsys.readouterr().err

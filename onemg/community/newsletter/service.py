"""The newsletter's rules: double opt-in, one-click unsubscribe, editions as mail.

Addresses are mailed only once confirmed: a request sends one confirmation mail with a signed
link that expires after :data:`CONFIRM_MAX_AGE_S`. Every edition mail carries a plain-text part,
an HTML alternative, the RFC 8058 one-click unsubscribe headers and an unsubscribe link; the
unsubscribe token is signed for that purpose only and names the subscriber, nothing else.
"""

from __future__ import annotations

from email.message import EmailMessage

from onemg.access.accounts import check_email
from onemg.community.newsletter.store import (
    CONFIRMED,
    PENDING,
    UNSUBSCRIBED,
    EditionView,
    NewsletterStore,
    SubscriberView,
)
from onemg.errors import InvalidInputError, NotFoundError
from onemg.mail import Mailer, compose
from onemg.web.markdown import markdown_to_text, render_markdown
from onemg.web.signed_links import LinkSigner

CONFIRM = "newsletter.confirm"
UNSUBSCRIBE = "newsletter.unsubscribe"
#: A confirmation link works for three days.
CONFIRM_MAX_AGE_S = 3 * 24 * 3600
#: At most one confirmation mail per address in this time, however often the form is sent.
ASK_AGAIN_AFTER_S = 10 * 60
LIST_ID = "1+MG newsletter <newsletter.onemg>"


def request_subscription(
    store: NewsletterStore, mailer: Mailer, signer: LinkSigner, address: str
) -> bool:
    """Ask to subscribe ``address``: a confirmation mail goes out unless it is confirmed already
    or one went out less than :data:`ASK_AGAIN_AFTER_S` ago.

    Returns True when a confirmation mail was sent. The page says the same either way, so it
    does not tell anyone whether an address is subscribed.

    Raises:
        InvalidInputError: the address is not valid.
        MailError: the confirmation could not be sent.
    """
    subscriber, ask = store.request(check_email(address), ask_again_after_s=ASK_AGAIN_AFTER_S)
    if not ask:
        return False
    token = signer.sign(CONFIRM, {"e": subscriber.email})
    link = mailer.link(f"newsletter/confirm?token={token}")
    text = (
        "Someone, probably you, asked to receive the 1+MG newsletter at this address.\n\n"
        f"To confirm, open this link within three days:\n{link}\n\n"
        "If you did not ask for it, ignore this mail: nothing will be sent to you.\n"
    )
    html = (
        "<p>Someone, probably you, asked to receive the 1+MG newsletter at this address.</p>"
        f'<p><a href="{link}">Confirm my subscription</a> (the link works for three days).</p>'
        "<p>If you did not ask for it, ignore this mail: nothing will be sent to you.</p>"
    )
    mailer.send(
        compose(
            sender=mailer.sender,
            to=subscriber.email,
            subject="Confirm your subscription to the 1+MG newsletter",
            text=text,
            html=html,
        )
    )
    return True


def confirm(store: NewsletterStore, signer: LinkSigner, token: str) -> SubscriberView:
    """Confirm the address a confirmation link was made for.

    Raises:
        AccessDeniedError: the token is altered, for another purpose, or expired.
        NotFoundError: the subscription is gone.
    """
    payload = signer.verify(CONFIRM, token, max_age_s=CONFIRM_MAX_AGE_S)
    subscriber = store.subscriber(email=str(payload.get("e", "")))
    if subscriber is None:
        raise NotFoundError("this subscription no longer exists; subscribe again")
    return store.set_state(subscriber.id, CONFIRMED, only_from=(PENDING, CONFIRMED))


def unsubscribe_token(signer: LinkSigner, subscriber_id: int) -> str:
    """The token of a subscriber's unsubscribe link (it does not expire)."""
    return signer.sign(UNSUBSCRIBE, {"s": subscriber_id})


def unsubscribe(store: NewsletterStore, signer: LinkSigner, token: str) -> SubscriberView:
    """Unsubscribe the subscriber an unsubscribe token names (again is harmless).

    Raises:
        AccessDeniedError: the token is altered or made for another purpose.
    """
    payload = signer.verify(UNSUBSCRIBE, token)
    subscriber_id = payload.get("s") if isinstance(payload, dict) else None
    if not isinstance(subscriber_id, int):
        raise InvalidInputError("this unsubscribe link is incomplete")
    return store.set_state(subscriber_id, UNSUBSCRIBED)


def validate_edition(subject: str, body: str) -> tuple[str, str]:
    """An edition's subject and body from an editor's form.

    Raises:
        InvalidInputError: the subject is empty, longer than 200 characters, or not one line
            (a line break in a mail header would let text become headers of its own).
    """
    subject = subject.strip()
    if not subject:
        raise InvalidInputError("subject: required")
    if "\r" in subject or "\n" in subject:
        raise InvalidInputError("subject: must be one line (no line breaks)")
    if len(subject) > 200:
        raise InvalidInputError(f"subject: at most 200 characters (got {len(subject)})")
    if not body.strip():
        raise InvalidInputError("text: required")
    if len(body) > 200_000:
        raise InvalidInputError(f"text: at most 200000 characters (got {len(body)})")
    return subject, body.replace("\r\n", "\n").strip() + "\n"


def edition_mail(
    edition: EditionView, mailer: Mailer, signer: LinkSigner, *, subscriber_id: int, to: str
) -> EmailMessage:
    """The mail of ``edition`` for one subscriber.

    Its Message-ID is the same every time it is built for that subscriber, so a re-sent copy
    (the at-least-once case, docs/community.md) is recognised as the same message by mail
    systems that de-duplicate on it.
    """
    unsubscribe_url = mailer.link(
        f"newsletter/unsubscribe?token={unsubscribe_token(signer, subscriber_id)}"
    )
    archive = mailer.link(f"newsletter/editions/{edition.id}")
    text = (
        markdown_to_text(edition.body) + f"\n--\nRead this edition online: {archive}\n"
        f"Unsubscribe (one click): {unsubscribe_url}\n"
    )
    html = (
        f"<!doctype html><html><body>{render_markdown(edition.body)}"
        f'<hr><p><a href="{archive}">Read this edition online</a> · '
        f'<a href="{unsubscribe_url}">Unsubscribe</a></p></body></html>'
    )
    message = compose(
        sender=mailer.sender,
        to=to,
        subject=edition.subject,
        text=text,
        html=html,
        unsubscribe_url=unsubscribe_url,
        headers={"List-Id": LIST_ID, "Precedence": "bulk"},
    )
    domain = mailer.sender.rpartition("@")[2].strip("> ") or "onemg"
    del message["Message-ID"]
    message["Message-ID"] = f"<newsletter-{edition.id}-{subscriber_id}@{domain}>"
    return message

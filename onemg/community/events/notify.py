"""Mail about registrations: address confirmation, confirmed (with the ``.ics``), waiting list,
promotion, cancellation, and organisers' messages. Every mail has a plain-text part
(:func:`onemg.mail.compose`); links to cancel are signed (:mod:`onemg.web.signed_links`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from onemg.community.events import ics
from onemg.community.events.records import CONFIRMED, Event, Registration
from onemg.community.events.zones import CET, format_day, format_instant, in_zone
from onemg.mail import MailError, compose

log = logging.getLogger(__name__)

#: Signed-link purposes (the salt: a token for one cannot be used for the other).
CONFIRM_PURPOSE = "events.confirm"
CANCEL_PURPOSE = "events.cancel"
#: A confirmation link works for two days; a cancel link for a year.
CONFIRM_MAX_AGE_S = 2 * 86400
CANCEL_MAX_AGE_S = 366 * 86400


def when_text(event: Event, tz: str = CET) -> str:
    """The event's dates as one line (in ``tz`` for timed events)."""
    if event.precision == "month":
        return f"{event.first_day:%B %Y}"
    if event.precision == "day":
        first, last = event.first_day, event.last_day
        return format_day(first) if first == last else f"{format_day(first)} to {format_day(last)}"
    start, end = in_zone(event.starts_at, tz), in_zone(event.ends_at, tz)
    if start.date() == end.date():
        return f"{format_day(start.date())}, {start:%H:%M} to {end:%H:%M} {end.tzname()}"
    return f"{format_instant(event.starts_at, tz)} to {format_instant(event.ends_at, tz)}"


class Notifier:
    """Composes and sends the events' mails through the hub's mailer."""

    def __init__(self, mailer: Any, signer: Any) -> None:
        self.mailer = mailer
        self.signer = signer

    def cancel_url(self, registration: Registration) -> str:
        """The signed link that cancels ``registration``."""
        token = self.signer.sign(CANCEL_PURPOSE, {"r": registration.id, "e": registration.email})
        return self.mailer.link(f"events/{registration.event_id}/cancel?token={token}")

    def _send(
        self,
        to: str,
        subject: str,
        text: str,
        attachments: list[tuple[str, str, bytes]] | None = None,
    ) -> bool:
        try:
            self.mailer.send(
                compose(
                    sender=self.mailer.sender,
                    to=to,
                    subject=subject,
                    text=text,
                    attachments=attachments,
                )
            )
            return True
        except MailError:
            # The registration stands; the page tells the person what happened.
            log.warning("events: a mail could not be sent", exc_info=True)
            return False

    def confirm_address(
        self, event: Event, *, email: str, name: str, session_key: str | None, sub: str | None
    ) -> bool:
        """Mail a signed link that completes the registration once the address is confirmed."""
        token = self.signer.sign(
            CONFIRM_PURPOSE, {"ev": event.id, "e": email, "n": name, "s": session_key, "u": sub}
        )
        url = self.mailer.link(f"events/{event.id}/confirm?token={token}")
        text = (
            f"Hello {name},\n\nsomeone (we hope you) asked to register this address for\n"
            f"{event.name} ({when_text(event)}).\n\nTo confirm, open this link within two "
            f"days and press the button:\n{url}\n\nIf it was not you, ignore this mail: "
            "nothing has been stored.\n"
        )
        return self._send(email, f"Confirm your registration: {event.name}", text)

    def registered(self, event: Event, reg: Registration, *, position: int | None) -> bool:
        """Tell the person they hold a place (with the invitation) or wait for one."""
        cancel = self.cancel_url(reg)
        session = next((s.title for s in event.sessions if s.id == reg.session_id), None)
        workshop = f"Workshop session: {session}\n" if session else ""
        if reg.status == CONFIRMED:
            text = (
                f"Hello {reg.name},\n\nyou are registered for {event.name}.\n\n"
                f"When: {when_text(event)}\n{workshop}"
                f"Where: {self._where(event)}\n\nThe calendar invitation is attached "
                f"(invitation.ics).\n\nCannot come? Cancel here, so that someone on the "
                f"waiting list gets your place:\n{cancel}\n"
            )
            return self._send(reg.email, f"Registered: {event.name}", text, [self._ics(event, reg)])
        text = (
            f"Hello {reg.name},\n\n{event.name} is full, so you are on the waiting list "
            f"(number {position}).\n{workshop}\nWhen a place frees up you get it "
            f"automatically, and a mail with the calendar invitation.\n\nTo leave the "
            f"waiting list:\n{cancel}\n"
        )
        return self._send(reg.email, f"Waiting list: {event.name}", text)

    def promoted(self, event: Event, reg: Registration) -> bool:
        """Tell a person from the waiting list that they now hold a place."""
        text = (
            f"Hello {reg.name},\n\ngood news: a place at {event.name} freed up and it is "
            f"yours now.\n\nWhen: {when_text(event)}\nWhere: {self._where(event)}\n\n"
            f"The calendar invitation is attached (invitation.ics).\n\nCannot come after "
            f"all? Cancel here:\n{self.cancel_url(reg)}\n"
        )
        return self._send(
            reg.email, f"You have a place: {event.name}", text, [self._ics(event, reg)]
        )

    def cancelled(self, event: Event, reg: Registration) -> bool:
        """Confirm a cancellation (with a ``METHOD:CANCEL`` calendar update)."""
        text = (
            f"Hello {reg.name},\n\nyour registration for {event.name} is cancelled.\n"
            "The attached calendar update removes it from your calendar.\n"
        )
        return self._send(
            reg.email,
            f"Cancelled: {event.name}",
            text,
            [self._ics(event, reg, method="CANCEL", sequence=1)],
        )

    def message(self, event: Event, regs: list[Registration], *, subject: str, body: str) -> int:
        """Send an organiser's message to each registrant; returns how many were sent."""
        sent = 0
        for reg in regs:
            text = (
                f"{body.strip()}\n\n--\nYou receive this because you registered for "
                f"{event.name}. To cancel your registration:\n{self.cancel_url(reg)}\n"
            )
            sent += self._send(reg.email, f"[{event.name}] {subject}", text)
        return sent

    def _ics(
        self, event: Event, reg: Registration, *, method: str = "REQUEST", sequence: int = 0
    ) -> tuple[str, str, bytes]:
        data = ics.invitation(
            event,
            reg,
            base_url=self.mailer.link(""),
            now=datetime.now(UTC),
            method=method,
            sequence=sequence,
        )
        # Outlook shows an invitation only when the MIME type names the method too.
        return ("invitation.ics", f"{ics.MIME}; method={method}", data)

    @staticmethod
    def _where(event: Event) -> str:
        if event.online:
            return f"{event.location} (online)" if event.location else "online"
        return event.location or "to be announced"

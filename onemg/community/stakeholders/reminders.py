"""Reminders before round deadlines: one mail per participant who has not contributed yet.

Run by ``onemg community remind`` (cron) or by the hub's background task (``[community]
remind_interval_s``); each round is reminded once, when its deadline is within ``before_s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from onemg.community.stakeholders.context import Deps
from onemg.community.stakeholders.reviews import DEFAULT_ZONE, Reviews
from onemg.community.stakeholders.vocab import ROUND_LABELS
from onemg.mail import MailError

DEFAULT_BEFORE_S = 2 * 24 * 3600


def format_deadline(epoch: int, zone: str = DEFAULT_ZONE) -> str:
    """A deadline in ``zone`` and in UTC, e.g. "Wed 20 January 2027, 12:00 CET (11:00 UTC)"."""
    local = datetime.fromtimestamp(epoch, ZoneInfo(zone))
    utc = datetime.fromtimestamp(epoch, UTC)
    return f"{local:%a %d %B %Y, %H:%M} {local.tzname()} ({utc:%H:%M} UTC)"


@dataclass(frozen=True)
class Reminded:
    """What one round's reminder did."""

    round_id: int
    title: str
    sent: int
    failed: int


def send_reminders(
    deps: Deps, reviews: Reviews, *, before_s: int = DEFAULT_BEFORE_S, link: str = ""
) -> list[Reminded]:
    """Remind the participants of open rounds whose deadline is near, once per round.

    A reminder is best effort: a mail the server refuses counts as failed and is not retried
    (the round is marked reminded), so nobody gets two reminders for one round. ``link`` is
    the base URL of the hub (the mail links to the round).
    """
    now = deps.now()
    done = []
    for rnd in deps.store.rounds(status="open"):
        if rnd.reminded_at is not None or not now < rnd.deadline <= now + before_s:
            continue
        contributed = {c.author for c in deps.store.comments(rnd.id)}
        contributed |= {v.author for v in deps.store.verdicts(rnd.id)}
        kind = ROUND_LABELS[rnd.kind].lower()
        sent = failed = 0
        for sub in reviews.participants(rnd):
            if sub in contributed:
                continue
            try:
                sent += deps.mail(
                    sub,
                    f"Reminder: {kind} closes soon",
                    f'The {kind} round "{rnd.title}" closes on '
                    f"{format_deadline(rnd.deadline)}.\n\nTake part here: "
                    f"{link.rstrip('/')}/stakeholders/rounds/{rnd.id}\n",
                )
            except MailError:
                failed += 1
        deps.store.update_round(rnd.id, reminded_at=now)
        deps.record(
            None, "stakeholders.remind", f"round:{rnd.id}", "sent", f"mails={sent} failed={failed}"
        )
        done.append(Reminded(rnd.id, rnd.title, sent, failed))
    return done

"""Sending an edition to every confirmed subscriber: batched, resumable, exactly once.

Per subscriber the sender (1) claims the delivery row (committed), (2) hands the mail to SMTP,
(3) records ``sent``, ``failed`` (temporary; retried) or ``bounced`` (permanent; the subscriber
is marked bouncing and never mailed again) in a second commit. A run killed at any point
between batches leaves only finished rows behind, and a rerun skips them: every subscriber gets
the edition exactly once. A kill inside (2)-(3) leaves one row ``sending``: the rerun cannot
know whether the server accepted that mail, and after ``take_over_after_s`` it sends it again
(at least once, never lost; the copy has the same Message-ID). docs/community.md explains why.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from onemg.community.newsletter.service import edition_mail
from onemg.community.newsletter.store import BOUNCED, FAILED, SENT, NewsletterStore
from onemg.mail import Mailer, MailError
from onemg.web.signed_links import LinkSigner

#: ``progress(done, total)`` after every batch.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SendOptions:
    """How to send: batch size, pause between batches, retries, take-over of stale claims."""

    batch_size: int = 50
    pause_s: float = 0.0
    max_attempts: int = 3
    retry_after_s: float = 30.0
    take_over_after_s: float = 900.0


@dataclass(frozen=True)
class SendReport:
    """What a run did, and where the edition stands."""

    sent: int
    bounced: int
    failed: int
    #: Over all runs: delivered, bounced, failed for good, still in doubt, still to send.
    totals: dict[str, int]


def total_and_done(progress: dict[str, int]) -> tuple[int, int]:
    """(``done``, ``total``) of an edition's ledger counts: finished rows over all rows."""
    total = sum(progress.values())
    return progress["sent"] + progress["bounced"], total


def send_edition(
    store: NewsletterStore,
    mailer: Mailer,
    signer: LinkSigner,
    edition_id: int,
    *,
    options: SendOptions = SendOptions(),
    progress: Progress | None = None,
    run_id: str | None = None,
) -> SendReport:
    """Send edition ``edition_id`` to every confirmed subscriber not yet mailed it.

    Safe to run again at any time, also while another run goes on: rows already finished or
    claimed by a live run are skipped.
    """
    run_id = run_id or uuid.uuid4().hex
    edition = store.edition(edition_id)
    store.mark_sending(edition_id)
    sent = bounced = failed = 0
    while True:
        claims = store.claim(
            edition_id,
            run_id,
            limit=options.batch_size,
            max_attempts=options.max_attempts,
            retry_after_s=options.retry_after_s,
            take_over_after_s=options.take_over_after_s,
        )
        if not claims:
            if store.has_retries(edition_id, options.max_attempts):
                time.sleep(min(options.retry_after_s, 5.0))
                continue
            break
        for claim in claims:
            message = edition_mail(
                edition, mailer, signer, subscriber_id=claim.subscriber_id, to=claim.email
            )
            try:
                mailer.send(message)
            except MailError as exc:
                state = BOUNCED if exc.permanent else FAILED
                store.record(
                    edition_id,
                    claim.subscriber_id,
                    run_id,
                    state,
                    attempts=claim.attempts + 1,
                    error=str(exc),
                )
                bounced += state == BOUNCED
                failed += state == FAILED
                continue
            store.record(edition_id, claim.subscriber_id, run_id, SENT, attempts=claim.attempts + 1)
            sent += 1
        if progress is not None:
            progress(*total_and_done(store.progress(edition_id)))
        if options.pause_s:
            time.sleep(options.pause_s)
    return SendReport(sent=sent, bounced=bounced, failed=failed, totals=store.progress(edition_id))

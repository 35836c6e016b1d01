"""Subscribers, editions and the delivery ledger of the newsletter in the hub database.

The ledger (``newsletter_deliveries``, one row per edition and subscriber) is what makes sending
resumable: a row is *claimed* (inserted, or taken over with a compare-and-set update) in its own
transaction before its mail goes to SMTP, and its outcome is recorded in another transaction
right after. Two senders never claim the same row; a finished row is never claimed again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from onemg.community.newsletter.models import Delivery, Edition, Subscriber
from onemg.db import make_sessionmaker
from onemg.errors import NotFoundError

PENDING, CONFIRMED, UNSUBSCRIBED, BOUNCING = "pending", "confirmed", "unsubscribed", "bouncing"
SENDING, SENT, FAILED, BOUNCED = "sending", "sent", "failed", "bounced"


@dataclass(frozen=True)
class SubscriberView:
    """A subscriber as the rules see them."""

    id: int
    email: str
    state: str


@dataclass(frozen=True)
class EditionView:
    """An edition: subject and Markdown body; ``sending_at`` once sending started."""

    id: int
    subject: str
    body: str
    created_at: int
    sending_at: int | None


@dataclass(frozen=True)
class Claim:
    """A delivery this run holds: send to ``email``, then record the outcome."""

    subscriber_id: int
    email: str
    attempts: int


def _now() -> int:
    return int(time.time())


class NewsletterStore:
    """Reads and writes the newsletter tables of one hub database."""

    def __init__(self, engine: Engine) -> None:
        self._session = make_sessionmaker(engine)

    # -- subscribers -------------------------------------------------------------------------
    def subscriber(
        self,
        *,
        email: str | None = None,
        subscriber_id: int | None = None,
    ) -> SubscriberView | None:
        """The subscriber with ``email`` (lower-cased) or ``subscriber_id``, if any."""
        with self._session() as s:
            if subscriber_id is not None:
                row = s.get(Subscriber, subscriber_id)
            else:
                row = s.scalar(select(Subscriber).where(Subscriber.email == (email or "").lower()))
            return SubscriberView(row.id, row.email, row.state) if row else None

    def request(self, email: str, *, ask_again_after_s: float = 0) -> tuple[SubscriberView, bool]:
        """Record a subscription request: a new or former subscriber becomes ``pending``.

        A confirmed subscriber stays confirmed (asking twice changes nothing). Returns the
        subscriber and whether to mail a confirmation now: not when confirmed, nor when the last
        one went out less than ``ask_again_after_s`` ago (so the form cannot flood a mailbox).
        """
        email = email.lower()
        for _ in range(2):
            try:
                with self._session.begin() as s:
                    row = s.scalar(select(Subscriber).where(Subscriber.email == email))
                    if row is None:
                        row = Subscriber(email=email, state=PENDING, created_at=_now())
                        s.add(row)
                    elif row.state != CONFIRMED:
                        row.state, row.left_at = PENDING, None
                    ask = row.state == PENDING and (
                        row.asked_at is None or row.asked_at <= _now() - ask_again_after_s
                    )
                    if ask:
                        row.asked_at = _now()
                    s.flush()
                    return SubscriberView(row.id, row.email, row.state), ask
            except SqlIntegrityError:
                continue  # the same address asked at the same moment: read it again
        raise NotFoundError(f"cannot record the subscription of {email}; try again")

    def set_state(
        self, subscriber_id: int, state: str, *, only_from: tuple[str, ...] = ()
    ) -> SubscriberView:
        """Move a subscriber to ``state`` (only from the states in ``only_from``, if given)."""
        with self._session.begin() as s:
            row = s.get(Subscriber, subscriber_id)
            if row is None:
                raise NotFoundError("this subscription no longer exists")
            if not only_from or row.state in only_from:
                row.state = state
                if state == CONFIRMED:
                    row.confirmed_at, row.left_at = _now(), None
                elif state in (UNSUBSCRIBED, BOUNCING):
                    row.left_at = _now()
            return SubscriberView(row.id, row.email, row.state)

    def counts(self) -> dict[str, int]:
        """Subscribers per state."""
        with self._session() as s:
            rows = s.execute(select(Subscriber.state, func.count()).group_by(Subscriber.state))
            return {state: int(n) for state, n in rows}

    # -- editions ----------------------------------------------------------------------------
    def create_edition(self, subject: str, body: str, *, author: str | None) -> EditionView:
        """Store a new edition (not sent)."""
        with self._session.begin() as s:
            row = Edition(subject=subject, body=body, author_sub=author, created_at=_now())
            s.add(row)
            s.flush()
            edition_id = row.id
        return self.edition(edition_id)

    def update_edition(self, edition_id: int, subject: str, body: str) -> EditionView:
        """Change an edition that has not started sending."""
        with self._session.begin() as s:
            row = s.get(Edition, edition_id)
            if row is None:
                raise NotFoundError(f"no newsletter edition {edition_id}")
            if row.sending_at is None:
                row.subject, row.body = subject, body
        return self.edition(edition_id)

    def edition(self, edition_id: int) -> EditionView:
        """Edition ``edition_id`` (NotFoundError if there is none)."""
        with self._session() as s:
            row = s.get(Edition, edition_id)
            if row is None:
                raise NotFoundError(
                    f"no newsletter edition {edition_id}; list them at /newsletter/admin"
                )
            return EditionView(row.id, row.subject, row.body, row.created_at, row.sending_at)

    def editions(self, *, sent_only: bool = False) -> list[EditionView]:
        """Editions, newest first (``sent_only``: those in the public archive)."""
        query = select(Edition).order_by(Edition.id.desc())
        if sent_only:
            query = query.where(Edition.sending_at.is_not(None))
        with self._session() as s:
            return [
                EditionView(r.id, r.subject, r.body, r.created_at, r.sending_at)
                for r in s.scalars(query)
            ]

    def mark_sending(self, edition_id: int) -> None:
        """Freeze the edition: sending has started (it now shows in the archive)."""
        with self._session.begin() as s:
            s.execute(
                update(Edition)
                .where(Edition.id == edition_id, Edition.sending_at.is_(None))
                .values(sending_at=_now())
            )

    # -- the delivery ledger -----------------------------------------------------------------
    def claim(
        self,
        edition_id: int,
        run_id: str,
        *,
        limit: int,
        max_attempts: int,
        retry_after_s: float,
        take_over_after_s: float,
    ) -> list[Claim]:
        """Claim up to ``limit`` deliveries for this run, each in its own transaction.

        Claimable: a confirmed subscriber without a row; a ``failed`` row with attempts left
        whose last try is ``retry_after_s`` old; a ``sending`` row older than
        ``take_over_after_s`` (its run died between SMTP and recording: see docs/community.md).
        """
        now = _now()
        claims: list[Claim] = []
        with self._session() as s:
            fresh = s.execute(
                select(Subscriber.id, Subscriber.email)
                .where(Subscriber.state == CONFIRMED)
                .where(
                    ~select(Delivery.subscriber_id)
                    .where(
                        Delivery.edition_id == edition_id, Delivery.subscriber_id == Subscriber.id
                    )
                    .exists()
                )
                .order_by(Subscriber.id)
                .limit(limit)
            ).all()
        for subscriber_id, email in fresh:
            try:
                with self._session.begin() as s:
                    s.add(
                        Delivery(
                            edition_id=edition_id,
                            subscriber_id=subscriber_id,
                            state=SENDING,
                            attempts=0,
                            run_id=run_id,
                            updated_at=now,
                            error="",
                        )
                    )
                claims.append(Claim(subscriber_id, email, 0))
            except SqlIntegrityError:
                continue  # another run claimed it first
        if len(claims) >= limit:
            return claims
        with self._session() as s:
            again = s.execute(
                select(
                    Delivery.subscriber_id,
                    Subscriber.email,
                    Delivery.state,
                    Delivery.attempts,
                    Delivery.run_id,
                    Delivery.updated_at,
                )
                .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
                .where(Delivery.edition_id == edition_id, Subscriber.state == CONFIRMED)
                .where(
                    or_(
                        and_(
                            Delivery.state == FAILED,
                            Delivery.attempts < max_attempts,
                            Delivery.updated_at <= now - retry_after_s,
                        ),
                        and_(
                            Delivery.state == SENDING,
                            Delivery.updated_at <= now - take_over_after_s,
                        ),
                    )
                )
                .order_by(Delivery.subscriber_id)
                .limit(limit - len(claims))
            ).all()
        for subscriber_id, email, state, attempts, old_run, updated_at in again:
            with self._session.begin() as s:
                # Compare-and-set: only if nobody changed the row since it was read.
                taken = s.execute(
                    update(Delivery)
                    .where(
                        Delivery.edition_id == edition_id,
                        Delivery.subscriber_id == subscriber_id,
                        Delivery.state == state,
                        Delivery.run_id == old_run,
                        Delivery.updated_at == updated_at,
                    )
                    .values(state=SENDING, run_id=run_id, updated_at=now)
                ).rowcount
            if taken == 1:
                claims.append(Claim(subscriber_id, email, attempts))
        return claims

    def record(
        self,
        edition_id: int,
        subscriber_id: int,
        run_id: str,
        state: str,
        *,
        attempts: int,
        error: str = "",
    ) -> None:
        """Record the outcome of a claimed delivery (and a bounce on the subscriber)."""
        with self._session.begin() as s:
            s.execute(
                update(Delivery)
                .where(
                    Delivery.edition_id == edition_id,
                    Delivery.subscriber_id == subscriber_id,
                    Delivery.run_id == run_id,
                )
                .values(state=state, attempts=attempts, error=error[:500], updated_at=_now())
            )
            if state == BOUNCED:
                s.execute(
                    update(Subscriber)
                    .where(Subscriber.id == subscriber_id)
                    .values(state=BOUNCING, left_at=_now())
                )

    def progress(self, edition_id: int) -> dict[str, int]:
        """Deliveries of an edition per state, plus ``waiting``: confirmed without a row."""
        with self._session() as s:
            rows = s.execute(
                select(Delivery.state, func.count())
                .where(Delivery.edition_id == edition_id)
                .group_by(Delivery.state)
            )
            out = {SENT: 0, SENDING: 0, FAILED: 0, BOUNCED: 0} | {k: int(n) for k, n in rows}
            out["waiting"] = int(
                s.scalar(
                    select(func.count())
                    .select_from(Subscriber)
                    .where(Subscriber.state == CONFIRMED)
                    .where(
                        ~select(Delivery.subscriber_id)
                        .where(
                            Delivery.edition_id == edition_id,
                            Delivery.subscriber_id == Subscriber.id,
                        )
                        .exists()
                    )
                )
                or 0
            )
        return out

    def has_retries(self, edition_id: int, max_attempts: int) -> bool:
        """True while a ``failed`` delivery of the edition has attempts left."""
        with self._session() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(
                        Delivery.edition_id == edition_id,
                        Delivery.state == FAILED,
                        Delivery.attempts < max_attempts,
                    )
                )
                > 0
            )

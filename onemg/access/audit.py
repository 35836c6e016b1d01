"""The hash-chained audit log: every access decision and every workflow event.

Each entry holds time, pseudonymous user id, action, resource, result, reason and origin; its
``hash`` is SHA-256 over the previous entry's hash followed by the canonical JSON of the entry
(sorted keys, no whitespace). ``seq`` is dense from 1. :func:`verify_chain` therefore detects an
altered entry (its hash no longer matches), a removed one (a gap in ``seq`` or a broken link)
and reordered ones (broken links). Truncating the newest entries is only visible against a head
hash kept elsewhere, which is why :class:`ChainReport` returns the head for operators to anchor.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from onemg.access.store import AuditRecord, AuditStore
from onemg.errors import ConflictError, IntegrityError

GENESIS = "0" * 64
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_MAX_REASON = 500


def _canonical(record: AuditRecord) -> str:
    body = {"seq": record.seq, "at": record.at, "user": record.user, "action": record.action,
            "resource": record.resource, "result": record.result, "reason": record.reason,
            "origin": record.origin}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, record: AuditRecord) -> str:
    """The chained hash of ``record`` given the previous entry's hash."""
    return hashlib.sha256((prev_hash + _canonical(record)).encode("utf-8")).hexdigest()


def _scrub(text: str) -> str:
    """Defence in depth: never let something shaped like a JWT into the log."""
    return _JWT.sub("[redacted-token]", text)[:_MAX_REASON]


class HashChainAudit:
    """Implements :class:`onemg.security.AuditSink` on the ``access_audit`` table.

    Concurrent writers (several API workers) race for the next ``seq``; the loser of a race gets
    a primary-key conflict and retries on the new head, so the chain stays linear.
    """

    def __init__(self, store: AuditStore, *, clock: Callable[[], float] = time.time,
                 retries: int = 20) -> None:
        self._store = store
        self._clock = clock
        self._retries = retries

    def record(
        self,
        *,
        user: str | None,
        action: str,
        resource: str,
        result: str,
        reason: str = "",
        origin: str | None = None,
    ) -> None:
        """Append one entry. ``user`` is pseudonymous; never pass tokens or personal data."""
        at = datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="milliseconds")
        for _ in range(self._retries):
            head = self._store.last()
            seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
            draft = AuditRecord(seq=seq, at=at, user=user, action=action,
                                resource=_scrub(resource)[:255], result=result,
                                reason=_scrub(reason), origin=origin[:255] if origin else None,
                                prev_hash=prev, hash="")
            final = AuditRecord(**{**draft.__dict__, "hash": entry_hash(prev, draft)})
            try:
                self._store.append(final)
                return
            except ConflictError:
                continue
        raise IntegrityError("could not append to the audit log: too many concurrent writers")


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`."""

    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain(records: Iterable[AuditRecord]) -> ChainReport:
    """Walk the log in ``seq`` order and report the first broken entry, if any."""
    prev = GENESIS
    expected = 1
    count = 0
    for record in records:
        if record.seq != expected:
            return ChainReport(False, count, prev, expected,
                               f"entry {expected} is missing (next stored entry is {record.seq})")
        if record.prev_hash != prev:
            return ChainReport(False, count, prev, record.seq,
                               f"entry {record.seq} does not follow entry {record.seq - 1}: "
                               "an entry was removed, reordered or altered")
        if entry_hash(prev, record) != record.hash:
            return ChainReport(False, count, prev, record.seq,
                               f"entry {record.seq} was altered: its hash does not match")
        prev = record.hash
        expected += 1
        count += 1
    return ChainReport(True, count, prev)


def verify_store(store: AuditStore) -> ChainReport:
    """Verify the whole audit log in ``store``."""
    return verify_chain(store.entries())

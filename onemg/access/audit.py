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
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from onemg.access.store import AuditRecord, AuditStore
from onemg.errors import ConflictError, IntegrityError, UnavailableError

log = logging.getLogger(__name__)

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

    @property
    def clock(self) -> Callable[[], float]:
        """Where entry times come from."""
        return self._clock

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
        self.append_entries([Entry(self._clock(), user, action, resource, result, reason,
                                   origin)])

    def append_entries(self, entries: Sequence[Entry]) -> None:
        """Chain ``entries`` (in order) onto the head and write them in ONE transaction.

        The result is the same chain as recording them one by one. A concurrent writer that
        took one of the ``seq`` makes the whole batch fail with nothing written; it is then
        re-chained on the new head and retried, so the chain stays linear across processes.

        Raises:
            IntegrityError: still losing the race after ``retries`` attempts (nothing written).
        """
        if not entries:
            return
        for _ in range(self._retries):
            head = self._store.last()
            seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
            batch: list[AuditRecord] = []
            for e in entries:
                final = _chained(seq, prev, e)
                batch.append(final)
                seq, prev = seq + 1, final.hash
            try:
                if len(batch) == 1:
                    self._store.append(batch[0])
                else:
                    self._store.append_many(batch)
                return
            except ConflictError:
                continue
        raise IntegrityError("could not append to the audit log: too many concurrent writers")


class Entry(NamedTuple):
    """One audit entry before it is chained (``at`` is the Unix time of the decision).

    A named tuple: built on the request path, where a frozen dataclass costs several times more.
    """

    at: float
    user: str | None
    action: str
    resource: str
    result: str
    reason: str = ""
    origin: str | None = None


def _chained(seq: int, prev: str, e: Entry) -> AuditRecord:
    at = datetime.fromtimestamp(e.at, UTC).isoformat(timespec="milliseconds")
    draft = AuditRecord(seq=seq, at=at, user=e.user, action=e.action,
                        resource=_scrub(e.resource)[:255], result=e.result,
                        reason=_scrub(e.reason), origin=e.origin[:255] if e.origin else None,
                        prev_hash=prev, hash="")
    return AuditRecord(**{**draft.__dict__, "hash": entry_hash(prev, draft)})


class BufferedAudit:
    """Implements :class:`onemg.security.AuditSink` without SQL on the caller's path.

    :meth:`record` only appends to an in-memory queue (a few hundred nanoseconds); a daemon
    thread, started on first use in each process (so it survives uvicorn's fork of workers),
    writes the queue to ``inner`` every ``interval_s`` seconds, or as soon as ``max_batch``
    entries wait, each batch in one transaction through :meth:`HashChainAudit.append_entries`
    (which keeps the chain linear when several worker processes share the database).

    A failed write is logged (no entry content) and retried with back-off; its entries stay at
    the head of the queue, in order, so nothing is dropped while the process lives. The queue
    holds at most ``max_pending`` entries: beyond that (the database has been unreachable for a
    while) :meth:`record` raises :class:`~onemg.errors.UnavailableError` (HTTP 503), so the
    process fails closed (no access decision without its audit entry) instead of growing
    without bound; it answers again as soon as a flush succeeds. :meth:`close`
    (app shutdown) stops the thread and writes everything left. Trade-off, documented in
    ``docs/access.md``: a process killed without shutdown loses the entries of its last
    interval (by default at most 0.2 s of decisions), and ``seq`` order across processes is
    the order of the writes, so ``at`` of neighbouring entries may differ by up to an interval.
    """

    def __init__(self, inner: HashChainAudit, *, max_batch: int = 500,
                 interval_s: float = 0.2, clock: Callable[[], float] | None = None,
                 max_backoff_s: float = 5.0, max_pending: int = 100_000) -> None:
        if max_batch < 1 or interval_s <= 0 or max_pending < max_batch:
            raise ValueError("max_batch must be >= 1, interval_s > 0 and "
                             "max_pending >= max_batch")
        self._max_pending = max_pending
        self._inner = inner
        self._max_batch = max_batch
        self._interval = interval_s
        self._clock = clock or inner.clock
        self._max_backoff = max_backoff_s
        self._queue: deque[Entry] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._flush_lock = threading.Lock()  # one writer per process keeps the order
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.failures = 0

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
        """Queue one entry. ``user`` is pseudonymous; never pass tokens or personal data."""
        if self._pid != os.getpid():
            self._start()
        if len(self._queue) >= self._max_pending:
            self._wake.set()
            raise UnavailableError(
                f"the audit log cannot be written ({len(self._queue)} entries waiting for the "
                "database); requests are refused until it is reachable again")
        self._queue.append(Entry(self._clock(), user, action, resource, result, reason, origin))
        if len(self._queue) >= self._max_batch:
            self._wake.set()

    @property
    def pending(self) -> int:
        """Entries queued and not yet written."""
        return len(self._queue)

    def _start(self) -> None:
        with self._start_lock:
            if self._pid == os.getpid():
                return
            if self._pid:
                # A forked child: the parent writes what it queued; its thread and locks are
                # not ours, so start afresh.
                self._queue.clear()
            self._flush_lock = threading.Lock()
            self._wake = threading.Event()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="onemg-audit-flush",
                                            daemon=True)
            self._pid = os.getpid()
            self._thread.start()

    def _run(self) -> None:
        backoff = self._interval
        while not self._stop.is_set():
            self._wake.wait(backoff)
            self._wake.clear()
            if self._stop.is_set():
                break
            if self.flush():
                backoff = self._interval
            else:
                backoff = min(max(backoff * 2, self._interval), self._max_backoff)

    def flush(self) -> bool:
        """Write every queued entry now; False (and logged) when a write failed."""
        with self._flush_lock:
            while self._queue:
                batch: list[Entry] = []
                while self._queue and len(batch) < self._max_batch:
                    batch.append(self._queue.popleft())
                try:
                    self._inner.append_entries(batch)
                except Exception as exc:  # noqa: BLE001 - any failure: keep entries, retry
                    self._queue.extendleft(reversed(batch))
                    self.failures += 1
                    log.error("audit flush of %d entries failed (%s); %d entries kept queued, "
                              "retrying", len(batch), type(exc).__name__, len(self._queue))
                    return False
        return True

    def close(self, *, attempts: int = 5) -> None:
        """Stop the thread and write every queued entry (called on app shutdown).

        Raises:
            IntegrityError: the database refused the remaining entries ``attempts`` times
                (they are logged as lost by count, never silently).
        """
        with self._start_lock:
            thread, mine = self._thread, self._pid == os.getpid()
            self._stop.set()
            self._wake.set()
            if thread is not None and thread.is_alive() and mine:
                thread.join()
            self._thread = None
            if mine:
                self._pid = 0  # a later record() (app started again) starts a new thread
        delay = 0.05
        for _ in range(attempts):
            if self.flush():
                return
            time.sleep(delay)
            delay = min(delay * 2, self._max_backoff)
        lost = len(self._queue)
        log.error("audit log: %d entries could not be written at shutdown", lost)
        raise IntegrityError(f"{lost} audit entries could not be written at shutdown")


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

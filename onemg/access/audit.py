"""The hash-chained audit log: every access decision and every workflow event.

Each entry holds time, pseudonymous user id, action, resource, result, reason and origin; its
``hash`` is SHA-256 over the previous entry's hash followed by the canonical JSON of the entry
(sorted keys, no whitespace). ``seq`` is dense from 1. :func:`verify_chain` therefore detects an
altered entry (its hash no longer matches), a removed one (a gap in ``seq`` or a broken link)
and reordered ones (broken links).

Someone who can write to the database can still edit an entry and re-chain everything after it,
or cut off the newest entries: the chain alone is consistent again. Anchors catch both
(issue 11 §5): :class:`HashChainAudit` appends the head ``(seq, hash)`` to an append-only
:class:`AnchorFile` outside the database (``<data_dir>/audit-anchors.jsonl``) at most every
``anchor_interval_s`` while entries are written, and logs it on the ``onemg.audit.anchor``
logger (route it to syslog to keep a copy off the machine). :func:`verify_chain` with
``anchors`` reports an entry whose hash differs from its anchor (edited and re-chained) and a
log that ends before its newest anchor (truncated).
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from onemg.access.store import AuditRecord, AuditStore
from onemg.errors import ConflictError, IntegrityError, UnavailableError

log = logging.getLogger(__name__)
anchor_log = logging.getLogger("onemg.audit.anchor")

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


#: Control characters (C0, DEL, C1), zero-width and bidirectional controls, line separators:
#: written escaped so a client string can neither forge a log line nor hide text in a terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def escape_controls(text: str) -> str:
    """``text`` with every control character written as a ``\\xNN`` / ``\\uNNNN`` escape."""
    return _CONTROL.sub(lambda m: (f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                                   else f"\\u{ord(m[0]):04x}"), text)


def _scrub(text: str) -> str:
    """Defence in depth: never let something shaped like a JWT into the log."""
    return escape_controls(_JWT.sub("[redacted-token]", text))[:_MAX_REASON]


def _field(text: str | None, limit: int = 255) -> str | None:
    return None if text is None else escape_controls(text)[:limit]


#: The anchor file's name in a node's or hub's data directory.
ANCHOR_FILE = "audit-anchors.jsonl"


@dataclass(frozen=True)
class Anchor:
    """One anchored head: entry ``seq`` had hash ``hash`` at time ``at``."""

    seq: int
    hash: str
    at: str


class AnchorFile:
    """An append-only JSON-lines file of audit heads, kept outside the database.

    Each line is ``{"seq": N, "hash": "<hex>", "at": "<UTC ISO time>"}``, appended with
    ``O_APPEND`` and flushed to disk (``fsync``), so several worker processes may share it.
    Keep it where the database's writers cannot rewrite it (another volume, or ship the
    ``onemg.audit.anchor`` log lines to syslog).
    """

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock

    def write(self, seq: int, head_hash: str) -> Anchor:
        """Append one anchor (and log it)."""
        at = datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="milliseconds")
        line = json.dumps({"seq": seq, "hash": head_hash, "at": at}, separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        anchor_log.info("audit head seq=%d hash=%s", seq, head_hash)
        return Anchor(seq, head_hash, at)

    def read(self) -> list[Anchor]:
        """Every anchor, in file order (none when the file does not exist).

        Raises:
            IntegrityError: a line is not an anchor (the file was edited); names the line.
        """
        if not self.path.exists():
            return []
        anchors = []
        for number, line in enumerate(self.path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                anchors.append(Anchor(int(raw["seq"]), str(raw["hash"]), str(raw["at"])))
            except (ValueError, KeyError, TypeError):
                raise IntegrityError(f"{self.path}, line {number}: not an audit anchor; the "
                                     "anchor file was edited or corrupted") from None
        return anchors


class HashChainAudit:
    """Implements :class:`onemg.security.AuditSink` on the ``access_audit`` table.

    Concurrent writers (several API workers) race for the next ``seq``; the loser of a race gets
    a primary-key conflict and retries on the new head, so the chain stays linear.

    With an ``anchor`` file, the head written last is anchored at most every
    ``anchor_interval_s`` seconds (:meth:`anchor_if_due`; :class:`BufferedAudit` also calls it
    from its flush thread, so a quiet log still gets its last head anchored).
    """

    def __init__(self, store: AuditStore, *, clock: Callable[[], float] = time.time,
                 retries: int = 20, anchor: AnchorFile | None = None,
                 anchor_interval_s: float = 5.0) -> None:
        self._store = store
        self._clock = clock
        self._retries = retries
        self._anchor = anchor
        self._anchor_interval = anchor_interval_s
        self._anchor_lock = threading.Lock()
        self._unanchored: tuple[int, str] | None = None
        self._anchored_at = float("-inf")

    def anchor_if_due(self, *, force: bool = False) -> Anchor | None:
        """Anchor the newest head this process wrote, if one is waiting and the interval passed.

        Failures are logged, never raised: anchoring must not refuse an audited request.
        """
        if self._anchor is None:
            return None
        with self._anchor_lock:
            now = time.monotonic()
            if self._unanchored is None or (
                    not force and now - self._anchored_at < self._anchor_interval):
                return None
            seq, head = self._unanchored
            try:
                written = self._anchor.write(seq, head)
            except OSError as exc:
                log.error("cannot write the audit anchor file %s (%s)", self._anchor.path,
                          type(exc).__name__)
                return None
            self._unanchored, self._anchored_at = None, now
            return written

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
            except ConflictError:
                continue
            if self._anchor is not None:
                with self._anchor_lock:
                    if self._unanchored is None or batch[-1].seq > self._unanchored[0]:
                        self._unanchored = (batch[-1].seq, batch[-1].hash)
                self.anchor_if_due()
            return
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
    # Every field may carry client input (dataset ids, audience, usernames): escaped.
    draft = AuditRecord(seq=seq, at=at, user=_field(e.user, 128),
                        action=_field(e.action, 64) or "", resource=_scrub(e.resource)[:255],
                        result=_field(e.result, 32) or "",
                        reason=_scrub(e.reason), origin=_field(e.origin) or None,
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
                self._inner.anchor_if_due()
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
                self._inner.anchor_if_due(force=True)
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


def verify_chain(records: Iterable[AuditRecord],
                 anchors: Iterable[Anchor] | None = None) -> ChainReport:
    """Walk the log in ``seq`` order and report the first broken entry, if any.

    With ``anchors``, also report an entry whose hash differs from its anchor (edited and
    re-chained) and a log ending before its newest anchor (truncated).
    """
    anchored: dict[int, Anchor] = {}
    conflicts = []
    for a in anchors or ():
        if a.seq in anchored and anchored[a.seq].hash != a.hash:
            conflicts.append(a)
        anchored.setdefault(a.seq, a)
    if conflicts:
        a = conflicts[0]
        return ChainReport(False, 0, GENESIS, a.seq, f"the anchor file holds two hashes for "
                           f"entry {a.seq}: the anchor file was tampered with")
    report = _walk(records, anchored)
    if not report.ok or not anchored:
        return report
    newest = max(anchored.values(), key=lambda a: a.seq)
    if newest.seq > report.entries:
        return ChainReport(False, report.entries, report.head_hash, report.entries + 1,
                           f"the log was truncated: it ends at entry {report.entries}, but "
                           f"entry {newest.seq} was anchored at {newest.at}")
    return report


def _walk(records: Iterable[AuditRecord], anchored: Mapping[int, Anchor]) -> ChainReport:
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
        anchor = anchored.get(record.seq)
        if anchor is not None and anchor.hash != record.hash:
            return ChainReport(False, count, prev, record.seq,
                               f"entry {record.seq} does not match its anchor of {anchor.at}: "
                               "an entry at or before it was edited and the chain recomputed")
        prev = record.hash
        expected += 1
        count += 1
    return ChainReport(True, count, prev)


def verify_store(store: AuditStore, anchors: AnchorFile | None = None) -> ChainReport:
    """Verify the whole audit log in ``store`` (against ``anchors`` when given)."""
    return verify_chain(store.entries(), anchors.read() if anchors is not None else None)

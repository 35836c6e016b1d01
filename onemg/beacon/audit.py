"""A minimal :class:`onemg.security.AuditSink`: JSON lines appended to ``NODE_DIR/audit.log``.

The access capability replaces it with its hash-chained log (``create_node_app(audit=...)``).
Entries hold the pseudonymous subject only, never tokens.
"""

from __future__ import annotations

import time
from pathlib import Path
from threading import Lock
from typing import IO

import orjson


class JsonLinesAuditSink:
    """Append-only JSON-lines audit log; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = Lock()
        self._fh: IO[bytes] | None = None

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
        """Append one entry (flushed at once, so a crash loses nothing already answered)."""
        line = orjson.dumps({"ts": round(time.time(), 3), "user": user, "action": action,
                             "resource": resource, "result": result, "reason": reason,
                             "origin": origin}) + b"\n"
        with self._lock:
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path, "ab")  # noqa: SIM115 - kept open for the app's life
            self._fh.write(line)
            self._fh.flush()

    def close(self) -> None:
        """Close the file (the lifespan calls this on shutdown)."""
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


class MemoryAuditSink:
    """Keeps entries in a list; for tests and for embedding."""

    def __init__(self) -> None:
        self.entries: list[dict[str, str | None]] = []

    def record(self, *, user: str | None, action: str, resource: str, result: str,
               reason: str = "", origin: str | None = None) -> None:
        """Append one entry."""
        self.entries.append({"user": user, "action": action, "resource": resource,
                             "result": result, "reason": reason, "origin": origin})

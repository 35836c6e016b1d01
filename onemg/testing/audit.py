"""An in-memory :class:`onemg.security.AuditSink` (a test double).

Nodes record decisions in the hash-chained log of ``onemg.access`` (wired by default).
Entries hold the pseudonymous subject only, never tokens.
"""

from __future__ import annotations


class MemoryAuditSink:
    """Keeps entries in a list; for tests and for embedding."""

    def __init__(self) -> None:
        self.entries: list[dict[str, str | None]] = []

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
        """Append one entry."""
        self.entries.append(
            {
                "user": user,
                "action": action,
                "resource": resource,
                "result": result,
                "reason": reason,
                "origin": origin,
            }
        )

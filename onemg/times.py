"""Times as API answers show them: ISO 8601 in UTC, never epoch numbers.

Stores keep epoch seconds (cheap to compare); answers, like the audit log, say when in a form a
person and any ISO 8601 parser can read: ``2026-12-04T07:30:00Z``.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(seconds: float | None) -> str | None:
    """``seconds`` since the epoch as ISO 8601 UTC (``Z``); milliseconds only when present."""
    if seconds is None:
        return None
    when = datetime.fromtimestamp(seconds, UTC)
    spec = "seconds" if float(seconds).is_integer() else "milliseconds"
    return when.isoformat(timespec=spec).replace("+00:00", "Z")

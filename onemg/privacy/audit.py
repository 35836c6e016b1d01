"""Holding a request's audit entries until its privacy outcome is known.

The Beacon decides granularity per dataset before it computes the answer, but whether the
privacy rules refuse the answer (an anonymous rare-allele query, a spent budget) is known only
after. Entries are held here and then either replayed, with what the answer spent added to each
dataset's reason, or replaced by one denial: one audit row per refused request, as for every
other refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onemg.security import AuditSink


class HeldAudit:
    """An :class:`~onemg.security.AuditSink` that keeps entries until :meth:`replay`."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def record(self, **entry: Any) -> None:
        """Hold one entry."""
        self.entries.append(entry)

    def replay(self, audit: AuditSink, *, notes: Mapping[str, str] | None = None) -> None:
        """Write the held entries to ``audit``; ``notes`` (by dataset id) extend their reasons."""
        for entry in self.entries:
            note = (notes or {}).get(_dataset_of(entry.get("resource", "")))
            if note:
                entry = {**entry, "reason": f"{entry.get('reason', '')}; privacy: {note}"}
            audit.record(**entry)
        self.entries = []


def _dataset_of(resource: str) -> str:
    """``dataset:<id>/<entry type>`` -> ``<id>``."""
    return resource.removeprefix("dataset:").split("/", 1)[0]

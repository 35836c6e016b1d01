"""What deleting a dataset does to the access granted on it.

A dataset with active entitlements, or applications the committee has not decided yet, is not
deleted silently: :func:`dependents` lists them so the operator is asked for ``--force``, and
:func:`retire` revokes the entitlements (they would otherwise point at nothing and reappear if a
dataset with the same id were ingested later) and records the deletion in the audit log.
Applications in progress are left for the committee to close; their history is kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from onemg.access.applications import fold
from onemg.access.audit import HashChainAudit
from onemg.access.store import (
    AuditStore,
    EntitlementStore,
    EventStore,
    revoke_dataset_entitlements,
)

#: Application states in which the committee still has to act.
IN_PROGRESS = frozenset({"draft", "submitted", "returned"})


@dataclass(frozen=True)
class Dependents:
    """Access that depends on one dataset."""

    #: ``(application id, subject)`` of entitlements not revoked and not yet ended.
    entitlements: tuple[tuple[str, str], ...]
    #: ``(application id, state)`` of applications naming the dataset and not decided.
    applications: tuple[tuple[str, str], ...]

    def __bool__(self) -> bool:
        return bool(self.entitlements or self.applications)

    def describe(self, dataset_id: str) -> str:
        """One paragraph: what there is, and what ``--force`` will do to it."""
        parts = []
        if self.entitlements:
            ids = ", ".join(sorted({a for a, _ in self.entitlements}))
            parts.append(
                f"{len(self.entitlements)} active or pending entitlement(s) "
                f"(application(s) {ids}); --force revokes them (reason: dataset "
                "deleted), so those researchers' next passport carries no visa for it"
            )
        if self.applications:
            apps = ", ".join(f"{a} ({s})" for a, s in self.applications)
            parts.append(
                f"{len(self.applications)} application(s) in progress: {apps}; they "
                "stay open with their history for the committee to close or reject"
            )
        return f"dataset {dataset_id!r} has " + "; and ".join(parts)


def dependents(engine: Engine, dataset_id: str, *, now: int | None = None) -> Dependents:
    """Entitlements and undecided applications that involve ``dataset_id``."""
    now = int(time.time()) if now is None else now
    ents = tuple(
        (e.application_id, e.subject)
        for e in EntitlementStore(engine).find(dataset_id=dataset_id)
        if e.revoked_at is None and now < e.end
    )
    events = EventStore(engine)
    apps = []
    for app_id in events.application_ids():
        app = fold(events.events(app_id), now=now)
        if dataset_id in app.datasets and app.state in IN_PROGRESS:
            apps.append((app.id, app.state))
    return Dependents(ents, tuple(apps))


def retire(engine: Engine, dataset_id: str, *, actor: str, now: int | None = None) -> int:
    """Revoke the dataset's entitlements and audit its deletion; returns how many were revoked."""
    now = int(time.time()) if now is None else now
    n = revoke_dataset_entitlements(engine, dataset_id, at=now, reason="dataset deleted")
    HashChainAudit(AuditStore(engine)).record(
        user=actor,
        action="dataset-delete",
        resource=f"dataset:{dataset_id}",
        result="granted",
        reason=f"entitlements revoked: {n}",
        origin="cli",
    )
    return n

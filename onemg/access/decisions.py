"""One access decision per dataset, always audited (used by Beacon, htsget and the tests)."""

from __future__ import annotations

from onemg.errors import AccessDeniedError
from onemg.security import AuditSink, Principal, Tier


def require_tier(
    principal: Principal,
    dataset_id: str,
    tier: Tier,
    *,
    audit: AuditSink,
    action: str,
    origin: str | None = None,
) -> None:
    """Allow ``principal`` to use ``dataset_id`` at ``tier`` or raise 403; audit either way.

    Raises:
        AccessDeniedError: the principal lacks the tier (anonymous callers included; a missing
            token is the caller's choice, a bad one was already a 401 in the verifier).
    """
    granted = tier in principal.tiers_for(dataset_id)
    reason = "" if granted else (
        "needs a ControlledAccessGrants visa for this dataset" if tier == "CONTROLLED"
        else "needs a ResearcherStatus visa"
    )
    audit.record(user=principal.subject, action=action, resource=f"dataset:{dataset_id}",
                 result="granted" if granted else "denied",
                 reason=reason or f"tier {tier}", origin=origin)
    if not granted:
        raise AccessDeniedError(f"dataset {dataset_id}: {tier} access {reason}")

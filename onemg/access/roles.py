"""DAC roles on a node (handler, reviewer, decider, authority): granting and withdrawing them.

The one implementation behind ``onemg access role grant|revoke``; every change is audited as
``admin.role`` with the subject as resource and the role as reason, whoever makes it.
"""

from __future__ import annotations

from onemg.access.applications import ROLES
from onemg.access.store import RoleStore
from onemg.errors import InvalidInputError
from onemg.security import AuditSink


def change_role(
    roles: RoleStore,
    audit: AuditSink,
    *,
    actor: str,
    subject: str,
    role: str,
    granted: bool,
    origin: str,
) -> None:
    """Give ``subject`` the DAC ``role`` (or take it away), and audit it.

    Raises:
        InvalidInputError: ``role`` is not a DAC role.
    """
    if role not in ROLES:
        raise InvalidInputError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if not subject.strip() or not subject.isprintable():
        raise InvalidInputError("the subject must be a passport 'sub' (printable, not empty)")
    if granted:
        roles.grant(subject, role)
    else:
        roles.revoke(subject, role)
    audit_role_change(audit, action="admin.role", actor=actor, subject=subject, role=role,
                      granted=granted, origin=origin)


def audit_role_change(audit: AuditSink, *, action: str, actor: str, subject: str, role: str,
                      granted: bool, origin: str) -> None:
    """The one audit entry of a role change (DAC roles on a node, site roles on the hub)."""
    audit.record(
        user=actor,
        action=action,
        resource=f"user:{subject}",
        result="granted" if granted else "revoked",
        reason=f"role={role}",
        origin=origin,
    )

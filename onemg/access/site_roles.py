"""The hub's site roles: who may edit news, coordinate stakeholders or lead a work package.

Visitors (not logged in) and plain accounts hold no role. Hub administrators
(``is_admin`` accounts) hold every role. Every change is audited as ``admin.site_role``, with
the subject as resource and the role as reason, whoever makes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from onemg.access.roles import audit_role_change
from onemg.access.store import SiteRoleStore
from onemg.errors import InvalidInputError
from onemg.security import AuditSink

#: The roles of the hub's community site and researcher portal (issue 15 §5).
SITE_ROLES: tuple[str, ...] = ("stakeholder", "wp_leader", "coordinator", "editor")


def change_site_role(
    roles: SiteRoleStore,
    audit: AuditSink,
    *,
    actor: str,
    subject: str,
    role: str,
    granted: bool,
    origin: str,
    clock: Callable[[], float] = time.time,
) -> None:
    """Give ``subject`` the site ``role`` (or take it away), and audit it.

    Raises:
        InvalidInputError: ``role`` is not a site role.
    """
    if role not in SITE_ROLES:
        raise InvalidInputError(f"unknown site role {role!r}; use one of {', '.join(SITE_ROLES)}")
    if granted:
        roles.grant(subject, role, at=int(clock()))
    else:
        roles.revoke(subject, role)
    audit_role_change(audit, action="admin.site_role", actor=actor, subject=subject, role=role,
                      granted=granted, origin=origin)

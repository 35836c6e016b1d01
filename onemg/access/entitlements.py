"""Entitlements and the node's visa issuer (REMS ``/api/permissions/{user}`` style).

An approved application yields one entitlement per dataset, starting after the national veto
window. The visa issuer turns a subject's *currently active* entitlements into
ControlledAccessGrants visas signed with the node key, so revocation and expiry show on the
next passport the broker builds; the node's clearinghouse also re-checks its own grants against
this table on every request (see ``clearinghouse.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from onemg.access.clearinghouse import EntitlementCheck
from onemg.access.keys import SigningKey
from onemg.access.store import EntitlementRecord, EntitlementStore
from onemg.access.tokens import CONTROLLED_ACCESS_GRANTS, dataset_urn, sign_visa

#: Visas are short-lived so a broker refreshes them often; revocation needs no visa list.
VISA_TTL_S = 3600


def node_issuer(public_url: str) -> str:
    """The ``iss`` of a node's visas: its public base URL with a trailing slash."""
    return public_url if public_url.endswith("/") else public_url + "/"


def node_jku(public_url: str) -> str:
    """The JWKS URL published by a node (``<public_url>api/jwk``, as REMS does)."""
    return node_issuer(public_url) + "api/jwk"


def active_entitlements(store: EntitlementStore, subject: str, now: int) -> list[EntitlementRecord]:
    """The subject's entitlements in force at ``now``."""
    return [e for e in store.find(subject=subject) if e.active(now)]


def entitlement_check(store: EntitlementStore) -> EntitlementCheck:
    """The clearinghouse hook: is (subject, dataset) entitled at ``now`` on this node?"""

    def check(subject: str, dataset_id: str, now: int) -> bool:
        return any(e.active(now) for e in store.find(subject=subject, dataset_id=dataset_id))

    return check


def issue_visas(
    store: EntitlementStore,
    subject: str,
    *,
    key: SigningKey,
    public_url: str,
    clock: Callable[[], float],
    source: str | None = None,
) -> list[str]:
    """ControlledAccessGrants visas for every active entitlement of ``subject``.

    Each visa expires at the earlier of the entitlement end and one hour from now;
    ``asserted`` is the entitlement start (when the grant took effect).
    """
    now = int(clock())
    iss = node_issuer(public_url)
    visas = []
    for ent in active_entitlements(store, subject, now):
        visas.append(sign_visa(
            key, iss=iss, jku=node_jku(public_url), sub=subject,
            visa_type=CONTROLLED_ACCESS_GRANTS, value=dataset_urn(ent.dataset_id),
            source=source or iss, by="dac", asserted=ent.start, iat=now,
            exp=min(ent.end, now + VISA_TTL_S),
        ))
    return visas

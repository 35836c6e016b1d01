"""Issue 11 §3: a committee member approved their own application over the node's API, and
their entitlement became active. Replayed against the real FI node."""

from __future__ import annotations

import httpx
import pytest

from onemg.access.store import EntitlementStore, RoleStore
from onemg.db import make_engine
from tests.security.conftest import AttackNet

pytestmark = pytest.mark.slow

FORM = {
    "title": "Self-serve",
    "summary": "My own study",
    "institution": "Uni",
    "purpose": {"terms": ["DUO:0000042"]},
    "duration_days": 30,
    "terms_accepted": True,
}


def test_self_approval_and_self_review_are_refused(
    attack_net: AttackNet, http: httpx.Client
) -> None:
    insider, handler = "insider-sub", "handler-sub"
    engine = make_engine(f"sqlite:///{attack_net.node_dir() / 'node.db'}")
    roles = RoleStore(engine)
    for role in ("handler", "reviewer", "decider", "authority"):
        roles.grant(insider, role)
    roles.grant(handler, "handler")
    api = f"{attack_net.node()}/access/applications"

    def as_(sub: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {attack_net.hub_passport(sub)}"}

    created = http.post(
        api, headers=as_(insider), json={"datasets": [attack_net.dataset()], "form": FORM}
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    assert http.post(f"{api}/{app_id}/submit", headers=as_(insider)).status_code == 200
    for command in ("approve", "reject", "review", "return", "remark"):
        r = http.post(
            f"{api}/{app_id}/{command}", headers=as_(insider), json={"comment": "fine by me"}
        )
        assert r.status_code == 403, (command, r.text)
        assert "conflict of interest" in r.text
    r = http.post(
        f"{api}/{app_id}/request-review", headers=as_(handler), json={"reviewer": insider}
    )
    assert r.status_code == 403
    assert "applicant cannot review" in r.text
    state = http.get(f"{api}/{app_id}", headers=as_(insider)).json()["state"]
    assert state == "submitted"
    assert EntitlementStore(engine).find(subject=insider) == []
    engine.dispose()

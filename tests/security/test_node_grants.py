"""Issue 11 §2: a node accepts committee grants only from its own committee.

A ControlledAccessGrants visa signed by the hub (``urn:onemg:dataset:<id>``, or even
``https://evil/x:<id>``) gave a user who never applied record access at FI. Here the hub's real
key signs them (what a malicious or compromised hub would do) and the real FI node refuses.
"""

from __future__ import annotations

import time

import httpx
import pytest

from onemg.access.keys import load_or_create_key
from onemg.access.store import EntitlementStore
from onemg.access.tokens import CONTROLLED_ACCESS_GRANTS, sign_visa
from onemg.db import make_engine
from tests.security.conftest import AttackNet

pytestmark = pytest.mark.slow


def _visa(net: AttackNet, key, *, iss: str, jku: str, sub: str, value: str) -> str:  # noqa: ANN001
    now = int(time.time())
    return sign_visa(
        key,
        iss=iss,
        jku=jku,
        sub=sub,
        visa_type=CONTROLLED_ACCESS_GRANTS,
        value=value,
        source=iss,
        by="dac",
        asserted=now - 60,
        iat=now,
        exp=now + 600,
    )


def _records(http: httpx.Client, net: AttackNet, token: str) -> httpx.Response:
    return http.get(
        f"{net.node()}/individuals",
        params={"requestedGranularity": "record", "datasetIds": net.dataset(), "limit": "3"},
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(
    "value", ["urn:onemg:dataset:{ds}", "https://evil/x:{ds}", "{hub}api/datasets/{ds}"]
)
def test_hub_signed_grant_opens_nothing(
    attack_net: AttackNet, http: httpx.Client, value: str
) -> None:
    hub = attack_net.plan.hub_url + "/"
    sub = "never-applied-" + value[:3]
    visa = _visa(
        attack_net,
        attack_net.hub_key(),
        iss=hub,
        jku=f"{hub}oidc/jwks",
        sub=sub,
        value=value.format(ds=attack_net.dataset(), hub=hub),
    )
    r = _records(http, attack_net, attack_net.hub_passport(sub, visas=[visa]))
    assert r.status_code == 403, r.text
    assert "results" not in r.text


def test_suffix_value_from_the_own_committee_opens_nothing(
    attack_net: AttackNet, http: httpx.Client
) -> None:
    """Even the node's own key: the value must be an exact form, with an entitlement."""
    node_url = attack_net.plan.node_url("FI") + "/"
    node_key = load_or_create_key(attack_net.node_dir() / "keys" / "node-visa-signing.pem")
    ds, sub = attack_net.dataset(), "entitled-researcher"
    engine = make_engine(f"sqlite:///{attack_net.node_dir() / 'node.db'}")
    now = int(time.time())
    EntitlementStore(engine).add(
        application_id="app-sec", subject=sub, dataset_id=ds, start=now - 60, end=now + 3600
    )
    engine.dispose()

    def passport(value: str) -> str:
        visa = _visa(
            attack_net, node_key, iss=node_url, jku=f"{node_url}api/jwk", sub=sub, value=value
        )
        return attack_net.hub_passport(sub, visas=[visa])

    assert _records(http, attack_net, passport(f"https://evil/x:{ds}")).status_code == 403
    good = _records(http, attack_net, passport(f"urn:onemg:dataset:{ds}"))
    assert good.status_code == 200, good.text
    assert good.json()["meta"]["returnedGranularity"] == "record"
    # Holding the record tier, per-record paths answer (and tell existing from missing ids).
    first = good.json()["response"]["resultSets"][0]["results"][0]["id"]
    headers = {"Authorization": f"Bearer {passport(f'urn:onemg:dataset:{ds}')}"}
    assert http.get(f"{attack_net.node()}/individuals/{first}", headers=headers).status_code == 200
    assert (
        http.get(f"{attack_net.node()}/individuals/FI-s7-999999", headers=headers).status_code
        == 404
    )

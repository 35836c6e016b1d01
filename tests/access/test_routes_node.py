"""The node's access routes over HTTP: who sees which entitlements."""

from __future__ import annotations

from onemg.access.keys import SigningKey
from onemg.access.tokens import sign_passport
from tests.access.conftest import HUB, NODE, Network


def _bearer(net: Network, key: SigningKey, sub: str) -> dict[str, str]:
    now = int(net.clock())
    token = sign_passport(key, iss=HUB, sub=sub, visas=[], iat=now, exp=now + 600, aud=[NODE])
    return {"Authorization": f"Bearer {token}"}


async def test_entitlements_applicants_see_their_own_dac_members_anyone(
    network: Network, hub_key: SigningKey
) -> None:
    now = int(network.clock())
    for sub, ds in (("alice", "synth-fi-1"), ("bob", "synth-fi-2")):
        network.node.entitlements.add(
            application_id=f"app-{sub}",
            subject=sub,
            dataset_id=ds,
            start=now - 10,
            end=now + 10_000,
        )
    network.node.roles.grant("hanna", "handler")
    url = f"{NODE}api/access/entitlements"

    async def subjects(sub: str, **params: str) -> list[str]:
        resp = await network.http.get(url, params=params, headers=_bearer(network, hub_key, sub))
        assert resp.status_code == 200, resp.text
        return sorted(e["subject"] for e in resp.json()["entitlements"])

    assert await subjects("alice") == ["alice"]
    assert await subjects("alice", user="bob") == ["alice"]  # no peeking at others
    assert await subjects("hanna") == ["alice", "bob"]
    assert await subjects("hanna", user="bob") == ["bob"]

"""Hub login, discovery, userinfo, member-scoped passports; keys and account storage."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from onemg.access.audit import verify_store
from onemg.access.hub import BrokerCredentials, HubTokenVerifier
from onemg.access.keys import generate_key, jwk_thumbprint, load_or_create_key
from onemg.access.store import AuditStore
from onemg.access.tokens import PASSPORT_TYP
from onemg.errors import AuthenticationError, ConflictError, InvalidInputError
from tests.access.conftest import HUB, NODE, Network

PASSWORD = "a long enough password"


async def test_login_passport_and_userinfo(network: Network) -> None:
    alice = network.hub.accounts.create("alice", PASSWORD, affiliation="member@uh.fi")
    network.hub.accounts.grant_researcher_status("alice")
    now = int(network.clock())
    network.node.entitlements.add(application_id="app-1", subject=alice.sub,
                                  dataset_id="synth-fi-1", start=now - 1, end=now + 99_999)
    token = await network.login("alice", PASSWORD)
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    assert "ga4gh_passport_v1" not in jwt.decode(token, options={"verify_signature": False})
    accepted = await network.http.post(f"{HUB}oidc/accept-terms",
                                       headers={"Authorization": f"Bearer {token}"})
    assert accepted.json() == {"accepted": True}

    info = (await network.http.get(f"{HUB}oidc/userinfo",
                                   headers={"Authorization": f"Bearer {token}"})).json()
    types = sorted(jwt.decode(v, options={"verify_signature": False})["ga4gh_visa_v1"]["type"]
                   for v in info["ga4gh_passport_v1"])
    assert types == ["AcceptedTermsAndPolicies", "AffiliationAndRole",
                     "ControlledAccessGrants", "ResearcherStatus"]

    passport = await network.passport(token)
    header = jwt.get_unverified_header(passport)
    assert header["typ"] == PASSPORT_TYP
    assert header["alg"] == "ES256"
    assert jwt.decode(passport, options={"verify_signature": False})["aud"] == [NODE]
    principal = await network.node.verifier.verify(passport)
    assert principal.subject == alice.sub
    assert principal.registered
    assert principal.datasets == {"synth-fi-1"}


async def test_wrong_password_is_401_and_audited(network: Network) -> None:
    network.hub.accounts.create("bob", PASSWORD)
    resp = await network.http.post(f"{HUB}oidc/login",
                                   json={"username": "bob", "password": "wrong password!"})
    assert resp.status_code == 401
    (entry,) = [e for e in AuditStore(network.engine).entries() if e.action == "auth.login"]
    assert (entry.result, entry.user) == ("denied", None)
    assert "wrong password" not in entry.reason.replace("wrong username or password", "")
    assert verify_store(AuditStore(network.engine)).ok


async def test_discovery_and_jwks(network: Network, hub_key) -> None:  # noqa: ANN001
    disc = (await network.http.get(f"{HUB}.well-known/openid-configuration")).json()
    assert disc["issuer"] == HUB
    jwks = (await network.http.get(disc["jwks_uri"])).json()
    assert [k["kid"] for k in jwks["keys"]] == [hub_key.kid]
    assert "d" not in jwks["keys"][0]
    node_jwks = (await network.http.get(f"{NODE}api/jwk")).json()
    assert all("d" not in k and "p" not in k for k in node_jwks["keys"])


async def test_token_exchange_rejects_foreign_tokens(network: Network, evil_key) -> None:  # noqa: ANN001
    network.hub.accounts.create("carol", PASSWORD)
    forged = jwt.encode({"iss": HUB, "sub": "x", "aud": [HUB], "iat": 1, "exp": 2**40,
                         "scope": "openid"}, evil_key.private, algorithm="ES256",
                        headers={"typ": "at+jwt", "kid": network.hub.broker.key.kid})
    resp = await network.http.post(f"{HUB}oidc/token", data={
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": forged, "audience": NODE})
    assert resp.status_code == 401


async def test_hub_adapters(network: Network) -> None:
    dave = network.hub.accounts.create("dave", PASSWORD)
    token = await network.login("dave", PASSWORD)
    principal = await HubTokenVerifier(network.hub).verify(token)
    assert principal.subject == dave.sub
    with pytest.raises(AuthenticationError):
        await HubTokenVerifier(network.hub).verify(token + "x")

    class Member:
        passport_audience = NODE

    passport = await BrokerCredentials(network.hub).for_member(Member(), principal)
    assert (await network.node.verifier.verify(passport)).subject == dave.sub
    assert await BrokerCredentials(network.hub).for_member(
        Member(), await HubTokenVerifier(network.hub).verify(None)) is None


def test_accounts_validation(network: Network) -> None:
    accounts = network.hub.accounts
    with pytest.raises(InvalidInputError, match="too short"):
        accounts.create("erin", "short")
    with pytest.raises(InvalidInputError, match="username"):
        accounts.create("Erin Smith", PASSWORD)
    accounts.create("erin", PASSWORD)
    with pytest.raises(ConflictError, match="taken"):
        accounts.create("erin", PASSWORD)
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        accounts.authenticate("nobody", PASSWORD)
    record = network.hub.accounts._store.by_username("erin")
    assert record.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_keys_roundtrip(tmp_path: Path, alg: str) -> None:
    path = tmp_path / "keys" / "k.pem"
    key = load_or_create_key(path, alg=alg)
    assert path.stat().st_mode & 0o777 == 0o600
    again = load_or_create_key(path)
    assert (again.kid, again.alg) == (key.kid, alg)
    assert jwk_thumbprint(key.public_jwk()) == key.kid
    assert key.kid != generate_key(alg).kid


async def test_admin_grants_researcher_status(network: Network) -> None:
    network.hub.accounts.create("admin", PASSWORD, is_admin=True)
    frank = network.hub.accounts.create("frank", PASSWORD)
    admin = {"Authorization": f"Bearer {await network.login('admin', PASSWORD)}"}
    user = {"Authorization": f"Bearer {await network.login('frank', PASSWORD)}"}
    url = f"{HUB}oidc/admin/users/frank/researcher-status"
    assert (await network.http.put(url, headers=user)).status_code == 403
    assert (await network.http.put(url, headers=admin)).status_code == 200
    principal = await network.node.verifier.verify(
        await network.passport(user["Authorization"].split()[1]))
    assert principal.registered
    assert principal.subject == frank.sub
    assert (await network.http.delete(url, headers=admin)).status_code == 200
    assert network.hub.accounts.identity(frank.sub).researcher_status_at is None

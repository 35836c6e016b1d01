"""The attack matrix: every forged, stale or misdirected credential is refused and audited."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from onemg.access.audit import verify_store
from onemg.access.keys import SigningKey
from onemg.access.store import AuditStore
from onemg.access.tokens import (
    CONTROLLED_ACCESS_GRANTS,
    PASSPORT_TYP,
    RESEARCHER_STATUS,
    dataset_urn,
    sign_passport,
    sign_visa,
)
from tests.access.conftest import HUB, NODE, Network

SUB = "3f9a2c-alice"
EVIL = "http://evil.test/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _passport(net: Network, key: SigningKey, *, visas=(), iss: str = HUB, sub: str = SUB,
              iat: int | None = None, exp: int | None = None, aud=(NODE,),
              jku: str | None = None) -> str:
    now = int(net.clock())
    return sign_passport(key, iss=iss, sub=sub, visas=list(visas), iat=now if iat is None else iat,
                         exp=now + 600 if exp is None else exp, aud=aud, jku=jku)


def _grant(net: Network, key: SigningKey, dataset: str, *, sub: str = SUB, iss: str = NODE,
           jku: str | None = None, exp_in: int = 600, conditions: bool = False,
           value: str | None = None) -> str:
    now = int(net.clock())
    token = sign_visa(key, iss=iss, jku=jku or f"{iss}api/jwk", sub=sub,
                      visa_type=CONTROLLED_ACCESS_GRANTS, value=value or dataset_urn(dataset),
                      source=iss, by="dac", asserted=now - 60, iat=now, exp=now + exp_in)
    if not conditions:
        return token
    # Re-sign with conditions added (the clearinghouse must ignore such visas).
    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    claims["ga4gh_visa_v1"]["conditions"] = [[{"type": "AffiliationAndRole",
                                               "value": "const:faculty@uni.fi"}]]
    return jwt.encode(claims, key.private, algorithm=key.alg,
                      headers={"kid": key.kid, "jku": jku or f"{iss}api/jwk"})


def _hs256_with_public_key(net: Network, hub_key: SigningKey) -> str:
    pem = hub_key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(net.clock())
    header = {"alg": "HS256", "typ": PASSPORT_TYP, "kid": hub_key.kid}
    payload = {"iss": HUB, "sub": SUB, "aud": [NODE], "iat": now, "exp": now + 600,
               "ga4gh_passport_v1": []}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    sig = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(sig)}"


def _alg_none(net: Network, hub_key: SigningKey) -> str:
    now = int(net.clock())
    header = {"alg": "none", "typ": PASSPORT_TYP, "kid": hub_key.kid}
    payload = {"iss": HUB, "sub": SUB, "aud": [NODE], "iat": now, "exp": now + 600,
               "ga4gh_passport_v1": []}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}."


def _forged(net: Network, hub_key: SigningKey, evil_key: SigningKey) -> str:
    """Signed by another key but claiming the hub's kid."""
    import jwt

    now = int(net.clock())
    payload = {"iss": HUB, "sub": SUB, "aud": [NODE], "iat": now, "exp": now + 600,
               "ga4gh_passport_v1": []}
    return jwt.encode(payload, evil_key.private, algorithm="ES256",
                      headers={"typ": PASSPORT_TYP, "kid": hub_key.kid})


def _not_yet_valid(net: Network, hub_key: SigningKey) -> str:
    import jwt

    now = int(net.clock())
    payload = {"iss": HUB, "sub": SUB, "aud": [NODE], "iat": now, "nbf": now + 3600,
               "exp": now + 7200, "ga4gh_passport_v1": []}
    return jwt.encode(payload, hub_key.private, algorithm=hub_key.alg,
                      headers={"typ": PASSPORT_TYP, "kid": hub_key.kid})


ATTACKS_401 = {
    "forged signature": lambda n, h, nk, e: _forged(n, h, e),
    "alg none": lambda n, h, nk, e: _alg_none(n, h),
    "HS256 signed with the public key": lambda n, h, nk, e: _hs256_with_public_key(n, h),
    "expired": lambda n, h, nk, e: _passport(n, h, iat=int(n.clock()) - 7200,
                                             exp=int(n.clock()) - 3600),
    "not yet valid": lambda n, h, nk, e: _not_yet_valid(n, h),
    "issued in the future": lambda n, h, nk, e: _passport(n, h, iat=int(n.clock()) + 3600,
                                                          exp=int(n.clock()) + 7200),
    "unknown issuer": lambda n, h, nk, e: _passport(n, e, iss=EVIL, jku=f"{EVIL}jwks"),
    "allow-listed iss with foreign jku": lambda n, h, nk, e: _passport(n, e, jku=f"{EVIL}jwks"),
    "unknown kid": lambda n, h, nk, e: _passport(n, e),
    "wrong audience": lambda n, h, nk, e: _passport(n, h, aud=("http://node-se.test/",)),
    "visa for another subject": lambda n, h, nk, e: _passport(
        n, h, visas=[_grant(n, nk, "synth-fi-1", sub="someone-else")]),
    "visa from trusted iss with foreign jku": lambda n, h, nk, e: _passport(
        n, h, visas=[_grant(n, e, "synth-fi-1", jku=f"{EVIL}jwks")]),
    "visa forged with node kid": lambda n, h, nk, e: _passport(
        n, h, visas=[_grant(n, SigningKey(e.private, e.alg, nk.kid), "synth-fi-1")]),
    "expired visa": lambda n, h, nk, e: _passport(
        n, h, visas=[_grant(n, nk, "synth-fi-1", exp_in=-3600)]),
    "too many visas": lambda n, h, nk, e: _passport(
        n, h, visas=[_grant(n, nk, "synth-fi-1")] * 201),
    "garbage": lambda n, h, nk, e: "not-a-jwt",
}
REASONS = {
    "forged signature": "signature is invalid", "alg none": "alg 'none'",
    "HS256 signed with the public key": "alg 'HS256'", "expired": "expired",
    "not yet valid": "not valid yet", "issued in the future": "future",
    "unknown issuer": "not in this node's trusted issuers",
    "allow-listed iss with foreign jku": "not allow-listed", "unknown kid": "unknown kid",
    "wrong audience": "audience", "visa for another subject": "another subject",
    "visa from trusted iss with foreign jku": "not allow-listed",
    "visa forged with node kid": "does not match the key", "expired visa": "visa expired",
    "too many visas": "201 visas", "garbage": "well-formed",
}


@pytest.fixture
def evil_calls(network: Network) -> list[str]:
    """Requests that reached the attacker's host (there must be none)."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(500)

    network.http._mounts[httpx._utils.URLPattern("http://evil.test")] = httpx.MockTransport(
        handler)
    return calls


def _last_audit(net: Network):
    return list(AuditStore(net.engine).entries())[-1]


@pytest.mark.parametrize("attack", list(ATTACKS_401))
async def test_attack_is_401_and_audited(network: Network, hub_key: SigningKey,
                                         node_key: SigningKey, evil_key: SigningKey,
                                         evil_calls: list[str], attack: str) -> None:
    network.node.entitlements.add(application_id="app-x", subject=SUB, dataset_id="synth-fi-1",
                                  start=int(network.clock()) - 10,
                                  end=int(network.clock()) + 10_000)
    token = ATTACKS_401[attack](network, hub_key, node_key, evil_key)
    resp = await network.records("synth-fi-1", token)
    assert resp.status_code == 401, resp.text
    assert resp.headers["www-authenticate"].startswith("Bearer")
    entry = _last_audit(network)
    assert (entry.action, entry.result, entry.user) == ("auth.verify", "denied", None)
    assert REASONS[attack] in entry.reason
    assert "eyJ" not in entry.reason
    assert evil_calls == []  # keys are never fetched from a URL the token names
    assert verify_store(AuditStore(network.engine)).ok


async def test_valid_grant_opens_records(network: Network, hub_key: SigningKey,
                                         node_key: SigningKey) -> None:
    now = int(network.clock())
    network.node.entitlements.add(application_id="app-x", subject=SUB, dataset_id="synth-fi-1",
                                  start=now - 10, end=now + 10_000)
    token = _passport(network, hub_key, visas=[_grant(network, node_key, "synth-fi-1")])
    principal = await network.node.verifier.verify(token)
    assert principal.datasets == {"synth-fi-1"}
    assert principal.expires_at == now + 600
    resp = await network.records("synth-fi-1", token)
    assert resp.status_code == 200
    entry = _last_audit(network)
    assert (entry.user, entry.action, entry.resource, entry.result) == (
        SUB, "beacon.records", "dataset:synth-fi-1", "granted")


def _registered_visa(net: Network, key: SigningKey, iss: str = HUB) -> str:
    now = int(net.clock())
    return sign_visa(key, iss=iss, jku=f"{iss}oidc/jwks", sub=SUB, visa_type=RESEARCHER_STATUS,
                     value="https://doi.org/10.1038/s41431-018-0219-y", source=iss, by="so",
                     asserted=now - 100, iat=now, exp=now + 300)


async def test_effective_expiry_is_minimum(network: Network, hub_key: SigningKey) -> None:
    token = _passport(network, hub_key, visas=[_registered_visa(network, hub_key)])
    principal = await network.node.verifier.verify(token)
    assert principal.registered
    assert principal.expires_at == int(network.clock()) + 300
    assert principal.tiers_for("synth-fi-1") == {"PUBLIC", "REGISTERED"}


async def test_no_token_is_anonymous_and_controlled_is_403(network: Network) -> None:
    assert not (await network.node.verifier.verify(None)).authenticated
    resp = await network.records("synth-fi-1", None)
    assert resp.status_code == 403
    # The Beacon policy gives anonymous callers the count tier at most, and audits that.
    assert (_last_audit(network).result, _last_audit(network).user) == ("downgraded",
                                                                         "anonymous")


IGNORED_403 = {
    "visa for another dataset": lambda n, h, nk, e: [_grant(n, nk, "synth-fi-2")],
    "visa for a dataset the node lacks": lambda n, h, nk, e: [_grant(n, nk, "elsewhere")],
    "visa with conditions": lambda n, h, nk, e: [_grant(n, nk, "synth-fi-1", conditions=True)],
    "visa from an untrusted issuer": lambda n, h, nk, e: [
        _grant(n, e, "synth-fi-1", iss=EVIL)],
    "unknown visa type only": lambda n, h, nk, e: [sign_visa(
        h, iss=HUB, jku=f"{HUB}oidc/jwks", sub=SUB, visa_type="https://example.org/custom",
        value="x", source=HUB, by="system", asserted=1, iat=int(n.clock()),
        exp=int(n.clock()) + 60)],
    "grant without entitlement (revoked)": lambda n, h, nk, e: [
        _grant(n, nk, "synth-fi-1")],
    # Issue 11 §2: a (malicious or compromised) hub granting a node's dataset itself.
    "grant signed by the hub": lambda n, h, nk, e: [
        _grant(n, h, "synth-fi-1", iss=HUB, jku=f"{HUB}oidc/jwks")],
    "grant signed by the hub, evil URL value": lambda n, h, nk, e: [
        _grant(n, h, "synth-fi-1", iss=HUB, jku=f"{HUB}oidc/jwks",
               value="https://evil/x:synth-fi-1")],
}


@pytest.mark.parametrize("case", list(IGNORED_403))
async def test_insufficient_is_403_and_audited(network: Network, hub_key: SigningKey,
                                               node_key: SigningKey, evil_key: SigningKey,
                                               evil_calls: list[str], case: str) -> None:
    now = int(network.clock())
    network.node.entitlements.add(application_id="app-y", subject=SUB, dataset_id="synth-fi-2",
                                  start=now - 10, end=now + 10_000)
    visas = IGNORED_403[case](network, hub_key, node_key, evil_key)
    resp = await network.records("synth-fi-1", _passport(network, hub_key, visas=visas))
    assert resp.status_code == 403, resp.text
    entry = _last_audit(network)
    assert (entry.user, entry.action, entry.result) == (SUB, "beacon.records", "denied")
    assert evil_calls == []


async def test_jwks_is_cached(network: Network, hub_key: SigningKey) -> None:
    calls: list[str] = []
    inner = network.http._mounts[httpx._utils.URLPattern("http://hub.test")]

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            calls.append(request.url.path)
            return await inner.handle_async_request(request)

    network.http._mounts[httpx._utils.URLPattern("http://hub.test")] = Counting()
    for _ in range(3):
        await network.node.verifier.verify(_passport(network, hub_key))
    assert calls == ["/oidc/jwks"]


@pytest.mark.parametrize("change", ["revoked", "expired", "vetoed"])
async def test_unexpired_visa_without_entitlement_is_403(network: Network, hub_key: SigningKey,
                                                         node_key: SigningKey,
                                                         change: str) -> None:
    """The node re-checks its own grants: the visa JWT is still valid, the entitlement is not."""
    now = int(network.clock())
    network.node.entitlements.add(application_id="app-z", subject=SUB, dataset_id="synth-fi-1",
                                  start=now - 10, end=now + 3000)
    visa = _grant(network, node_key, "synth-fi-1", exp_in=3600)
    assert (await network.records("synth-fi-1", _passport(network, hub_key, visas=[visa]))
            ).status_code == 200
    if change == "expired":
        network.clock.advance(3001)
    else:
        network.node.entitlements.revoke_application("app-z", at=now, reason=change)
    resp = await network.records("synth-fi-1", _passport(network, hub_key, visas=[visa]))
    assert resp.status_code == 403
    entry = _last_audit(network)
    assert (entry.user, entry.resource, entry.result) == (SUB, "dataset:synth-fi-1", "denied")


@pytest.mark.parametrize("value", ["https://evil/x:synth-fi-1", "https://evil/x/synth-fi-1",
                                   "urn:evil:synth-fi-1", "urn:onemg:dataset:synth-fi-1/",
                                   "urn:onemg:dataset:x/synth-fi-1"])
async def test_grant_value_must_be_an_exact_form(network: Network, hub_key: SigningKey,
                                                 node_key: SigningKey, value: str) -> None:
    """Issue 11 §2: the value is matched exactly, never by suffix (entitlement active)."""
    now = int(network.clock())
    network.node.entitlements.add(application_id="app-v", subject=SUB, dataset_id="synth-fi-1",
                                  start=now - 10, end=now + 10_000)
    visa = _grant(network, node_key, "synth-fi-1", value=value)
    resp = await network.records("synth-fi-1", _passport(network, hub_key, visas=[visa]))
    assert resp.status_code == 403, resp.text
    _, outcomes = await network.node.verifier.verify_detailed(
        _passport(network, hub_key, visas=[visa]))
    assert "names no dataset this node holds" in outcomes[0].reason


@pytest.mark.parametrize("value", ["urn:onemg:dataset:synth-fi-1",
                                   f"{NODE}api/datasets/synth-fi-1"])
async def test_accepted_value_forms_open_records(network: Network, hub_key: SigningKey,
                                                 node_key: SigningKey, value: str) -> None:
    now = int(network.clock())
    network.node.entitlements.add(application_id="app-v", subject=SUB, dataset_id="synth-fi-1",
                                  start=now - 10, end=now + 10_000)
    visa = _grant(network, node_key, "synth-fi-1", value=value)
    resp = await network.records("synth-fi-1", _passport(network, hub_key, visas=[visa]))
    assert resp.status_code == 200, resp.text


async def test_hub_grant_is_ignored_even_with_an_entitlement(network: Network,
                                                             hub_key: SigningKey) -> None:
    """A grant from the hub never counts, whatever the node's own table says."""
    now = int(network.clock())
    network.node.entitlements.add(application_id="app-h", subject=SUB, dataset_id="synth-fi-1",
                                  start=now - 10, end=now + 10_000)
    visa = _grant(network, hub_key, "synth-fi-1", iss=HUB, jku=f"{HUB}oidc/jwks")
    principal, outcomes = await network.node.verifier.verify_detailed(
        _passport(network, hub_key, visas=[visa]))
    assert principal.datasets == frozenset()
    assert "only from its own committee" in outcomes[0].reason


async def test_issuer_asserts_only_its_listed_visa_types(tmp_path, sqlite_engine, clock,
                                                         hub_key: SigningKey,
                                                         node_key: SigningKey) -> None:
    """An issuer whose ``visa_types`` omit ResearcherStatus cannot make anyone registered."""
    from onemg.settings import TrustedIssuer

    net = Network(tmp_path, sqlite_engine, clock, hub_key, node_key)
    try:
        limited = net.settings.replace(access=dataclasses.replace(
            net.settings.access, trusted_issuers=(TrustedIssuer(
                HUB, f"{HUB}oidc/jwks", visa_types=("AffiliationAndRole",)),)))
        from onemg.access.api import build_node_access

        node = build_node_access(limited, engine=sqlite_engine, http=net.http, clock=clock,
                                 known_datasets=lambda: ("synth-fi-1",), key=node_key)
        token = _passport(net, hub_key, visas=[_registered_visa(net, hub_key)])
        principal, outcomes = await node.verifier.verify_detailed(token)
        assert not principal.registered
        assert "may not assert ResearcherStatus" in outcomes[0].reason
        # The default list (what a hub asserts) includes it.
        assert (await net.node.verifier.verify(token)).registered
    finally:
        await net.http.aclose()


def test_visa_types_from_the_config_file(tmp_path) -> None:
    from onemg.errors import InvalidInputError
    from onemg.settings import DEFAULT_VISA_TYPES, load_settings

    (tmp_path / "onemg.toml").write_text(
        "[access]\ntrusted_issuers = [\n"
        '  {iss = "https://hub/", jku = "https://hub/oidc/jwks"},\n'
        '  {iss = "https://ls/", jku = "https://ls/jwks", visa_types = ["ResearcherStatus"]},\n'
        "]\n")
    hub, ls = load_settings(tmp_path, environ={}).access.trusted_issuers
    assert hub.visa_types == DEFAULT_VISA_TYPES
    assert "ControlledAccessGrants" not in DEFAULT_VISA_TYPES
    assert ls.visa_types == ("ResearcherStatus",)
    (tmp_path / "onemg.toml").write_text(
        '[access]\ntrusted_issuers = [{iss = "https://hub/", jku = "https://hub/j", '
        'visa_types = "ResearcherStatus"}]\n')
    with pytest.raises(InvalidInputError, match="visa_types must be a list"):
        load_settings(tmp_path, environ={})


async def test_untrusted_token_values_are_bounded_in_the_audit(network: Network,
                                                               evil_key: SigningKey) -> None:
    """Issue 11 §5: strings from an unverified token reach the log escaped, or as a digest."""
    long_iss = "http://evil.test/" + "A" * 400 + "\n2026-01-01 forged"
    token = _passport(network, evil_key, iss=long_iss, jku=f"{EVIL}jwks")
    resp = await network.records("synth-fi-1", token)
    assert resp.status_code == 401
    entry = _last_audit(network)
    assert "AAAAAAAAAA" not in entry.reason
    assert "forged" not in entry.reason
    assert "bytes, sha256:" in entry.reason
    short = _passport(network, evil_key, iss="http://evil.test/\x1b[2K")
    assert (await network.records("synth-fi-1", short)).status_code == 401
    assert "\x1b" not in _last_audit(network).reason

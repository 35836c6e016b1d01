"""Attacks on budgets through credentials, with the node's real passport clearinghouse: a forged
or expired passport naming a victim's subject is refused (401) and spends nothing, and nobody
draws on another subject's budget."""

from __future__ import annotations

import time

import httpx
import pytest

from onemg.access.clearinghouse import PassportVerifier
from onemg.access.keys import generate_key, jwks
from onemg.access.tokens import sign_passport
from onemg.access.trust import JwksCache
from onemg.db import open_database
from onemg.privacy.budget import BudgetStore
from onemg.settings import (
    AccessSettings,
    BeaconSettings,
    PrivacySettings,
    TrustedIssuer,
    load_settings,
)
from onemg.testing import MemoryAuditSink
from onemg.web.node_app import create_node_app
from tests.privacy.conftest import TEST_PRIVACY, serve, variant_url

HUB = "https://hub.example/"
JKU = HUB + "oidc/jwks"
NODE = "http://node/"
RARE = ["7:1010:A:G", "7:1020:A:G", "7:1030:A:G"]


@pytest.fixture(scope="module")
def keys():
    return generate_key(), generate_key()  # the hub's, and an attacker's


def passport(key, sub: str, *, exp_in: int = 600, iss: str = HUB) -> str:  # noqa: ANN001
    now = int(time.time())
    return sign_passport(
        key, iss=iss, sub=sub, visas=[], iat=now - 10, exp=now + exp_in, aud=[NODE], jku=JKU
    )


async def test_forged_and_expired_passports_spend_no_ones_budget(privacy_node, keys):
    hub_key, evil_key = keys
    access = AccessSettings(trusted_issuers=(TrustedIssuer(iss=HUB, jku=JKU),), audience=NODE)
    settings = load_settings(privacy_node, environ={}).replace(
        beacon=BeaconSettings(k_anonymity=5),
        access=access,
        privacy=PrivacySettings(
            profile="budget+perturb", rare_epsilon=0.2, budget=0.5, **TEST_PRIVACY
        ),
    )
    async with httpx.AsyncClient() as http:
        verifier = PassportVerifier(access, jwks=JwksCache(http=http, static={JKU: jwks(hub_key)}))
        audit = MemoryAuditSink()
        app = create_node_app(settings, verifier=verifier, audit=audit)
        victim, attacker = f"victim-{time.time_ns()}", f"attacker-{time.time_ns()}"
        store = BudgetStore(open_database(settings.db_url))
        async with serve(app) as c:

            async def ask(token: str, key: str) -> int:
                r = await c.get(variant_url(key), headers={"Authorization": f"Bearer {token}"})
                return r.status_code

            assert await ask(passport(hub_key, victim), RARE[0]) == 200
            spent = store.spent(victim, "ds-fi", "risk")
            assert spent == 0.2
            # Forged: the victim's subject, signed with another key. Expired: a real one, old.
            assert await ask(passport(evil_key, victim), RARE[1]) == 401
            assert await ask(passport(hub_key, victim, exp_in=-3600), RARE[1]) == 401
            # An untrusted issuer asserting the victim's subject.
            assert (
                await ask(passport(evil_key, victim, iss="https://evil.example/"), RARE[1]) == 401
            )
            assert store.spent(victim, "ds-fi", "risk") == spent
            # A valid passport of another subject spends that subject's budget only.
            assert await ask(passport(hub_key, attacker), RARE[1]) == 200
            assert await ask(passport(hub_key, attacker), RARE[2]) == 200
            assert await ask(passport(hub_key, attacker), "7:1040:A:G") == 403  # spent
            assert store.spent(attacker, "ds-fi", "risk") == 0.4
            assert store.spent(victim, "ds-fi", "risk") == spent
            # The victim still has their own budget left.
            assert await ask(passport(hub_key, victim), RARE[1]) == 200
    refused = [e for e in audit.entries if e["result"] == "denied"]
    assert [e["user"] for e in refused] == ["anonymous"] * 3 + [attacker]

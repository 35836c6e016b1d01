"""The defences seen through the Beacon API of a real node: each profile, budgets spent and
enforced, consistent noise, anonymous callers, audit, and the secret kept out of logs."""

from __future__ import annotations

import logging
import math
import uuid
from pathlib import Path

import pytest

from onemg.db import open_database
from onemg.privacy.budget import BudgetStore
from onemg.privacy.keys import NOISE_KEY
from onemg.privacy.policy import yes_cost
from tests.beacon.node_data import datasets
from tests.privacy.conftest import bearer, serve, variant_url

FI = datasets()[0]
SINGLETON = "7:1010:A:G"  # one carrier of 40 (AC 1/80)
RARE = ["7:1010:A:G", "7:1020:A:G", "7:1030:A:G", "7:1040:A:G"]  # AF < 0.1
COMMON = "7:1070:A:G"  # 20 carriers, AF 26/80
ABSENT = "7:1000:A:G"  # no carrier


def carriers(key: str) -> int:
    return len(FI.site(key).carriers)


def fresh() -> str:
    return f"u-{uuid.uuid4().hex[:12]}"


async def test_profile_none_is_really_unprotected(make_node):
    app, _ = make_node("none")
    async with serve(app) as c:
        body = (await c.get(variant_url(SINGLETON))).json()
        boolean = (await c.get(variant_url(SINGLETON, granularity="boolean"))).json()
    assert body["responseSummary"] == {
        "exists": True,
        "numTotalResults": 1,
        "countPrecision": "exact",
    }
    assert boolean["responseSummary"]["exists"] is True


async def test_k_floor_profile_is_todays_behaviour(make_node):
    app, _ = make_node("k-floor")
    async with serve(app) as c:
        single = (await c.get(variant_url(SINGLETON))).json()["responseSummary"]
        common = (await c.get(variant_url(COMMON))).json()["responseSummary"]
    assert single == {
        "exists": False,
        "numTotalResults": 0,
        "countPrecision": "imprecise",
        "countAdjustedTo": ["<5"],
    }
    assert common == {
        "exists": True,
        "numTotalResults": carriers(COMMON),
        "countPrecision": "exact",
    }


@pytest.mark.parametrize("profile", ["budget", "budget+perturb"])
async def test_anonymous_callers_get_no_rare_answers(make_node, profile):
    app, audit = make_node(profile)
    async with serve(app) as c:
        for key in (SINGLETON, ABSENT):  # present-but-rare and absent: the same refusal
            r = await c.get(variant_url(key, granularity="boolean"))
            assert r.status_code == 403
            assert "frequency of at least 0.1" in r.json()["error"]["errorMessage"]
        common = await c.get(variant_url(COMMON))
    assert common.status_code == 200
    assert common.json()["responseSummary"]["numTotalResults"] == carriers(COMMON)
    refusals = [e for e in audit.entries if e["result"] == "denied"]
    # One audit row per refused request, naming no variant.
    assert len(refusals) == 2
    assert all("anonymous" in e["reason"] for e in refusals)
    assert [e["result"] for e in audit.entries].count("granted") == 1


async def test_perturbed_answers_say_so_and_are_consistent(make_node):
    app, _ = make_node("budget+perturb", rare_epsilon=0.2, budget=100)
    alice, bob = fresh(), fresh()
    async with serve(app) as c:
        first = (await c.get(variant_url(SINGLETON), headers=bearer(alice))).json()
        again = (await c.get(variant_url(SINGLETON), headers=bearer(alice))).json()
        # The same question in other words (chr7, POST): the same draw.
        post = (
            await c.post(
                "/api/individuals",
                headers=bearer(alice),
                json={
                    "meta": {"apiVersion": "2.0"},
                    "query": {
                        "requestParameters": {
                            "referenceName": "chr7",
                            "start": [1009],
                            "referenceBases": "A",
                            "alternateBases": "G",
                            "datasetIds": ["ds-fi"],
                        },
                        "requestedGranularity": "count",
                    },
                },
            )
        ).json()
        boolean = (
            await c.get(variant_url(SINGLETON, granularity="boolean"), headers=bearer(alice))
        ).json()
        mine = [(await c.get(variant_url(k), headers=bearer(alice))).json() for k in RARE]
        theirs = [(await c.get(variant_url(k), headers=bearer(bob))).json() for k in RARE]
    summary = first["responseSummary"]
    assert summary["countPrecision"] == "imprecise"
    assert summary["countAdjustedTo"][0].startswith("~")
    rs = first["response"]["resultSets"][0] if first["response"]["resultSets"] else None
    if rs is not None:
        assert rs["info"]["perturbation"]["epsilon"] == 0.2
    assert again["responseSummary"] == summary
    assert first["info"]["privacy"]["perturbedDatasets"] == ["ds-fi"]
    # The boolean answer is the same draw (exists = noisy count > 0), and says it is perturbed.
    assert boolean["responseSummary"] == {"exists": summary["numTotalResults"] > 0}
    assert boolean["info"]["privacy"]["perturbedDatasets"] == ["ds-fi"]
    assert post["responseSummary"] == summary
    counts_a = [b["responseSummary"]["numTotalResults"] for b in mine]
    counts_b = [b["responseSummary"]["numTotalResults"] for b in theirs]
    # Scale-5 noise: four equal draws for two users would happen about once in 10^4.
    assert counts_a != counts_b
    # The noise is unbiased around the truth, not a fixed offset.
    assert [b["responseSummary"]["exists"] for b in mine] == [c > 0 for c in counts_a]


async def test_risk_budget_is_spent_exactly_and_enforced(make_node, privacy_node: Path):
    app, audit = make_node("budget+perturb", rare_epsilon=0.2, budget=0.5)
    user = fresh()
    async with serve(app) as c:
        for key in RARE[:2]:
            assert (await c.get(variant_url(key), headers=bearer(user))).status_code == 200
        # A repeat of a paid answer is free, even with the budget nearly spent.
        assert (await c.get(variant_url(RARE[0]), headers=bearer(user))).status_code == 200
        refused = await c.get(variant_url(RARE[2]), headers=bearer(user))
        assert refused.status_code == 403
        message = refused.json()["error"]["errorMessage"]
        assert "risk budget for dataset ds-fi is spent" in message
        assert "common variants are still answered" in message
        common = await c.get(variant_url(COMMON), headers=bearer(user))
        assert common.json()["responseSummary"]["numTotalResults"] == carriers(COMMON)
        # Another user has a budget of their own.
        assert (await c.get(variant_url(RARE[2]), headers=bearer(fresh()))).status_code == 200
    store = BudgetStore(open_database(f"sqlite:///{privacy_node / 'node.db'}"))
    assert store.spent(user, "ds-fi", "risk") == pytest.approx(0.4, abs=0)
    assert store.answers(user, "ds-fi", "risk") == 2
    mine = [e for e in audit.entries if e["user"] == user]
    assert [e["result"] for e in mine] == ["granted", "granted", "granted", "denied", "granted"]
    assert "risk budget 0.2/0.5" in mine[0]["reason"]
    assert "risk budget 0.4/0.5" in mine[1]["reason"]
    assert "repeat: free" in mine[2]["reason"]
    assert "privacy: risk budget spent on ds-fi (0.4/0.5)" in mine[3]["reason"]

    # After a restart (a new app, a new engine) the budget is still spent.
    app2, _ = make_node("budget+perturb", rare_epsilon=0.2, budget=0.5)
    async with serve(app2) as c:
        assert (await c.get(variant_url(RARE[3]), headers=bearer(user))).status_code == 403
        assert (await c.get(variant_url(RARE[1]), headers=bearer(user))).status_code == 200


async def test_exact_budget_profile_charges_the_evidence_of_a_yes(make_node, privacy_node):
    # rare_af 0.2: 7:1050 and 7:1130 (6 carriers of 40 each, AF 0.1) are rare and above k.
    app, audit = make_node("budget", budget=0.0016, rare_af=0.2)
    user = fresh()
    async with serve(app) as c:
        below_k = (await c.get(variant_url("7:1040:A:G"), headers=bearer(user))).json()
        assert below_k["responseSummary"]["exists"] is False  # a floored "no" costs nothing
        first = await c.get(variant_url("7:1050:A:G"), headers=bearer(user))
        assert first.json()["responseSummary"]["numTotalResults"] == 6  # exact: no noise
        second = await c.get(variant_url("7:1130:A:G"), headers=bearer(user))
    # By hand: D = (1 - 6/40)^40 = 0.85^40 = 0.0015023; cost = -ln(1 - D) = 0.0015034 nats,
    # 1504 micro-nats rounded up; a second one would pass the budget of 0.0016.
    assert 0.85**40 == pytest.approx(0.0015023, abs=1e-7)
    assert yes_cost(6, 40) == pytest.approx(-math.log(1 - 0.85**40), rel=1e-12)
    assert second.status_code == 403
    store = BudgetStore(open_database(f"sqlite:///{privacy_node / 'node.db'}"))
    assert store.spent(user, "ds-fi", "risk") == 0.001504
    assert store.answers(user, "ds-fi", "risk") == 1
    assert [e["result"] for e in audit.entries if e["user"] == user] == [
        "granted",
        "granted",
        "denied",
    ]


async def test_forged_or_expired_passport_spends_and_gets_nothing(make_node, privacy_node):
    app, audit = make_node("budget+perturb", rare_epsilon=0.2, budget=0.5)
    victim = fresh()
    async with serve(app) as c:
        assert (await c.get(variant_url(RARE[0]), headers=bearer(victim))).status_code == 200
        bad = await c.get(
            variant_url(RARE[1]), headers={"Authorization": f"Bearer forged:{victim}"}
        )
        assert bad.status_code == 401
    store = BudgetStore(open_database(f"sqlite:///{privacy_node / 'node.db'}"))
    assert store.spent(victim, "ds-fi", "risk") == pytest.approx(0.2, abs=0)
    assert store.spent("anonymous", "ds-fi", "risk") == 0
    assert audit.entries[-1]["user"] == "anonymous"
    assert audit.entries[-1]["result"] == "denied"


async def test_filtered_counts_are_noised_and_budgeted(make_node, privacy_node):
    """A differencing pair (a cohort with and without a phenotype) gets independent noise."""
    app, _ = make_node("budget+perturb", count_epsilon=0.5, count_budget=1.0)
    user = fresh()
    cohort = "/api/individuals?requestedGranularity=count&datasetIds=ds-fi&filters=HP:0001250"
    narrower = cohort + "&filters=HP:0000822"
    async with serve(app) as c:
        a = (await c.get(cohort, headers=bearer(user))).json()
        b = (await c.get(narrower, headers=bearer(user))).json()
        assert (await c.get(cohort, headers=bearer(user))).json() == a  # consistent
        # Far (>= k people) from both earlier sets: a new count, which the budget cannot pay.
        third = await c.get(cohort.replace("HP:0001250", "ICD10:E84.0"), headers=bearer(user))
        # The negated form of the pair stays refused below the differencing tier.
        negated = await c.get(cohort + "&filters=sex!NCIT:C16576", headers=bearer(user))
    for body in (a, b):
        assert body["responseSummary"]["countPrecision"] == "imprecise"
        assert body["responseSummary"]["countAdjustedTo"][0].startswith("~")
    assert third.status_code == 403
    assert "epsilon" in third.json()["error"]["errorMessage"]
    assert negated.status_code in (400, 403)
    store = BudgetStore(open_database(f"sqlite:///{privacy_node / 'node.db'}"))
    assert store.spent(user, "ds-fi", "epsilon") == pytest.approx(1.0, abs=0)


async def test_noise_secret_stays_out_of_logs_and_audit(make_node, privacy_node, caplog):
    caplog.set_level(logging.DEBUG)
    app, audit = make_node("budget+perturb", budget=100)
    async with serve(app) as c:
        for key in RARE:
            await c.get(variant_url(key), headers=bearer(fresh()))
    key_file = privacy_node / NOISE_KEY
    secret = key_file.read_bytes()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    text = caplog.text + repr(audit.entries)
    for form in (secret.hex(), secret.hex().upper(), repr(secret)[2:-1]):
        assert form not in text
    assert all(secret not in str(e).encode("latin-1", "replace") for e in audit.entries)


async def test_variants_of_a_handful_of_people_stay_suppressed_under_noise(make_node):
    """Two people have seizures and hypertension: the count of their variants is theirs alone,
    so it is withheld (not merely noised) in every protected profile."""
    url = (
        "/api/g_variants?requestedGranularity=count&datasetIds=ds-fi"
        "&filters=HP:0001250&filters=HP:0000822"
    )
    for profile in ("k-floor", "budget+perturb"):
        app, _ = make_node(profile, rare_af=0.2)
        async with serve(app) as c:
            body = (await c.get(url, headers=bearer(fresh()))).json()
        assert body["responseSummary"] == {
            "exists": False,
            "numTotalResults": 0,
            "countPrecision": "imprecise",
            "countAdjustedTo": ["<5"],
        }
    app, _ = make_node("none")
    async with serve(app) as c:
        body = (await c.get(url, headers=bearer(fresh()))).json()
    assert body["responseSummary"]["numTotalResults"] > 0  # the baseline shows them


async def test_differencing_pair_gets_the_same_answer(make_node, privacy_node):
    """Counts whose people differ by fewer than k get the earlier answer (each question paid
    as itself); sets k or more apart get their own draw. Per user: another user starts afresh."""
    app, audit = make_node("budget+perturb", count_epsilon=0.5, count_budget=10.0)
    cf = "/api/individuals?requestedGranularity=count&datasetIds=ds-fi&filters=ICD10:E84.0"
    seizure = "/api/individuals?requestedGranularity=count&datasetIds=ds-fi&filters=HP:0001250"
    female = "&filters=NCIT:C16576"
    spec = next(d for d in datasets() if d.id == "ds-fi")
    cf_people = {i for i in range(spec.n) if "ICD10:E84.0" in spec.icd[i]}
    cf_women = {i for i in cf_people if spec.sexes[i] == "female"}
    assert 0 < len(cf_people - cf_women) < 5  # the pair isolates a few men
    user, other = fresh(), fresh()
    store = BudgetStore(open_database(f"sqlite:///{privacy_node / 'node.db'}"))
    async with serve(app) as c:
        whole = (await c.get(cf, headers=bearer(user))).json()
        women = (await c.get(cf + female, headers=bearer(user))).json()
        assert women["responseSummary"] == whole["responseSummary"]
        assert store.spent(user, "ds-fi", "epsilon") == pytest.approx(1.0, abs=0)
        assert "same answer as an earlier count" in audit.entries[-1]["reason"]
        # Seizure (16 people) and its women (11): 5 apart, so two draws (and two costs).
        await c.get(seizure, headers=bearer(user))
        await c.get(seizure + female, headers=bearer(user))
        assert store.spent(user, "ds-fi", "epsilon") == pytest.approx(2.0, abs=0)
        assert "same answer" not in audit.entries[-1]["reason"]
        # Another user asking the narrower count first anchors it for themselves.
        await c.get(cf + female, headers=bearer(other))
        assert store.spent(other, "ds-fi", "epsilon") == pytest.approx(0.5, abs=0)
        assert "same answer" not in audit.entries[-1]["reason"]


async def test_a_spent_budget_refuses_near_and_far_counts_alike(make_node):
    """Past the budget, a count nearly equal to an earlier one is refused like any new count:
    were it answered (free) while far ones are refused, the refusals would tell which sets of
    people are nearly equal (the 10,000-question differencing run found this channel)."""
    app, _ = make_node("budget+perturb", count_epsilon=1.0, count_budget=1.0)
    cf = "/api/individuals?requestedGranularity=count&datasetIds=ds-fi&filters=ICD10:E84.0"
    seizure = "/api/individuals?requestedGranularity=count&datasetIds=ds-fi&filters=HP:0001250"
    user = fresh()
    async with serve(app) as c:
        first = await c.get(cf, headers=bearer(user))
        near = await c.get(cf + "&filters=NCIT:C16576", headers=bearer(user))  # < k apart
        far = await c.get(seizure, headers=bearer(user))
        again = await c.get(cf, headers=bearer(user))  # the paid question itself: free
    assert first.status_code == 200
    assert (near.status_code, far.status_code) == (403, 403)
    assert "budget" in near.json()["error"]["errorMessage"]
    assert again.json()["responseSummary"] == first.json()["responseSummary"]


async def test_anonymous_differencing_pair_gets_the_same_answer(make_node):
    """Anonymous callers share one history: the pair reads alike for them too."""
    app, _ = make_node("perturb")
    cf = "/api/individuals?requestedGranularity=count&datasetIds=ds-fi&filters=ICD10:E84.0"
    async with serve(app) as c:
        whole = (await c.get(cf)).json()
        women = (await c.get(cf + "&filters=NCIT:C16576")).json()
    assert women["responseSummary"] == whole["responseSummary"]
    assert whole["responseSummary"]["countAdjustedTo"][0].startswith("~")


async def test_frequency_lists_name_only_common_variants_under_protection(make_node):
    """The count-tier list of allele frequencies bypasses noise and budgets, so where rare
    alleles are protected it names only variants the rules treat as common."""
    url = (
        "/api/g_variants?requestedGranularity=count&referenceName=7&start=0&end=10000"
        "&datasetIds=ds-fi&limit=100"
    )
    listed: dict[str, set[str]] = {}
    for profile in ("k-floor", "budget+perturb"):
        app, _ = make_node(profile, rare_af=0.2)
        async with serve(app) as c:
            body = (await c.get(url, headers=bearer(fresh()))).json()
        [rs] = body["response"]["resultSets"]
        listed[profile] = {v["variantInternalId"] for v in rs["info"]["variantFrequencies"]}
    spec = next(d for d in datasets() if d.id == "ds-fi")
    af = {s.key: (len(s.carriers) + len(s.homs)) / (2 * spec.n) for s in spec.sites}
    # The k floor lists alleles of 6 carriers (AF 0.1), rare at rare_af = 0.2.
    assert any(af[k] < 0.2 for k in listed["k-floor"])
    assert listed["budget+perturb"] == {k for k in listed["k-floor"] if af[k] >= 0.2}
    assert COMMON in listed["budget+perturb"]
    assert not set(RARE) & (listed["budget+perturb"] | listed["k-floor"])


async def test_a_common_allele_among_filtered_people_is_a_rare_answer(make_node, privacy_node):
    """Within a filtered group even a common allele has few carriers, and the count pairs with
    the group's own count: it is noised at ``rare_epsilon`` and paid from the risk budget (the
    10,000-question run's differencing asked 49 such counts per target at the count epsilon).
    Anonymous callers are refused it; the unfiltered common answer stays exact and free."""
    app, audit = make_node("budget+perturb", rare_epsilon=0.2, budget=0.5, count_budget=50)
    seizure = "&filters=HP:0001250"
    user = fresh()
    store = BudgetStore(open_database(f"sqlite:///{privacy_node / 'node.db'}"))
    async with serve(app) as c:
        first = await c.get(variant_url(COMMON) + seizure, headers=bearer(user))
        second = await c.get(variant_url(COMMON) + "&filters=ICD10:E84.0", headers=bearer(user))
        spent = store.spent(user, "ds-fi", "risk")
        third = await c.get(variant_url(COMMON) + "&filters=NCIT:C16576", headers=bearer(user))
        again = await c.get(variant_url(COMMON) + seizure, headers=bearer(user))  # a repeat
        plain = await c.get(variant_url(COMMON), headers=bearer(user))
        anonymous = await c.get(variant_url(COMMON) + seizure)
    for r in (first, second):
        assert r.status_code == 200
        assert r.json()["info"]["privacy"]["perturbedDatasets"] == ["ds-fi"]
    # The audit names the kind of noise (a draw of 0 leaves no result set to carry it).
    granted = [e["reason"] for e in audit.entries if e["user"] == user][:2]
    assert all("perturbed rare epsilon=0.2" in reason for reason in granted)
    assert spent == pytest.approx(0.4, abs=0)  # two answers x 0.2, on the risk ledger
    assert store.spent(user, "ds-fi", "epsilon") == 0
    assert third.status_code == 403
    assert "risk budget for dataset ds-fi is spent" in third.json()["error"]["errorMessage"]
    assert again.json()["responseSummary"] == first.json()["responseSummary"]
    assert plain.json()["responseSummary"]["numTotalResults"] == carriers(COMMON)
    assert plain.json()["responseSummary"]["countPrecision"] == "exact"
    assert anonymous.status_code == 403
    assert "narrowed by filters" in anonymous.json()["error"]["errorMessage"]
    assert audit.entries[-1]["result"] == "denied"


async def test_a_spent_budget_refuses_absent_and_present_alleles_alike(make_node, privacy_node):
    """Budgets charge the question, not what it counts: keyed by what was counted, every absent
    allele was the same "nothing", so past a spent budget a question about an absent allele
    was answered as a repeat while one about a present rare allele was refused, and the
    refusal told which alleles the dataset holds (the 10,000-question run's diagnostics found
    non-members' private alleles answered where members' were refused)."""
    app, _ = make_node("budget+perturb", rare_epsilon=0.2, budget=0.5)
    # Alleles the index does not hold at all (ABSENT is a site with no carrier).
    unheld, other_unheld = "7:1000:A:C", "7:1000:A:T"
    user = fresh()
    async with serve(app) as c:
        assert (await c.get(variant_url(unheld), headers=bearer(user))).status_code == 200
        assert (await c.get(variant_url(RARE[0]), headers=bearer(user))).status_code == 200
        absent = await c.get(variant_url(other_unheld), headers=bearer(user))
        present = await c.get(variant_url(RARE[1]), headers=bearer(user))
        # The same questions again, one spelt with chr7: repeats, free.
        again = await c.get(variant_url(unheld), headers=bearer(user))
        chr7 = variant_url(RARE[0]).replace("referenceName=7", "referenceName=chr7")
        reworded = await c.get(chr7, headers=bearer(user))
    assert (absent.status_code, present.status_code) == (403, 403)
    assert "risk budget" in absent.json()["error"]["errorMessage"]
    assert (again.status_code, reworded.status_code) == (200, 200)
    store = BudgetStore(open_database(f"sqlite:///{privacy_node / 'node.db'}"))
    assert store.answers(user, "ds-fi", "risk") == 2

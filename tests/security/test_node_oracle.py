"""Issue 11 §1: no per-individual oracle below the record tier, on the node and through the hub.

Each test replays a request of the attack review (FI-s7-... stands for the named person).
"""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import AttackNet, without_timing

pytestmark = pytest.mark.slow

F508DEL = "referenceName=7&start=117559589&referenceBases=ATCT&alternateBases=A"
HBS = "referenceName=11&start=5227001&referenceBases=T&alternateBases=A"


def _carrier(net: AttackNet, variant: str) -> str:
    rows = [r for r in net.truth("spiked_genotypes.tsv") if r["variant_id"] == variant]
    return rows[0]["individual_id"]


def _answers(http: httpx.Client, base: str, paths: list[str]) -> list[tuple[int, object]]:
    """Status and body of each request, less timings and the echo of what was sent."""
    out = []
    for path in paths:
        r = http.get(f"{base}{path}")
        body = without_timing(r.json())
        body.get("meta", {}).pop("receivedRequestSummary", None)
        out.append((r.status_code, body))
    return out


def _uniform(answers: list[tuple[int, object]]) -> tuple[int, object]:
    first = answers[0]
    assert all(a == first for a in answers[1:]), answers
    return first


@pytest.mark.parametrize("where", ["node", "hub"])
def test_membership_by_id_is_one_answer(
    attack_net: AttackNet, http: httpx.Client, where: str
) -> None:
    """GET /individuals/{id} answered 200 or 404: membership in one query (ids sequential)."""
    base = attack_net.node() if where == "node" else attack_net.hub
    member, stranger = "FI-s7-000027", "FI-s7-999999"
    assert any(i["id"] == member for i in attack_net.individuals())
    for template in (
        "/individuals/{}",
        "/biosamples/{}-B1",
        "/biosamples/{}-B1/runs",
        "/individuals/{}/biosamples",
    ):
        answers = _answers(
            http,
            base,
            [template.format(member), template.format(stranger), template.format("FI-s7-000028")],
        )
        status, body = _uniform(answers)
        assert status == 403  # the hub relays the members' one refusal
        assert "need record-level access" in body["error"]["errorMessage"]


@pytest.mark.parametrize("where", ["node", "hub"])
def test_carrier_status_of_a_named_person(
    attack_net: AttackNet, http: httpx.Client, where: str
) -> None:
    """/individuals/{id}/g_variants?<variant> told whether a named person carries it."""
    base = attack_net.node() if where == "node" else attack_net.hub
    carrier = _carrier(attack_net, "CFTR_F508del")
    other = "FI-s7-000000" if carrier != "FI-s7-000000" else "FI-s7-000001"
    paths = [
        f"/individuals/{who}/g_variants?{F508DEL}&requestedGranularity={g}"
        for who in (carrier, other, "FI-s7-999999")
        for g in ("boolean", "count")
    ]
    answers = _answers(http, base, paths)
    _uniform(answers[0::2])
    _uniform(answers[1::2])
    assert {a[0] for a in answers} == {403}


@pytest.mark.parametrize("where", ["node", "hub"])
def test_diagnosis_and_year_of_birth_of_a_named_person(
    attack_net: AttackNet, http: httpx.Client, where: str
) -> None:
    """/individuals/{id}?filters=... told a diagnosis in one query, a year of birth in seven."""
    base = attack_net.node() if where == "node" else attack_net.hub
    person = "FI-s7-000001"
    paths = [
        f"/individuals/{person}?filters={f}&requestedGranularity=count"
        for f in (
            "ICD10:I10",
            "ICD10:E84.0",
            "HP:0000822",
            "yearOfBirth=1950",
            "yearOfBirth=1990",
            "yearOfBirth<1970",
            "sex=female",
        )
    ]
    answers = _answers(http, base, paths)
    assert {a[0] for a in answers} == {403}
    _uniform(answers)


@pytest.mark.parametrize("where", ["node", "hub"])
def test_variant_count_of_a_named_person(
    attack_net: AttackNet, http: httpx.Client, where: str
) -> None:
    """Without a range, a person's exact variant count came out (782)."""
    base = attack_net.node() if where == "node" else attack_net.hub
    r = http.get(f"{base}/individuals/FI-s7-000027/g_variants?requestedGranularity=count")
    assert r.status_code == 403
    assert "responseSummary" not in r.json()


@pytest.mark.parametrize("where", ["node", "hub"])
def test_floored_count_does_not_tell_existence(
    attack_net: AttackNet, http: httpx.Client, where: str
) -> None:
    """The floor reported 1 as 5 but exists was true: F508del (1 FI carrier) vs HbS (none)."""
    spiked = {r["variant_id"]: int(r["carriers"]) for r in attack_net.truth("spiked_variants.tsv")}
    assert 0 < spiked["CFTR_F508del"] < 5
    assert spiked["HBB_E7V"] == 0
    base = attack_net.node() if where == "node" else attack_net.hub
    ds = attack_net.dataset()
    for granularity in ("boolean", "count"):
        answers = _answers(
            http,
            base,
            [
                f"/individuals?{v}&datasetIds={ds}&requestedGranularity={granularity}"
                for v in (F508DEL, HBS)
            ],
        )
        status, body = _uniform(answers)
        assert status == 200
        assert body["responseSummary"]["exists"] is False


def test_filters_on_record_ids_are_refused(attack_net: AttackNet, http: httpx.Client) -> None:
    """No filter selects a person by id (the catalogue knows no such field)."""
    for f in ("id=FI-s7-000027", "individualId=FI-s7-000027"):
        r = http.get(f"{attack_net.node()}/individuals?filters={f}&requestedGranularity=count")
        assert r.status_code == 400, r.text

"""Issue 11 §5: differencing through negation and ranges, on the node and through the hub.

``count(HP:0000822) - count(HP:0000822 AND yearOfBirth!Y)`` gave an exact count below k in
two queries; ranges (``yearOfBirth<Y`` + ``yearOfBirth>Y``) did the same.
"""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import AttackNet

pytestmark = pytest.mark.slow


def _count(http: httpx.Client, url: str) -> httpx.Response:
    return http.get(url + "&requestedGranularity=count")


@pytest.mark.parametrize("where", ["node", "hub"])
@pytest.mark.parametrize(
    "narrowing",
    [
        "yearOfBirth!1950",
        "yearOfBirth<1950",
        "yearOfBirth>=1951",
        "sex!female",
        "country!FI",
        "age<=40",
    ],
)
def test_negated_and_range_filters_need_the_record_tier(
    attack_net: AttackNet, http: httpx.Client, where: str, narrowing: str
) -> None:
    base = attack_net.node() if where == "node" else attack_net.hub
    whole = _count(http, f"{base}/individuals?filters=HP:0000822")
    assert whole.status_code == 200
    part = _count(http, f"{base}/individuals?filters=HP:0000822,{narrowing}")
    assert part.status_code == 403, part.text
    assert "responseSummary" not in part.json()
    assert "negated (!) and range" in part.text
    # The same through POST, with the filter as an object.
    field, op, value = (
        ("yearOfBirth", "!", "1950") if "!" in narrowing else ("yearOfBirth", "<", "1950")
    )
    r = http.post(
        f"{base}/individuals",
        json={
            "query": {
                "filters": [{"id": "HP:0000822"}, {"id": field, "operator": op, "value": value}],
                "requestedGranularity": "count",
            }
        },
    )
    assert r.status_code == 403


@pytest.mark.parametrize("where", ["node", "hub"])
def test_equality_filters_stay_public_and_floored(
    attack_net: AttackNet, http: httpx.Client, where: str
) -> None:
    base = attack_net.node() if where == "node" else attack_net.hub
    r = _count(http, f"{base}/individuals?filters=HP:0000822,sex=female")
    assert r.status_code == 200
    for rs in r.json()["response"]["resultSets"]:
        assert rs["resultsCount"] == 0 or rs["resultsCount"] >= 5

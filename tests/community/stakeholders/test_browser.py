"""Issue 15 browser tests 3 and 4 in real headless Chromium (Debian's), with a real SMTP server
and axe-core on every page (no serious or critical violation), at phone width for members.

3. A stakeholder registers, confirms the address from the mail, is approved by a coordinator,
   volunteers as early reviewer, comments on two paragraphs in a round and sees the
   dispositions the WP leader recorded.
4. A validator gives a verdict; the coordinator closes the round; the consolidated PDF (read
   back with pypdf) holds the comments and the verdict tally by stakeholder group.
"""

from __future__ import annotations

import io
import re
import time

import pytest
from pypdf import PdfReader

from onemg.community.stakeholders.context import Viewer
from onemg.community.stakeholders.registration import Profile
from tests.browser import assert_accessible
from tests.community.stakeholders.conftest import PASSWORD, LiveHub
from tests.community.stakeholders.test_pages import assert_inert
from tests.mailserver import text_of

pytestmark = pytest.mark.slow

DRAFT = """# Purpose

Genomic data should cross borders safely.

Every node keeps its data in the country.

# Recommendations

Use GA4GH Beacon v2 for discovery.

Use passports and visas for access.
"""
PHONE = {"width": 390, "height": 844}


def _login(page, base: str, username: str, target: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"**{target}")


def test_stakeholder_registers_reviews_and_sees_dispositions(
    browser,
    live_hub: LiveHub,  # noqa: ANN001
) -> None:
    base = live_hub.url
    live_hub.account("coord", roles=("coordinator",))
    live_hub.account("lead", roles=("wp_leader",))

    # The WP leader uploads a draft and opens an early-review round for two groups.
    lead_ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    lead = lead_ctx.new_page()
    _login(lead, base, "lead", "/stakeholders/rounds")
    assert_accessible(lead)
    lead.fill("#title", "Draft recommendations on cross-border access")
    lead.fill("#wp", "WP2")
    lead.set_input_files(
        "#file", files=[{"name": "draft.md", "mimeType": "text/markdown", "buffer": DRAFT.encode()}]
    )
    lead.click("button:has-text('Upload the draft')")
    lead.wait_for_selector("h2:has-text('Versions')")
    assert_accessible(lead)
    lead.select_option("#kind", "early_review")
    lead.fill("#deadline", time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 7 * 86400)))
    lead.check("input[name=groups][value=citizens]")
    lead.check("input[name=groups][value=clinicians]")
    lead.click("button:has-text('Open the round')")
    lead.wait_for_selector("#round-status")
    round_url = lead.url
    assert_accessible(lead)

    # A visitor registers on a phone.
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.goto(f"{base}/stakeholders")
    assert_accessible(page)
    page.click("main a:has-text('Register as a stakeholder')")
    assert_accessible(page)
    page.fill("#username", "nora")
    page.fill("#password", "a long enough password")
    page.fill("#email", "nora@example.org")
    page.fill("#name", "Nora Newcomer")
    page.fill("#organisation", "Patients United")
    page.select_option("#country", "PT")
    page.check("input[name=groups][value=citizens]")
    page.fill("#expertise", "rare diseases, consent")
    page.check("input[name=named_in_reports]")
    page.check("input[name=consent]")
    page.click("button:has-text('Register')")
    page.wait_for_selector("text=Thank you for registering")
    assert page.inner_text("#status") == "pending"
    assert_accessible(page)

    # The confirmation link from the mail (real SMTP server).
    mail = live_hub.smtp.wait_for(1, to="nora@example.org")[0]
    page.goto(re.search(r"(http\S+/account/email/confirm\?token=\S+)", text_of(mail)).group(1))
    page.wait_for_selector("text=Your e-mail address is confirmed")

    # The coordinator approves.
    coord_ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    coord = coord_ctx.new_page()
    _login(coord, base, "coord", "/stakeholders/registrations")
    assert_accessible(coord)
    coord.click("button[aria-label='Approve Nora Newcomer']")
    coord.wait_for_selector("text=No registration waits for a decision")
    assert "approved" in text_of(live_hub.smtp.wait_for(2, to="nora@example.org")[1])

    # The member volunteers as early reviewer, then comments on two paragraphs.
    page.goto(f"{base}/stakeholders/me")
    assert page.inner_text("#status") == "approved"
    page.check("input[name=roles][value=early_reviewer]")
    page.click("button:has-text('Save my profile')")
    page.wait_for_selector("text=Your changes are saved")
    page.goto(f"{base}/stakeholders/rounds")
    assert_accessible(page)
    page.click("a:has-text('Early review: Draft recommendations')")
    page.wait_for_selector("#p-1\\.2")
    assert_accessible(page)
    page.click("a[aria-label='Comment on paragraph 1.2']")
    assert page.input_value("#paragraph") == "1.2"
    page.fill("#body", "Say which national law applies.")
    page.click("button:has-text('Add my comment')")
    page.wait_for_selector("text=Say which national law applies.")
    page.select_option("#paragraph", "2.1")
    page.fill("#body", "Name the Beacon version <script>alert('x')</script>")
    page.click("button:has-text('Add my comment')")
    page.wait_for_selector("text=Name the Beacon version")
    assert_inert(page.content())
    assert_accessible(page)

    # The WP leader records the dispositions.
    lead.goto(round_url)
    comments = lead.locator("article.comment")
    assert comments.count() == 2
    ids = [a.get_attribute("id").split("-")[1] for a in comments.all()]
    lead.select_option(f"#disposition-{ids[0]}", "partly_accepted")
    lead.fill(f"#response-{ids[0]}", "We name the national laws in an annex.")
    lead.select_option(f"#disposition-{ids[1]}", "accepted")
    lead.click("button:has-text('Save the dispositions')")
    lead.wait_for_selector("text=Disposition: Accepted")
    assert_accessible(lead)

    # The member sees them.
    page.goto(round_url)
    text = page.inner_text("#main")
    assert "Disposition: Partly accepted" in text
    assert "We name the national laws in an annex." in text
    assert "Disposition: Accepted" in text
    assert_accessible(page)
    for c in (ctx, lead_ctx, coord_ctx):
        c.close()


def test_validator_verdict_then_coordinator_closes_with_a_pdf_report(
    browser,
    live_hub: LiveHub,  # noqa: ANN001
) -> None:
    base = live_hub.url
    portal = live_hub.portal()
    coord = Viewer(live_hub.account("coord", roles=("coordinator",)), frozenset({"coordinator"}))
    lead = Viewer(live_hub.account("lead", roles=("wp_leader",)), frozenset({"wp_leader"}))
    for name, groups, named in (("vera", ("hta",), True), ("otto", ("industry", "hta"), False)):
        sub = live_hub.account(name)
        portal.registrations.register(
            sub,
            Profile(
                f"{name.title()} Validator",
                f"{name} org",
                "BE",
                groups,
                ("HTA",),
                ("validator",),
                named_in_reports=named,
            ),
            consent=True,
        )
        portal.registrations.decide(coord, sub, approve=True)
    draft = portal.reviews.create_draft(
        lead, title="Mature recommendations", wp="WP2", filename="d.md", data=DRAFT.encode()
    )
    portal.reviews.add_version(
        lead,
        draft,
        filename="d2.md",
        data=DRAFT.replace("Use passports", "Use GA4GH passports").encode(),
    )
    rid = portal.reviews.open_round(
        lead,
        draft,
        kind="validation",
        title="Validation 2026",
        deadline=int(time.time()) + 86400,
        groups=[],
    )
    otto = Viewer(live_hub.web.sub_of("otto"), frozenset({"stakeholder"}))
    portal.reviews.give_verdict(otto, rid, verdict="endorse", justification="Ready to publish.")

    # Vera, on a phone, comments and gives her verdict.
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    _login(page, base, "vera", f"/stakeholders/rounds/{rid}")
    assert_accessible(page)
    page.select_option("#paragraph", "1.1")
    page.fill("#body", "Add the cost of running a node.")
    page.click("button:has-text('Add my comment')")
    page.wait_for_selector("text=Add the cost of running a node.")
    page.check("input[name=verdict][value=endorse_with_changes]")
    page.fill("#justification", "Endorse once the costs are stated.")
    page.click("button:has-text('Give my verdict')")
    page.wait_for_selector("#my-verdict")
    assert "Endorse with changes" in page.inner_text("#my-verdict")
    assert_accessible(page)

    # The coordinator records the disposition and closes the round.
    cctx = browser.new_context(viewport={"width": 1100, "height": 900})
    cpage = cctx.new_page()
    _login(cpage, base, "coord", f"/stakeholders/rounds/{rid}")
    cpage.click("button:has-text('Close the round')")
    cpage.wait_for_selector("text=comment(s) have no disposition yet")
    assert_accessible(cpage)  # the error page
    cpage.goto(f"{base}/stakeholders/rounds/{rid}")
    cid = cpage.locator("article.comment").first.get_attribute("id").split("-")[1]
    cpage.select_option(f"#disposition-{cid}", "accepted")
    cpage.click("button:has-text('Save the dispositions')")
    cpage.wait_for_selector("text=Disposition: Accepted")
    cpage.click("button:has-text('Close the round')")
    cpage.wait_for_url(f"**/stakeholders/rounds/{rid}/report")
    assert_accessible(cpage)
    report = cpage.inner_text("#main")
    assert "Vera Validator (vera org)" in report
    assert "Reviewer 2" in report  # Otto did not consent to be named
    pdf = cpage.request.get(f"{base}/stakeholders/rounds/{rid}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.body())).pages).split()
    )
    assert "Add the cost of running a node." in text
    assert "Accepted" in text
    assert "Endorse once the costs are stated." in text
    assert "HTA bodies 1 1 0" in text  # endorse, endorse with changes, do not endorse
    assert "Industry (diagnostic, pharmaceutical, ICT) 1 0 0" in text
    assert "All validators 1 1 0" in text
    csv_text = cpage.request.get(f"{base}/stakeholders/rounds/{rid}/report.csv").text()
    assert "tally,,,HTA bodies,1,Endorse," in csv_text

    # The other pages of the portal pass axe-core too, at phone width.
    for path in (
        f"/stakeholders/drafts/{draft}",
        f"/stakeholders/drafts/{draft}/diff?old=1&new=2",
        "/stakeholders/directory",
        "/stakeholders/documents",
        "/stakeholders/actions",
        "/stakeholders/me",
        "/stakeholders",
    ):
        page.goto(base + path)
        assert_accessible(page)
    assert (
        "GA4GH passports"
        in page.context.request.get(f"{base}/stakeholders/drafts/{draft}/diff?old=1&new=2").text()
    )
    ctx.close()
    cctx.close()


def test_workshop_invitation_accepted_and_materials_shown(
    browser,
    live_hub: LiveHub,  # noqa: ANN001
) -> None:
    events_wiring = pytest.importorskip("onemg.community.events.wiring")
    base = live_hub.url
    events_wiring.build_service(live_hub.web).create(
        id="ws-rare",
        name="Rare disease data workshop",
        timezone="Europe/Brussels",
        start="2099-03-01T09:00",
        end="2099-03-01T17:00",
        wp="WP1",
    )
    portal = live_hub.portal()
    coord = Viewer(live_hub.account("coord", roles=("coordinator",)), frozenset({"coordinator"}))
    sub = live_hub.account("expert")
    portal.registrations.register(
        sub,
        Profile(
            "Erin Expert",
            "Rare org",
            "EE",
            ("clinicians",),
            ("rare diseases",),
            ("workshop_expert",),
        ),
        consent=True,
    )
    portal.registrations.decide(coord, sub, approve=True)

    cctx = browser.new_context(viewport={"width": 1100, "height": 900})
    cpage = cctx.new_page()
    _login(cpage, base, "coord", "/stakeholders/workshops")
    assert_accessible(cpage)
    cpage.select_option("#event", "ws-rare")
    cpage.fill("#expertise", "rare")
    cpage.click("button:has-text('Find experts')")
    cpage.wait_for_selector("text=Erin Expert")
    assert_accessible(cpage)
    cpage.click("button:has-text('Send the invitations')")
    cpage.wait_for_selector("td:has-text('invited')")
    assert_accessible(cpage)
    cpage.goto(f"{base}/stakeholders/documents")
    cpage.fill("#title", "Workshop agenda")
    cpage.select_option("#access", "workshop")
    cpage.select_option("#event_id", "ws-rare")
    cpage.set_input_files(
        "#file",
        files=[{"name": "agenda.txt", "mimeType": "text/plain", "buffer": b"09:00 welcome"}],
    )
    cpage.click("button:has-text('Add the document')")
    cpage.wait_for_selector("text=Workshop agenda")
    mail = live_hub.smtp.wait_for(2, to="expert@example.org")[-1]
    assert mail["Subject"] == "Invitation: Rare disease data workshop"

    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    _login(page, base, "expert", "/stakeholders/me")
    page.click("a:has-text('Rare disease data workshop')")
    page.wait_for_selector("#invitation-status")
    assert "Workshop agenda" not in page.inner_text("#main")
    assert_accessible(page)
    page.click("button:has-text('Accept')")
    page.wait_for_selector("text=Workshop agenda")
    assert "accepted" in page.inner_text("#invitation-status")
    assert page.request.get(f"{base}/stakeholders/documents/1/download").body() == (
        b"09:00 welcome"
    )
    ctx.close()
    cctx.close()

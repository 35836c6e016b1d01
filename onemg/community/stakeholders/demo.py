"""Demo content of the portal (labelled as such): accounts, a draft with an early-review round,
a few comments with dispositions, documents and the related actions.

The draft's text was written for the demo; it is not a 1+MG deliverable. Demo accounts get a
random password, made on first load and kept in ``<data_dir>/stakeholders-demo-password.txt``
(no default password ships with onemg).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from onemg.community.stakeholders.context import Viewer
from onemg.community.stakeholders.registration import Profile
from onemg.community.stakeholders.service import StakeholderPortal

DEMO_DRAFT = """# About this draft

This is demo content for the onemg Stakeholder Coordination Portal, not a 1+MG deliverable.
It imitates an initial draft recommendation put to early reviewers.

# Scope

The recommendations cover cross-border discovery of and access to genomic data and the
related health data held by the national nodes of the 1+ Million Genomes initiative.

They address data holders, data access committees and the researchers who apply to them.

# Recommendations

Each node answers discovery queries with the GA4GH Beacon v2 protocol, at the tier the
requester's credentials allow, and never below its minimum count.

Access to record-level data is granted by the national data access committee and carried
by GA4GH visas that name the dataset.

Every access decision, granted or refused, is written to an audit log that can be checked
for tampering.

# Next steps

Stakeholders are invited to comment on each paragraph before the deadline. A validation
round on the revised draft follows.
"""

#: (username, name, organisation, country, groups, expertise, roles, listed, named)
DEMO_MEMBERS = (
    (
        "demo-patient-org",
        "Patient organisation representative (demo)",
        "Demo patients' forum",
        "BE",
        ("citizens",),
        ("rare diseases", "consent"),
        ("early_reviewer", "workshop_expert"),
        True,
        True,
    ),
    (
        "demo-clinician",
        "Clinical geneticist (demo)",
        "Demo university hospital",
        "FI",
        ("clinicians", "academics"),
        ("clinical genomics", "rare diseases"),
        ("early_reviewer", "validator"),
        True,
        False,
    ),
    (
        "demo-hta",
        "HTA analyst (demo)",
        "Demo HTA agency",
        "PT",
        ("hta",),
        ("health economics",),
        ("validator",),
        False,
        False,
    ),
)


def load_demo(
    portal: StakeholderPortal,
    *,
    create_account: Callable[[str, str], str],
    roles: Callable[[str, str], None],
) -> dict[str, str]:
    """Load the demo content once (a second call adds nothing); the demo usernames by role.

    ``create_account(username, email) -> sub`` makes (or finds) an account with a confirmed
    address; ``roles(sub, role)`` grants a site role.
    """
    logins = {
        "coordinator": "demo-coordinator",
        "wp_leader": "demo-wp-leader",
        "member": DEMO_MEMBERS[0][0],
    }
    coord_sub = create_account("demo-coordinator", "coordinator@demo.invalid")
    roles(coord_sub, "coordinator")
    lead_sub = create_account("demo-wp-leader", "wp-leader@demo.invalid")
    roles(lead_sub, "wp_leader")
    portal.actions.seed_demo()
    if portal.deps.store.drafts():
        return logins
    coord = Viewer(coord_sub, frozenset({"coordinator"}))
    lead = Viewer(lead_sub, frozenset({"wp_leader"}))
    members = []
    for user, name, org, country, groups, expertise, vol, listed, named in DEMO_MEMBERS:
        sub = create_account(user, f"{user}@demo.invalid")
        portal.registrations.register(
            sub,
            Profile(
                name,
                org,
                country,
                groups,
                expertise,
                vol,
                directory_opt_in=listed,
                named_in_reports=named,
            ),
            consent=True,
        )
        portal.registrations.decide(coord, sub, approve=True)
        members.append(Viewer(sub, frozenset({"stakeholder"})))
    draft = portal.reviews.create_draft(
        lead,
        title="Recommendations for cross-border access to genomic data (demo)",
        wp="WP2",
        filename="draft.md",
        data=DEMO_DRAFT.encode(),
        note="initial draft",
    )
    round_id = portal.reviews.open_round(
        lead,
        draft,
        kind="early_review",
        title="Early review of the demo recommendations",
        deadline=portal.deps.now() + 30 * 86400,
        groups=[],
    )
    c1 = portal.reviews.comment(
        members[0],
        round_id,
        paragraph="2.2",
        body="Please also address patient organisations, who "
        "explain data use to the people behind the data.",
    )
    portal.reviews.comment(
        members[1],
        round_id,
        paragraph="3.2",
        body="Say how long a visa stays valid and who can revoke it.",
    )
    portal.reviews.dispose(lead, c1, disposition="accepted", response="Added to the next version.")
    portal.library.upload(
        coord,
        title="Portal guide for members (demo)",
        description="How to register, review and validate.",
        access="public",
        round_id=None,
        filename="portal-guide.md",
        data=b"# Portal guide (demo)\n\nRegister, confirm, volunteer.\n",
    )
    portal.library.upload(
        coord,
        title="Reviewer briefing (demo)",
        description="For the early reviewers of the demo round.",
        access="round",
        round_id=round_id,
        filename="briefing.md",
        data=b"# Briefing (demo)\n\nComment on paragraphs; the WP leader answers each comment.\n",
    )
    return logins


def load_demo_hub(data_dir: Path, *, echo: Callable[[str], None] = print) -> str:
    """Load the demo into the hub data directory ``data_dir`` (once); a login hint."""
    from onemg.community.stakeholders.wiring import build_portal
    from onemg.errors import NotFoundError
    from onemg.secret_files import load_or_create_password
    from onemg.settings import Settings
    from onemg.web.pages import WebServices
    from onemg.web.signed_links import LinkSigner

    data_dir.mkdir(parents=True, exist_ok=True)
    password = load_or_create_password(data_dir / "stakeholders-demo-password.txt")
    web = WebServices.for_settings(Settings(data_dir=data_dir))
    try:
        portal = build_portal(
            web, mailer=lambda: None, signer=lambda: LinkSigner.for_data_dir(data_dir)
        )
        # Demo people get no mail: their addresses are under .invalid (RFC 2606).
        portal.deps.mail = lambda *a, **k: False  # type: ignore[method-assign]

        def create_account(username: str, email: str) -> str:
            try:
                return web.sub_of(username)
            except NotFoundError:
                sub = web.accounts.create(username, password).sub
                web.accounts.set_email(sub, email, verified=True)
                return sub

        def grant(sub: str, role: str) -> None:
            web.site_roles.grant(sub, role, at=portal.deps.now())

        if not portal.deps.store.drafts():
            echo("loading the stakeholder portal demo (a draft in early review, actions) ...")
        logins = load_demo(portal, create_account=create_account, roles=grant)
    finally:
        web.dispose()
    return f"log in as {', '.join(logins.values())} with password {password}"

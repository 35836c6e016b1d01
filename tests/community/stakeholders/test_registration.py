"""Registration, coordinators' decisions, the directory, withdrawal and account deletion, over
SQLite and PostgreSQL with a real SMTP server."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from onemg.access.models import AuditEntry
from onemg.community.stakeholders.registration import Profile, split_expertise
from onemg.errors import AccessDeniedError, ConflictError, InvalidInputError, WorkflowError
from tests.community.stakeholders.conftest import Hub, profile
from tests.mailserver import text_of


def _audit(hub: Hub) -> list[tuple[str | None, str, str, str, str]]:
    e = AuditEntry
    with hub.web.engine.connect() as c:
        rows = c.execute(
            select(e.user, e.action, e.resource, e.result, e.reason).order_by(e.seq)
        ).all()
    return [tuple(r) for r in rows]


def test_consent_and_fields_are_checked_before_anything_is_stored(hub: Hub) -> None:
    who = hub.account("ana")
    regs = hub.portal.registrations
    with pytest.raises(InvalidInputError, match="consent: tick the box"):
        regs.register(who.sub, profile("ana"), consent=False)
    bad = Profile("Ana", "Org", "FI", (), (), ())
    with pytest.raises(InvalidInputError, match="choose at least one group"):
        regs.register(who.sub, bad, consent=True)
    with pytest.raises(InvalidInputError, match="stakeholder group 'astronauts' is not known"):
        regs.register(who.sub, Profile("Ana", "Org", "FI", ("astronauts",), (), ()), consent=True)
    with pytest.raises(InvalidInputError, match="country"):
        regs.register(
            who.sub, Profile("Ana", "Org", "Finland", ("academics",), (), ()), consent=True
        )
    assert regs.member(who.sub) is None
    record = regs.register(
        who.sub, profile("ana", roles=("validator", "early_reviewer")), consent=True
    )
    assert record.status == "pending"
    assert record.roles == ("early_reviewer", "validator")  # the vocabulary's order
    with pytest.raises(ConflictError, match="already registered"):
        regs.register(who.sub, profile("ana"), consent=True)


def test_expertise_is_split_trimmed_and_deduplicated() -> None:
    assert split_expertise(" rare diseases, HTA;\nrare  Diseases,, cancer ") == (
        "rare diseases",
        "HTA",
        "cancer",
    )


def test_approval_needs_a_confirmed_address_grants_the_role_and_is_audited(hub: Hub) -> None:
    coord = hub.account("coord", roles=("coordinator",))
    sub = hub.web.accounts.create("ben", "correct horse battery", email="ben@example.org").sub
    regs = hub.portal.registrations
    regs.register(sub, profile("ben"), consent=True)
    with pytest.raises(WorkflowError, match="not confirmed their e-mail address"):
        regs.decide(coord, sub, approve=True)
    # The address is confirmed through the hub account's signed link (tests/web and the
    # browser test follow it); here the account records it as confirmed.
    hub.web.accounts.set_email(sub, "ben@example.org", verified=True)
    assert [(m.sub, ok) for m, ok in regs.pending(coord)] == [(sub, True)]
    regs.decide(coord, sub, approve=True)
    assert regs.member(sub).status == "approved"
    assert "stakeholder" in hub.web.site_roles.roles_of(sub)
    with pytest.raises(WorkflowError, match="already approved"):
        regs.decide(coord, sub, approve=False)
    entries = _audit(hub)
    assert (coord.sub, "stakeholders.decide", f"stakeholder:{sub}", "approved", "") in entries
    assert (coord.sub, "admin.site_role", f"user:{sub}", "granted", "role=stakeholder") in entries
    # The audit log holds pseudonymous subjects only: no name, organisation or address.
    flat = repr(entries)
    assert "ben@example.org" not in flat
    assert "Ben Person" not in flat
    assert "approved" in text_of(hub.smtp.wait_for(1, to="ben@example.org")[0])


def test_a_non_coordinator_cannot_decide_and_the_refusal_is_audited(hub: Hub) -> None:
    coord = hub.account("coord", roles=("coordinator",))
    member = hub.member("eve", coordinator=coord)
    other = hub.account("olga")
    hub.portal.registrations.register(other.sub, profile("olga"), consent=True)
    for intruder in (member, hub.account("wp", roles=("wp_leader",)), None):
        with pytest.raises(AccessDeniedError, match="coordinator"):
            hub.portal.registrations.decide(intruder, other.sub, approve=True)
        with pytest.raises(AccessDeniedError):
            hub.portal.registrations.pending(intruder)
    assert hub.portal.registrations.member(other.sub).status == "pending"
    assert "stakeholder" not in hub.web.site_roles.roles_of(other.sub)
    denied = [e for e in _audit(hub) if e[1] == "stakeholders.decide" and e[3] == "denied"]
    assert len(denied) == 3


def test_directory_lists_only_approved_members_who_opted_in(hub: Hub) -> None:
    coord = hub.account("coord", roles=("coordinator",))
    hub.member(
        "listed-fi",
        coordinator=coord,
        listed=True,
        groups=("hta",),
        expertise=("health economics",),
    )
    hub.member(
        "listed-pt",
        coordinator=coord,
        listed=True,
        country="PT",
        groups=("citizens", "academics"),
        expertise=("rare diseases",),
    )
    hub.member("hidden", coordinator=coord, listed=False)
    pending = hub.account("pending")
    hub.portal.registrations.register(pending.sub, profile("pending", listed=True), consent=True)
    names = lambda **q: [m.name for m in hub.portal.registrations.directory(None, **q)]  # noqa: E731
    assert names() == ["Listed-Fi Person", "Listed-Pt Person"]
    assert names(group="citizens") == ["Listed-Pt Person"]
    assert names(country="FI") == ["Listed-Fi Person"]
    assert names(expertise="ECONOMICS") == ["Listed-Fi Person"]
    with pytest.raises(InvalidInputError, match="group 'x' is not known"):
        names(group="x")


def test_withdrawal_and_account_deletion_really_delete(hub: Hub) -> None:
    coord = hub.account("coord", roles=("coordinator",))
    lead = hub.account("lead", roles=("wp_leader",))
    did = hub.portal.reviews.create_draft(
        lead, title="D", wp="WP1", filename="d.md", data=b"# A\n\nOne.\n"
    )
    rid = hub.portal.reviews.open_round(
        lead, did, kind="early_review", title="R", deadline=int(hub.clock()) + 999, groups=[]
    )
    gone = hub.member("gone", coordinator=coord)
    hub.portal.reviews.comment(gone, rid, paragraph="1.1", body="my words")
    stays = hub.member("stays", coordinator=coord)
    hub.portal.reviews.comment(stays, rid, paragraph="", body="other words")

    def rows(sub: str) -> dict[str, int]:
        with hub.web.engine.connect() as c:
            return {
                t: c.execute(
                    text(f"SELECT count(*) FROM {t} WHERE {col} = :s"), {"s": sub}
                ).scalar()
                for t, col in (
                    ("stk_members", "sub"),
                    ("stk_comments", "author"),
                    ("access_accounts", "sub"),
                    ("hub_site_roles", "sub"),
                )
            }

    assert rows(gone.sub) == {
        "stk_members": 1,
        "stk_comments": 1,
        "access_accounts": 1,
        "hub_site_roles": 1,
    }
    hub.portal.registrations.delete_account(gone.sub)
    assert rows(gone.sub) == dict.fromkeys(rows(gone.sub), 0)
    assert rows(stays.sub)["stk_comments"] == 1
    with hub.web.engine.connect() as c:
        assert "my words" not in repr(c.execute(text("SELECT body FROM stk_comments")).all())
    actions = [e[1] for e in _audit(hub) if gone.sub in (e[0] or "")]
    assert "account.delete" in actions
    assert "stakeholders.withdraw" in actions
    # Withdrawal alone keeps the account but not the registration.
    hub.portal.registrations.withdraw(stays.sub)
    assert rows(stays.sub) == {
        "stk_members": 0,
        "stk_comments": 0,
        "access_accounts": 1,
        "hub_site_roles": 0,
    }

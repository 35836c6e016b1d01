"""Review rounds, reports, reminders and the library's access rules, over SQLite and
PostgreSQL (the consolidated PDF is read back with pypdf, the CSV with the csv module)."""

from __future__ import annotations

import calendar
import csv
import io

import pytest
from pypdf import PdfReader

from onemg.community.stakeholders.reminders import send_reminders
from onemg.community.stakeholders.reports import build_report, report_csv, report_pdf
from onemg.community.stakeholders.reviews import parse_deadline
from onemg.errors import AccessDeniedError, InvalidInputError, WorkflowError
from tests.community.stakeholders.conftest import Hub
from tests.mailserver import text_of

DRAFT = b"""# Purpose

Genomic data should cross borders safely.

Every node keeps its data in the country.

# Recommendations

Use GA4GH Beacon v2 for discovery.

Use passports and visas for access.
"""
DAY = 24 * 3600


@pytest.fixture
def setup(hub: Hub):  # noqa: ANN201
    coord = hub.account("coord", roles=("coordinator",))
    lead = hub.account("lead", roles=("wp_leader",))
    draft = hub.portal.reviews.create_draft(
        lead, title="Draft recommendations", wp="wp2", filename="draft.md", data=DRAFT
    )
    return coord, lead, draft


def test_a_round_from_comments_to_the_consolidated_report(hub: Hub, setup) -> None:  # noqa: ANN001
    coord, lead, draft = setup
    reviews = hub.portal.reviews
    deadline = int(hub.clock()) + 7 * DAY
    rid = reviews.open_round(
        lead,
        draft,
        kind="early_review",
        title="Early review",
        deadline=deadline,
        groups=["citizens", "academics"],
    )
    alice = hub.member("alice", coordinator=coord, groups=("citizens",), named=True)
    bob = hub.member("bob", coordinator=coord, groups=("academics",))
    hta = hub.member("hta", coordinator=coord, groups=("hta",))  # not in the round's groups
    validator = hub.member(
        "val", coordinator=coord, roles=("validator",), groups=("citizens",)
    )  # not an early reviewer
    view = reviews.view(alice, rid)
    assert [(s.number, s.title) for s in view.sections] == [(1, "Purpose"), (2, "Recommendations")]
    assert [p.key for p in view.sections[1].paragraphs] == ["2.1", "2.2"]
    for outsider in (hta, validator, None):
        with pytest.raises(AccessDeniedError, match="participants only"):
            reviews.view(outsider, rid)
        with pytest.raises(AccessDeniedError):
            reviews.comment(outsider, rid, paragraph="1.1", body="x")
    with pytest.raises(InvalidInputError, match="paragraph '9.9' is not in this draft"):
        reviews.comment(alice, rid, paragraph="9.9", body="x")
    c1 = reviews.comment(alice, rid, paragraph="1.2", body="Say which law applies.")
    c2 = reviews.comment(bob, rid, paragraph="2.1", body="Name the Beacon version.")
    c3 = reviews.comment(bob, rid, paragraph="", body='=HYPERLINK("http://x")')
    with pytest.raises(AccessDeniedError, match="WP leader or a stakeholder coordinator"):
        reviews.dispose(alice, c1, disposition="accepted", response="")
    reviews.dispose(lead, c1, disposition="partly_accepted", response="National law, noted.")
    reviews.dispose(coord, c2, disposition="accepted", response="")
    with pytest.raises(InvalidInputError, match="response: say why"):
        reviews.dispose(lead, c3, disposition="rejected", response=" ")
    with pytest.raises(WorkflowError, match="1 comment\\(s\\) have no disposition"):
        reviews.close(lead, rid)
    reviews.dispose(lead, c3, disposition="rejected", response="Out of scope.")
    with pytest.raises(WorkflowError, match="made when the round closes"):
        build_report(hub.portal.deps, reviews, coord, rid)
    reviews.close(lead, rid)
    with pytest.raises(WorkflowError, match="closed"):
        reviews.comment(alice, rid, paragraph="1.1", body="late")
    report = build_report(hub.portal.deps, reviews, alice, rid)
    assert [(c.paragraph, c.contributor, c.disposition) for c in report.comments] == [
        ("1.2", "Alice Person (alice institute)", "Partly accepted"),
        ("2.1", "Reviewer 2", "Accepted"),
        ("whole document", "Reviewer 2", "Rejected"),
    ]
    assert report.named == (("Alice Person", "alice institute", "FI"),)
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[0][:3] == ["kind", "paragraph", "contributor"]
    assert rows[3][4] == '\'=HYPERLINK("http://x")'  # no formula in a spreadsheet


def test_validation_verdicts_are_tallied_by_group_in_the_pdf(hub: Hub, setup) -> None:  # noqa: ANN001
    coord, lead, draft = setup
    reviews = hub.portal.reviews
    rid = reviews.open_round(
        lead,
        draft,
        kind="validation",
        title="Validation",
        deadline=int(hub.clock()) + DAY,
        groups=[],
    )
    v1 = hub.member(
        "v1", coordinator=coord, roles=("validator",), groups=("citizens", "hta"), named=True
    )
    v2 = hub.member("v2", coordinator=coord, roles=("validator",), groups=("hta",))
    v3 = hub.member("v3", coordinator=coord, roles=("validator",), groups=("industry",))
    early = hub.member("early", coordinator=coord, roles=("early_reviewer",))
    with pytest.raises(AccessDeniedError):
        reviews.give_verdict(early, rid, verdict="endorse", justification="x")
    with pytest.raises(InvalidInputError, match="verdict 'maybe' is not known"):
        reviews.give_verdict(v1, rid, verdict="maybe", justification="x")
    reviews.give_verdict(v1, rid, verdict="do_not_endorse", justification="first thought")
    reviews.give_verdict(v1, rid, verdict="endorse", justification="Clear and complete.")
    reviews.give_verdict(v2, rid, verdict="endorse_with_changes", justification="Add costs.")
    reviews.give_verdict(v3, rid, verdict="do_not_endorse", justification="Too early.")
    hub.clock.now += 2 * DAY
    with pytest.raises(WorkflowError, match="deadline of this round has passed"):
        reviews.give_verdict(v3, rid, verdict="endorse", justification="changed my mind")
    reviews.close(coord, rid)
    report = build_report(hub.portal.deps, reviews, coord, rid)
    assert dict(report.tally) == {
        "Citizens and patient organisations": {
            "endorse": 1,
            "endorse_with_changes": 0,
            "do_not_endorse": 0,
        },
        "HTA bodies": {"endorse": 1, "endorse_with_changes": 1, "do_not_endorse": 0},
        "Industry (diagnostic, pharmaceutical, ICT)": {
            "endorse": 0,
            "endorse_with_changes": 0,
            "do_not_endorse": 1,
        },
        "All validators": {"endorse": 1, "endorse_with_changes": 1, "do_not_endorse": 1},
    }
    from onemg.community.stakeholders.reminders import format_deadline

    pdf = PdfReader(io.BytesIO(report_pdf(report, {"deadline": format_deadline})))
    text = " ".join((p.extract_text() or "") for p in pdf.pages)
    text = " ".join(text.split())
    for expected in (
        "Consolidated report: Validation",
        "HTA bodies",
        "All validators",
        "Clear and complete.",
        "Add costs.",
        "V1 Person",
    ):
        assert expected in text, expected


def test_a_stakeholder_cannot_read_another_rounds_comments(hub: Hub, setup) -> None:  # noqa: ANN001
    coord, lead, draft = setup
    reviews = hub.portal.reviews
    other = hub.portal.reviews.create_draft(
        lead, title="Other", wp="WP3", filename="o.md", data=b"# X\n\nY.\n"
    )
    mine = reviews.open_round(
        lead,
        draft,
        kind="early_review",
        title="Mine",
        deadline=int(hub.clock()) + DAY,
        groups=["citizens"],
    )
    theirs = reviews.open_round(
        lead,
        other,
        kind="early_review",
        title="Theirs",
        deadline=int(hub.clock()) + DAY,
        groups=["industry"],
    )
    me = hub.member("me", coordinator=coord, groups=("citizens",))
    them = hub.member("them", coordinator=coord, groups=("industry",))
    reviews.comment(them, theirs, paragraph="1.1", body="secret remark")
    assert [r.id for r in reviews.rounds_for(me)] == [mine]
    with pytest.raises(AccessDeniedError):
        reviews.view(me, theirs)
    with pytest.raises(AccessDeniedError):
        reviews.draft(me, other)
    with pytest.raises(AccessDeniedError):
        build_report(hub.portal.deps, reviews, me, theirs)
    # A round whose comments are shared is readable by every approved stakeholder.
    shared = reviews.open_round(
        lead,
        other,
        kind="early_review",
        title="Shared",
        deadline=int(hub.clock()) + DAY,
        groups=["industry"],
        comments_shared=True,
    )
    assert reviews.view(me, shared).participant is False


def test_only_the_owner_or_a_coordinator_manages_a_draft(hub: Hub, setup) -> None:  # noqa: ANN001
    coord, lead, draft = setup
    reviews = hub.portal.reviews
    other_lead = hub.account("lead2", roles=("wp_leader",))
    member = hub.member("mm", coordinator=coord)
    with pytest.raises(AccessDeniedError, match="wp_leader or coordinator"):
        reviews.create_draft(member, title="x", wp="WP1", filename="x.md", data=b"# a\n\nb\n")
    for who in (other_lead, member):
        with pytest.raises(AccessDeniedError):
            reviews.open_round(
                who,
                draft,
                kind="early_review",
                title="x",
                deadline=int(hub.clock()) + DAY,
                groups=[],
            )
    with pytest.raises(InvalidInputError, match="upload Markdown"):
        reviews.add_version(lead, draft, filename="x.docx", data=b"PK..")
    with pytest.raises(InvalidInputError, match="work package 'Q1'"):
        reviews.create_draft(lead, title="x", wp="Q1", filename="x.md", data=b"a")
    with pytest.raises(InvalidInputError, match="deadline: choose a moment in the future"):
        reviews.open_round(
            lead, draft, kind="early_review", title="x", deadline=int(hub.clock()) - 1, groups=[]
        )
    reviews.add_version(
        coord, draft, filename="v2.md", data=DRAFT.replace(b"Use passports", b"Use GA4GH passports")
    )
    lines = reviews.diff(lead, draft, 1, 2)
    assert [(d.kind, d.text) for d in lines if d.kind in ("add", "del")] == [
        ("del", "Use passports and visas for access."),
        ("add", "Use GA4GH passports and visas for access."),
    ]
    with pytest.raises(InvalidInputError, match="versions 1 and 5"):
        reviews.diff(lead, draft, 1, 5)


def test_deadlines_are_read_in_the_given_zone() -> None:
    # 12:00 in Brussels in winter is 11:00 UTC; in summer 10:00 UTC.
    assert parse_deadline("2027-01-20T12:00") == calendar.timegm((2027, 1, 20, 11, 0, 0))
    assert parse_deadline("2027-07-20T12:00") == calendar.timegm((2027, 7, 20, 10, 0, 0))
    assert parse_deadline("2027-07-20T12:00", "UTC") == calendar.timegm((2027, 7, 20, 12, 0, 0))
    with pytest.raises(InvalidInputError, match="like 2026-12-20T12:00"):
        parse_deadline("tomorrow")
    with pytest.raises(InvalidInputError, match="time zone 'Mars/Base'"):
        parse_deadline("2027-07-20T12:00", "Mars/Base")


def test_reminders_go_once_to_participants_who_have_not_contributed(hub: Hub, setup) -> None:  # noqa: ANN001
    coord, lead, draft = setup
    reviews = hub.portal.reviews
    rid = reviews.open_round(
        lead,
        draft,
        kind="early_review",
        title="Soon",
        deadline=int(hub.clock()) + 5 * DAY,
        groups=[],
    )
    quiet = hub.member("quiet", coordinator=coord)
    busy = hub.member("busy", coordinator=coord)
    reviews.comment(busy, rid, paragraph="", body="done")
    before = len(hub.smtp.messages)
    assert send_reminders(hub.portal.deps, reviews, link="http://hub/") == []  # not yet due
    hub.clock.now += 4 * DAY
    done = send_reminders(hub.portal.deps, reviews, link="http://hub/")
    assert [(d.round_id, d.sent, d.failed) for d in done] == [(rid, 1, 0)]
    assert send_reminders(hub.portal.deps, reviews, link="http://hub/") == []  # only once
    reminder = hub.smtp.wait_for(before + 1)[-1]
    assert reminder["To"] == "quiet@example.org"
    body = text_of(reminder)
    assert "http://hub/stakeholders/rounds/" in body
    assert "UTC" in body
    assert quiet.sub != busy.sub


def test_documents_follow_their_access_level_and_count_downloads(hub: Hub, setup) -> None:  # noqa: ANN001
    coord, lead, draft = setup
    lib = hub.portal.library
    rid = hub.portal.reviews.open_round(
        lead,
        draft,
        kind="early_review",
        title="R",
        deadline=int(hub.clock()) + DAY,
        groups=["citizens"],
    )
    ids = {
        access: lib.upload(
            coord,
            title=f"{access} doc",
            description="",
            access=access,
            round_id=rid if access == "round" else None,
            filename=f"{access}.txt",
            data=access.encode(),
        )
        for access in ("public", "stakeholders", "round", "wp")
    }
    inside = hub.member("in", coordinator=coord, groups=("citizens",))
    outside = hub.member("out", coordinator=coord, groups=("industry",))
    seen = lambda who: sorted(d.access for d in lib.documents(who))  # noqa: E731
    assert seen(None) == ["public"]
    assert seen(outside) == ["public", "stakeholders"]
    assert seen(inside) == ["public", "round", "stakeholders"]
    assert seen(lead) == ["public", "round", "stakeholders", "wp"]  # owns the round
    assert seen(coord) == ["public", "round", "stakeholders", "wp"]
    with pytest.raises(AccessDeniedError, match="work package members only"):
        lib.download(inside, ids["wp"])
    with pytest.raises(AccessDeniedError):
        lib.download(outside, ids["round"])
    assert lib.download(lead, ids["wp"]).data == b"wp"
    assert lib.add_version(lead, ids["wp"], filename="wp-v2.txt", data=b"wp two") == 2
    assert lib.download(lead, ids["wp"]).data == b"wp two"
    assert lib.download(lead, ids["wp"], 1).data == b"wp"
    doc = next(d for d in lib.documents(lead) if d.id == ids["wp"])
    assert [(v.number, v.downloads) for v in doc.versions] == [(1, 2), (2, 1)]
    with pytest.raises(AccessDeniedError):
        lib.upload(
            inside,
            title="x",
            description="",
            access="public",
            round_id=None,
            filename="x.txt",
            data=b"x",
        )
    with pytest.raises(InvalidInputError, match="access level 'secret'"):
        lib.upload(
            coord,
            title="x",
            description="",
            access="secret",
            round_id=None,
            filename="x.txt",
            data=b"x",
        )

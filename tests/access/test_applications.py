"""The event-sourced DAC workflow on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from onemg.access.applications import Actor, ApplicationForm, ApplicationService, fold
from onemg.access.audit import HashChainAudit, verify_store
from onemg.access.duo import DS, DataUse, ResearchPurpose, Term, Verdict
from onemg.access.entitlements import entitlement_check
from onemg.access.store import AuditStore, EntitlementStore, EventStore
from onemg.errors import AccessDeniedError, NotFoundError, WorkflowError
from onemg.settings import AccessSettings
from tests.access.conftest import DATASETS, Clock

DAY = 86_400
ALICE = Actor("alice-sub")
MALLORY = Actor("mallory-sub")
HANDLER = Actor("handler-sub", frozenset({"handler"}))
REVIEWER = Actor("reviewer-sub", frozenset({"reviewer"}))
DECIDER = Actor("decider-sub", frozenset({"decider"}))
AUTHORITY = Actor("authority-sub", frozenset({"authority"}))

FORM = ApplicationForm(
    title="CF modifiers", summary="Modifier genes of cystic fibrosis", institution="Uni Helsinki",
    purpose=ResearchPurpose(terms=(DS,), disease="E84.0"), duration_days=30, terms_accepted=True,
)


def service(engine: Engine, clock: Clock, *, veto_days: int = 14) -> ApplicationService:
    return ApplicationService(
        events=EventStore(engine), entitlements=EntitlementStore(engine),
        audit=HashChainAudit(AuditStore(engine), clock=clock),
        access=AccessSettings(veto_window_days=veto_days), clock=clock,
        known_datasets=lambda: DATASETS,
        data_use=lambda ds: DataUse((Term(DS, ("ICD10:E84",)),)) if ds == "synth-fi-1" else None,
    )


def test_full_workflow_with_veto_window(any_engine: Engine, clock: Clock) -> None:
    svc = service(any_engine, clock)
    active = entitlement_check(EntitlementStore(any_engine))
    app = svc.create(ALICE, ["synth-fi-1", "synth-fi-2"], ApplicationForm(title="draft"))
    assert app.state == "draft"
    with pytest.raises(WorkflowError, match="incomplete: fill in summary"):
        svc.submit(app.id, ALICE)
    svc.save_draft(app.id, ALICE, FORM)
    assert svc.submit(app.id, ALICE).state == "submitted"
    svc.request_review(app.id, HANDLER, REVIEWER.subject)
    svc.review(app.id, REVIEWER, "methods look sound")
    assert svc.return_(app.id, HANDLER, "add the ethics approval").state == "returned"
    assert svc.submit(app.id, ALICE).state == "submitted"
    advice = svc.duo_advice(app.id, DECIDER)
    assert advice["synth-fi-1"].verdict is Verdict.MATCH
    assert advice["synth-fi-2"].verdict is Verdict.REVIEW
    approved = svc.approve(app.id, DECIDER, "ok")
    now = int(clock())
    assert approved.state == "approved"
    assert approved.entitlement_start == now + 14 * DAY
    assert approved.entitlement_end == now + 14 * DAY + 30 * DAY
    assert approved.in_veto_window(now)
    assert not active("alice-sub", "synth-fi-1", now)  # not before the window ends
    clock.advance(15 * DAY)
    assert active("alice-sub", "synth-fi-1", int(clock()))
    assert active("alice-sub", "synth-fi-2", int(clock()))
    with pytest.raises(WorkflowError, match="veto window .* has closed"):
        svc.veto(app.id, AUTHORITY)
    clock.advance(30 * DAY)
    assert svc.get(app.id, ALICE).state == "expired"
    assert not active("alice-sub", "synth-fi-1", int(clock()))
    kinds = [e.kind for e in svc.get(app.id, HANDLER).events]
    assert kinds == ["created", "draft-saved", "submitted", "review-requested", "reviewed",
                     "returned", "submitted", "approved"]
    assert [c.text for c in svc.get(app.id, ALICE).comments] == [
        "methods look sound", "add the ethics approval", "ok"]
    report = verify_store(AuditStore(any_engine))
    assert report.ok
    assert report.entries >= 10


def test_veto_during_window_cancels_entitlement(any_engine: Engine, clock: Clock) -> None:
    svc = service(any_engine, clock)
    app = svc.create(ALICE, ["synth-fi-1"], FORM)
    svc.submit(app.id, ALICE)
    svc.approve(app.id, DECIDER)
    clock.advance(3 * DAY)
    assert svc.veto(app.id, AUTHORITY, "national security review").state == "vetoed"
    clock.advance(20 * DAY)
    active = entitlement_check(EntitlementStore(any_engine))
    assert not active("alice-sub", "synth-fi-1", int(clock()))
    (ent,) = EntitlementStore(any_engine).find(application_id=app.id)
    assert ent.revoked_reason == "vetoed"


def test_revoke_takes_effect_immediately(any_engine: Engine, clock: Clock) -> None:
    svc = service(any_engine, clock, veto_days=0)
    app = svc.create(ALICE, ["synth-fi-1"], FORM)
    svc.submit(app.id, ALICE)
    svc.approve(app.id, DECIDER)
    active = entitlement_check(EntitlementStore(any_engine))
    assert active("alice-sub", "synth-fi-1", int(clock()))
    assert svc.revoke(app.id, HANDLER, "misuse").state == "revoked"
    assert not active("alice-sub", "synth-fi-1", int(clock()))
    with pytest.raises(WorkflowError, match="is revoked"):
        svc.approve(app.id, DECIDER)


def test_roles_are_enforced_and_audited(any_engine: Engine, clock: Clock) -> None:
    svc = service(any_engine, clock)
    app = svc.create(ALICE, ["synth-fi-1"], FORM)
    svc.submit(app.id, ALICE)
    with pytest.raises(AccessDeniedError, match="approved needs one of the roles"):
        svc.approve(app.id, ALICE)
    with pytest.raises(AccessDeniedError, match="roles"):
        svc.reject(app.id, REVIEWER)
    with pytest.raises(AccessDeniedError, match="not yours"):
        svc.get(app.id, MALLORY)
    assert svc.list(MALLORY) == []
    assert [a.id for a in svc.list(HANDLER, state="submitted")] == [app.id]
    assert svc.reject(app.id, DECIDER, "out of scope").state == "rejected"
    with pytest.raises(WorkflowError, match="is rejected"):
        svc.submit(app.id, ALICE)
    entries = list(AuditStore(any_engine).entries())
    denied = [(e.user, e.action) for e in entries if e.result == "denied"]
    assert ("alice-sub", "application.approved") in denied
    assert ("reviewer-sub", "application.rejected") in denied
    assert all(e.resource == f"application:{app.id}" for e in entries)


def test_unknown_dataset_and_application(any_engine: Engine, clock: Clock) -> None:
    svc = service(any_engine, clock)
    with pytest.raises(NotFoundError, match="not held by this node"):
        svc.create(ALICE, ["synth-xx"])
    with pytest.raises(NotFoundError, match="no application"):
        svc.get("app-missing", HANDLER)


def test_fold_is_pure(sqlite_engine: Engine, clock: Clock) -> None:
    svc = service(sqlite_engine, clock)
    app = svc.create(ALICE, ["synth-fi-1"], FORM)
    events = EventStore(sqlite_engine).events(app.id)
    assert fold(events, now=int(clock())).form == FORM


# Separation of duties (issue 11 §3): a committee member applying for data.
INSIDER = Actor("insider-sub", frozenset({"handler", "reviewer", "decider", "authority"}))


@pytest.mark.parametrize(
    ("command", "state"),
    [("approve", "submitted"), ("reject", "submitted"), ("return_", "submitted"),
     ("review", "submitted"), ("remark", "submitted"), ("veto", "approved"),
     ("revoke", "approved")])
def test_nobody_acts_for_the_committee_on_their_own_application(
        any_engine: Engine, clock: Clock, command: str, state: str) -> None:
    svc = service(any_engine, clock)
    app = svc.create(INSIDER, ["synth-fi-1"], FORM)
    svc.submit(app.id, INSIDER)
    if state == "approved":
        svc.approve(app.id, DECIDER)
    with pytest.raises(AccessDeniedError, match="conflict of interest: insider-sub is the "
                                                "applicant"):
        getattr(svc, command)(app.id, INSIDER, "looks fine to me")
    assert svc.get(app.id, HANDLER).state == state
    # No entitlement came from the refused self-approval; the refusal is audited.
    if command == "approve":
        assert EntitlementStore(any_engine).find(application_id=app.id) == []
    denied = [e for e in AuditStore(any_engine).entries() if e.result == "denied"]
    assert denied[-1].user == "insider-sub"
    assert "conflict of interest" in denied[-1].reason
    # The applicant may still edit/submit/withdraw: withdrawing is not a committee action.
    if state == "submitted":
        assert svc.close(app.id, INSIDER, "withdrawn").state == "closed"


def test_review_is_never_requested_from_the_applicant(any_engine: Engine, clock: Clock) -> None:
    svc = service(any_engine, clock)
    app = svc.create(INSIDER, ["synth-fi-1"], FORM)
    svc.submit(app.id, INSIDER)
    with pytest.raises(AccessDeniedError, match="applicant cannot review"):
        svc.request_review(app.id, HANDLER, INSIDER.subject)
    with pytest.raises(AccessDeniedError, match="conflict of interest"):
        svc.request_review(app.id, INSIDER, REVIEWER.subject)
    assert svc.request_review(app.id, HANDLER, REVIEWER.subject).reviewers == (
        REVIEWER.subject,)
    # Another committee member decides, as usual.
    assert svc.approve(app.id, DECIDER).state == "approved"

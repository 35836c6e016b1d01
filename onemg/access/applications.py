"""Data access applications: an event-sourced DAC workflow (REMS-style).

An application's state is the fold of its events; nothing else is stored about it. States:
``draft → submitted → (returned → submitted) → approved | rejected | closed`` and
``approved → revoked | vetoed | expired``. Roles: the *applicant* (who created it), and the node
roles *handler* (steers: return, request review, close, revoke), *reviewer* (comments),
*decider* (approves or rejects) and *authority* (national veto during the veto window).

Approval creates one entitlement per dataset starting ``veto_window_days`` after the approval
and lasting the requested duration; a veto inside the window cancels them.

Separation of duties (:func:`conflict_of_interest`): whatever roles they hold, nobody acts for
the committee on an application of their own (no review, remark, return, review request,
decision, veto or revocation: the applicant may only edit, submit and withdraw it), and a
review may not be requested from the applicant.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from onemg.access.duo import Advice, DataUse, ResearchPurpose, Verdict, match
from onemg.access.store import EntitlementStore, EventStore, StoredEvent
from onemg.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    WorkflowError,
)
from onemg.security import AuditSink
from onemg.settings import AccessSettings

ROLES = ("handler", "reviewer", "decider", "authority")
DAY_S = 86_400


@dataclass(frozen=True)
class Actor:
    """Who performs a command: a pseudonymous subject and the node roles it holds."""

    subject: str
    roles: frozenset[str] = frozenset()
    origin: str | None = None


@dataclass(frozen=True)
class ApplicationForm:
    """The application form."""

    title: str = ""
    summary: str = ""
    institution: str = ""
    purpose: ResearchPurpose = field(default_factory=ResearchPurpose)
    duration_days: int = 365
    terms_accepted: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the event log)."""
        data = asdict(self)
        data["purpose"]["terms"] = list(self.purpose.terms)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApplicationForm:
        """Inverse of :meth:`to_dict`."""
        purpose = dict(data.get("purpose") or {})
        purpose["terms"] = tuple(purpose.get("terms", ()))
        return cls(**{**data, "purpose": ResearchPurpose(**purpose)})

    def missing(self) -> list[str]:
        """Fields that must be filled before submission."""
        gaps = [n for n in ("title", "summary", "institution") if not getattr(self, n).strip()]
        if not self.purpose.terms:
            gaps.append("purpose.terms")
        if self.duration_days <= 0:
            gaps.append("duration_days")
        if not self.terms_accepted:
            gaps.append("terms_accepted")
        return gaps


@dataclass(frozen=True)
class Comment:
    """A remark or review."""

    at: int
    author: str
    kind: str
    text: str


@dataclass(frozen=True)
class Application:
    """The state of one application, folded from its events."""

    id: str
    applicant: str
    datasets: tuple[str, ...]
    form: ApplicationForm
    state: str
    created_at: int
    updated_at: int
    submitted_at: int | None = None
    decided_at: int | None = None
    entitlement_start: int | None = None
    entitlement_end: int | None = None
    reviewers: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    events: tuple[StoredEvent, ...] = ()

    def in_veto_window(self, now: int) -> bool:
        """True while a national authority can still veto the approval."""
        start = self.entitlement_start
        return self.state == "approved" and start is not None and now < start


# kind -> (states it may happen in, who may do it, resulting state or None to keep it)
_RULES: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "draft-saved": (frozenset({"draft", "returned"}), frozenset({"applicant"}), None),
    "submitted": (frozenset({"draft", "returned"}), frozenset({"applicant"}), "submitted"),
    "review-requested": (frozenset({"submitted"}), frozenset({"handler"}), None),
    "reviewed": (frozenset({"submitted", "returned"}), frozenset({"reviewer"}), None),
    "remarked": (frozenset({"submitted", "returned", "approved", "rejected", "closed",
                            "revoked", "vetoed", "expired"}),
                 frozenset({"handler", "decider", "reviewer", "authority"}), None),
    "returned": (frozenset({"submitted"}), frozenset({"handler"}), "returned"),
    "approved": (frozenset({"submitted"}), frozenset({"decider"}), "approved"),
    "rejected": (frozenset({"submitted"}), frozenset({"decider"}), "rejected"),
    "closed": (frozenset({"draft", "submitted", "returned"}),
               frozenset({"handler", "applicant"}), "closed"),
    "vetoed": (frozenset({"approved"}), frozenset({"authority"}), "vetoed"),
    "revoked": (frozenset({"approved"}), frozenset({"handler"}), "revoked"),
}


#: Events only the committee may cause: the applicant may never cause them on their own
#: application, whatever node roles they hold.
COMMITTEE_EVENTS: frozenset[str] = frozenset(
    kind for kind, (_, roles, _) in _RULES.items() if "applicant" not in roles)


def conflict_of_interest(app: Application, actor: Actor, kind: str,
                         data: dict[str, Any]) -> str | None:
    """Why ``actor`` may not cause ``kind`` on ``app`` because of who they are, or ``None``.

    The rules (issue 11 §3): the applicant takes no committee action on their own application
    (review, remark, return, request a review, approve, reject, veto, revoke), and nobody may
    ask the applicant to review it.
    """
    if kind in COMMITTEE_EVENTS and actor.subject == app.applicant:
        return (f"conflict of interest: {actor.subject} is the applicant of {app.id}; "
                "another committee member must do this")
    if kind == "review-requested" and data.get("reviewer") == app.applicant:
        return (f"conflict of interest: the applicant cannot review {app.id}; request the "
                "review from another reviewer")
    return None


def refusal(
    app: Application, actor: Actor, kind: str, data: dict[str, Any] | None = None
) -> tuple[Exception, str] | None:
    """Why ``actor`` may not cause ``kind`` on ``app`` now (the error and the audit reason).

    ``None`` when the event is allowed. The one place the role, separation-of-duty and state
    rules are checked: commands call it, and pages call it to offer only legal actions.
    """
    states, roles, _ = _RULES[kind]
    held = set(actor.roles) | ({"applicant"} if actor.subject == app.applicant else set())
    if not held & roles:
        return (AccessDeniedError(
            f"{kind.replace('-', ' ')} needs one of the roles {sorted(roles)} on {app.id}"),
            f"needs role {sorted(roles)}")
    conflict = conflict_of_interest(app, actor, kind, data or {})
    if conflict is not None:
        return AccessDeniedError(conflict), conflict
    if app.state not in states:
        return (WorkflowError(
            f"application {app.id} is {app.state}; {kind.replace('-', ' ')} is allowed "
            f"only when it is {' or '.join(sorted(states))}"), f"state {app.state}")
    return None


def legal_events(app: Application, actor: Actor) -> list[str]:
    """The event kinds ``actor`` may cause on ``app`` now (for pages offering actions)."""
    return [kind for kind in _RULES if refusal(app, actor, kind) is None]


def fold(events: Sequence[StoredEvent], *, now: int) -> Application:
    """Rebuild an application from its events (``now`` decides whether it has expired)."""
    if not events or events[0].kind != "created":
        raise NotFoundError("application has no creation event")
    first = events[0]
    app = Application(
        id=first.application_id, applicant=first.actor,
        datasets=tuple(first.data["datasets"]),
        form=ApplicationForm.from_dict(first.data.get("form", {})),
        state="draft", created_at=first.at, updated_at=first.at,
    )
    for ev in events[1:]:
        app = _apply(app, ev)
    app = replace(app, events=tuple(events))
    if app.state == "approved" and app.entitlement_end is not None and now >= app.entitlement_end:
        app = replace(app, state="expired")
    return app


def _apply(app: Application, ev: StoredEvent) -> Application:
    new_state = _RULES[ev.kind][2] if ev.kind in _RULES else None
    app = replace(app, updated_at=ev.at, state=new_state or app.state)
    text = ev.data.get("comment", "")
    if text:
        app = replace(app, comments=app.comments + (Comment(ev.at, ev.actor, ev.kind, text),))
    if ev.kind == "draft-saved":
        app = replace(app, form=ApplicationForm.from_dict(ev.data["form"]))
    elif ev.kind == "submitted":
        app = replace(app, submitted_at=ev.at)
    elif ev.kind == "review-requested":
        app = replace(app, reviewers=app.reviewers + (ev.data["reviewer"],))
    elif ev.kind in ("approved", "rejected"):
        app = replace(app, decided_at=ev.at, entitlement_start=ev.data.get("start"),
                      entitlement_end=ev.data.get("end"))
    return app


class ApplicationService:
    """Commands and queries of the DAC workflow; every event and refusal is audited.

    Args:
        events: the event store; ``entitlements``: where approvals create entitlements.
        audit: the audit sink; ``access``: veto window.
        clock: epoch seconds (injected so tests move time without sleeping).
        known_datasets: ids of the datasets on this node (applications name only those).
        data_use: a dataset's DUO conditions, for :meth:`duo_advice`.
    """

    def __init__(
        self,
        *,
        events: EventStore,
        entitlements: EntitlementStore,
        audit: AuditSink,
        access: AccessSettings,
        clock: Callable[[], float] = time.time,
        known_datasets: Callable[[], Iterable[str]] | None = None,
        data_use: Callable[[str], DataUse | None] | None = None,
    ) -> None:
        self._events = events
        self._entitlements = entitlements
        self._audit = audit
        self._access = access
        self._clock = clock
        self._known = known_datasets
        self._data_use = data_use

    def _now(self) -> int:
        return int(self._clock())

    def create(self, actor: Actor, datasets: Sequence[str],
               form: ApplicationForm | None = None) -> Application:
        """Start a draft application for ``datasets`` (all on this node)."""
        wanted = tuple(dict.fromkeys(datasets))
        if not wanted:
            raise InvalidInputError("an application must name at least one dataset id")
        if self._known is not None:
            unknown = sorted(set(wanted) - set(self._known()))
            if unknown:
                raise NotFoundError(f"dataset(s) {unknown} are not held by this node")
        app_id = f"app-{secrets.token_hex(6)}"
        data = {"datasets": list(wanted), "form": (form or ApplicationForm()).to_dict()}
        self._events.append(StoredEvent(app_id, 1, self._now(), actor.subject, "created", data))
        self._audit_event(actor, app_id, "created", "ok", ",".join(wanted))
        return self.get(app_id, actor)

    def get(self, app_id: str, actor: Actor) -> Application:
        """The application, if ``actor`` is its applicant or holds a DAC role."""
        app = self._load(app_id)
        if actor.subject != app.applicant and not (actor.roles & set(ROLES)):
            raise AccessDeniedError(f"application {app_id} is not yours to see")
        return app

    def list(self, actor: Actor, *, state: str | None = None) -> list[Application]:
        """Applications visible to ``actor`` (all of them for DAC members), oldest first."""
        apps = [self._load(i) for i in self._events.application_ids()]
        if not actor.roles & set(ROLES):
            apps = [a for a in apps if a.applicant == actor.subject]
        return [a for a in apps if state is None or a.state == state]

    def save_draft(self, app_id: str, actor: Actor, form: ApplicationForm) -> Application:
        """Replace the form of a draft or returned application."""
        return self._command(app_id, actor, "draft-saved", {"form": form.to_dict()})

    def submit(self, app_id: str, actor: Actor) -> Application:
        """Submit (or resubmit) the application to the committee."""
        gaps = self._load(app_id).form.missing()
        if gaps:
            self._audit_event(actor, app_id, "submitted", "denied", f"incomplete: {gaps}")
            raise WorkflowError(f"application {app_id} is incomplete: fill in {', '.join(gaps)}")
        return self._command(app_id, actor, "submitted", {})

    def request_review(self, app_id: str, actor: Actor, reviewer: str) -> Application:
        """Ask ``reviewer`` for a review."""
        return self._command(app_id, actor, "review-requested", {"reviewer": reviewer})

    def review(self, app_id: str, actor: Actor, comment: str) -> Application:
        """A reviewer's comment."""
        return self._command(app_id, actor, "reviewed", {"comment": comment})

    def remark(self, app_id: str, actor: Actor, comment: str) -> Application:
        """A committee member's remark."""
        return self._command(app_id, actor, "remarked", {"comment": comment})

    def return_(self, app_id: str, actor: Actor, comment: str = "") -> Application:
        """Send the application back to the applicant for changes."""
        return self._command(app_id, actor, "returned", {"comment": comment})

    def approve(self, app_id: str, actor: Actor, comment: str = "") -> Application:
        """Approve: entitlements start after the veto window and last the requested duration."""
        app = self._load(app_id)
        now = self._now()
        start = now + self._access.veto_window_days * DAY_S
        end = start + app.form.duration_days * DAY_S
        approved = self._command(app_id, actor, "approved",
                                 {"comment": comment, "start": start, "end": end})
        for dataset_id in app.datasets:
            self._entitlements.add(application_id=app_id, subject=app.applicant,
                                   dataset_id=dataset_id, start=start, end=end)
        return approved

    def reject(self, app_id: str, actor: Actor, comment: str = "") -> Application:
        """Reject the application."""
        return self._command(app_id, actor, "rejected", {"comment": comment})

    def close(self, app_id: str, actor: Actor, comment: str = "") -> Application:
        """Close without a decision (withdrawn or abandoned)."""
        return self._command(app_id, actor, "closed", {"comment": comment})

    def veto(self, app_id: str, actor: Actor, comment: str = "") -> Application:
        """National-authority veto during the veto window; cancels the entitlements."""
        app = self._load(app_id)
        if app.state == "approved" and not app.in_veto_window(self._now()):
            self._audit_event(actor, app_id, "vetoed", "denied", "veto window closed")
            raise WorkflowError(f"the veto window of application {app_id} has closed")
        vetoed = self._command(app_id, actor, "vetoed", {"comment": comment})
        self._entitlements.revoke_application(app_id, at=self._now(), reason="vetoed")
        return vetoed

    def revoke(self, app_id: str, actor: Actor, comment: str = "") -> Application:
        """Withdraw an approved application's access; effective on the next request."""
        revoked = self._command(app_id, actor, "revoked", {"comment": comment})
        self._entitlements.revoke_application(app_id, at=self._now(), reason="revoked")
        return revoked

    def duo_advice(self, app_id: str, actor: Actor) -> dict[str, Advice]:
        """The DUO matcher's advice for each dataset of the application (never a decision)."""
        app = self.get(app_id, actor)
        advice = {}
        for dataset_id in app.datasets:
            conditions = self._data_use(dataset_id) if self._data_use else None
            if conditions is None:
                advice[dataset_id] = Advice(Verdict.REVIEW, ("the dataset has no DUO terms",))
            else:
                advice[dataset_id] = match(conditions, app.form.purpose)
        return advice

    def _load(self, app_id: str) -> Application:
        events = self._events.events(app_id)
        if not events:
            raise NotFoundError(f"no application {app_id!r}; list them with GET applications")
        return fold(events, now=self._now())

    def _command(self, app_id: str, actor: Actor, kind: str, data: dict[str, Any]) -> Application:
        app = self._load(app_id)
        refused = refusal(app, actor, kind, data)
        if refused is not None:
            error, reason = refused
            self._audit_event(actor, app_id, kind, "denied", reason)
            raise error
        seq = len(app.events) + 1
        try:
            self._events.append(StoredEvent(app_id, seq, self._now(), actor.subject, kind, data))
        except ConflictError:
            self._audit_event(actor, app_id, kind, "denied", "concurrent change")
            raise
        self._audit_event(actor, app_id, kind, "ok", "")
        return self._load(app_id)

    def _audit_event(self, actor: Actor, app_id: str, kind: str, result: str,
                     reason: str) -> None:
        self._audit.record(user=actor.subject, action=f"application.{kind}",
                           resource=f"application:{app_id}", result=result, reason=reason,
                           origin=actor.origin)

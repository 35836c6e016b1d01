"""Pydantic request bodies and JSON views of the access REST API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from onemg.access.applications import Application, ApplicationForm
from onemg.access.duo import Advice, ResearchPurpose
from onemg.access.store import EntitlementRecord
from onemg.times import iso_utc


class PurposeBody(BaseModel):
    """Research purpose: DUO terms, ICD-10 disease, commercial flag, methods, ancestry."""

    model_config = ConfigDict(extra="forbid")

    terms: list[str] = Field(default_factory=lambda: ["DUO:0000006"], max_length=20)
    disease: str | None = Field(default=None, max_length=20, description="ICD-10, e.g. E84.0")
    commercial: bool = False
    non_profit_organisation: bool = True
    methods_development: bool = False
    ancestry: bool = False
    genetic: bool = True
    clinical_care: bool = False
    country: str | None = Field(default=None, max_length=2)
    duration_months: int | None = Field(default=None, ge=1, le=1200)
    publication_date: str | None = Field(default=None, max_length=10)


class FormBody(BaseModel):
    """The application form."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(default="", max_length=300)
    summary: str = Field(default="", max_length=10_000)
    institution: str = Field(default="", max_length=300)
    purpose: PurposeBody = Field(default_factory=PurposeBody)
    duration_days: int = Field(default=365, ge=1, le=3650)
    terms_accepted: bool = False

    def to_form(self) -> ApplicationForm:
        """The service-level form."""
        data = self.model_dump()
        purpose = ResearchPurpose(**{**data.pop("purpose"), "terms": tuple(self.purpose.terms)})
        return ApplicationForm(**data, purpose=purpose)


class CreateBody(BaseModel):
    """Start an application for datasets on this node."""

    model_config = ConfigDict(extra="forbid")

    datasets: list[str] = Field(min_length=1, max_length=50)
    form: FormBody | None = None


class CommentBody(BaseModel):
    """A comment accompanying a command."""

    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=10_000)


class ReviewRequestBody(BaseModel):
    """Ask a reviewer (by subject) for a review."""

    model_config = ConfigDict(extra="forbid")

    reviewer: str = Field(min_length=1, max_length=128)


def application_view(app: Application, *, now: int) -> dict[str, Any]:
    """JSON view of an application (times in ISO 8601 UTC)."""
    return {
        "id": app.id, "applicant": app.applicant, "datasets": list(app.datasets),
        "state": app.state, "form": app.form.to_dict(), "createdAt": iso_utc(app.created_at),
        "updatedAt": iso_utc(app.updated_at), "submittedAt": iso_utc(app.submitted_at),
        "decidedAt": iso_utc(app.decided_at),
        "entitlementStart": iso_utc(app.entitlement_start),
        "entitlementEnd": iso_utc(app.entitlement_end), "inVetoWindow": app.in_veto_window(now),
        "reviewers": list(app.reviewers),
        "comments": [{**c.__dict__, "at": iso_utc(c.at)} for c in app.comments],
        "events": [{"seq": e.seq, "at": iso_utc(e.at), "actor": e.actor, "kind": e.kind}
                   for e in app.events],
    }


def advice_view(advice: Advice) -> dict[str, Any]:
    """JSON view of DUO advice."""
    return {"verdict": advice.verdict.value, "reasons": list(advice.reasons)}


def entitlement_view(ent: EntitlementRecord, *, now: int) -> dict[str, Any]:
    """JSON view of an entitlement."""
    times = {k: iso_utc(getattr(ent, k)) for k in ("start", "end", "revoked_at")}
    return {**ent.__dict__, **times, "active": ent.active(now)}

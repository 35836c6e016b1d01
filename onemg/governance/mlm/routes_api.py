"""The MLM's JSON API under ``/api/mlm`` (documented in the hub's OpenAPI)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from onemg.errors import InvalidInputError
from onemg.governance.mlm.consensus import DelphiRule
from onemg.governance.mlm.exports import to_csv
from onemg.governance.mlm.service import Actor, MlmService
from onemg.governance.mlm.wiring import api_actor, mlm

Service = Annotated[MlmService, Depends(mlm)]
Caller = Annotated[Actor, Depends(api_actor)]


class RuleBody(BaseModel):
    """The agreement rule (defaults: the published Delphi rule; see docs/mlm.md)."""

    model_config = ConfigDict(extra="forbid")
    agreement_pct: float = Field(86.0, gt=0, le=100)
    lenient_pct: float = Field(79.0, gt=0, le=100)
    tolerance: int = Field(1, ge=0, le=3)
    disagreement_distance: int = Field(3, ge=1, le=4)
    min_ratings: int = Field(2, ge=1)


class OpenBody(BaseModel):
    """Open an assessment."""

    model_config = ConfigDict(extra="forbid")
    system_id: str
    title: str = Field(min_length=1, max_length=200)
    model_version: str | None = None
    target_level: int = Field(3, ge=2, le=5)
    rule: RuleBody | None = None


class RatingBody(BaseModel):
    """One expert rating: level 1-5, or null for don't know."""

    model_config = ConfigDict(extra="forbid")
    level: int | None = Field(None, ge=1, le=5)
    comment: str = Field("", max_length=4000)
    links: list[str] = Field(default_factory=list, max_length=10)


class ConsensusBody(BaseModel):
    """The panel's agreed level of one indicator."""

    model_config = ConfigDict(extra="forbid")
    level: int = Field(ge=1, le=5)
    rationale: str = Field("", max_length=4000)


def export_response(service: MlmService, actor: Actor, aid: int, fmt: str) -> Response:
    """An assessment as CSV, JSON or PDF (a download)."""
    if fmt not in ("csv", "json", "pdf"):
        raise InvalidInputError(f"format {fmt!r}: use csv, json or pdf")
    document = service.export(actor, aid)
    name = f"mlm-assessment-{aid}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "json":
        return JSONResponse(document, headers=disposition)
    if fmt == "csv":
        return Response(to_csv(document), media_type="text/csv; charset=utf-8", headers=disposition)
    from onemg.governance.mlm.report import pdf_bytes

    return Response(
        pdf_bytes(service, actor, aid), media_type="application/pdf", headers=disposition
    )


def create_router() -> APIRouter:
    """The ``/api/mlm`` router (a new one per app)."""
    router = APIRouter(prefix="/api/mlm", tags=["maturity level model"])

    @router.get("/model")
    def model(service: Service, version: str | None = None) -> dict[str, Any]:
        """The model: domains -> subdomains -> indicators -> five levels (public)."""
        return service.model(version).as_json()

    @router.get("/model/versions")
    def versions(service: Service) -> list[dict[str, Any]]:
        """Model versions on this hub; a version in use by an assessment is frozen."""
        return [{"version": v, "inUse": used} for v, used in service.model_versions()]

    @router.get("/assessments")
    def assessments(service: Service, actor: Caller) -> list[dict[str, Any]]:
        """The assessments the caller may see, with their role."""
        return [
            {
                "id": a.id,
                "title": a.title,
                "system": a.system_id,
                "status": a.status,
                "round": a.round,
                "modelVersion": a.model_version,
                "roles": [
                    r
                    for r, on in (
                        ("coordinator", acc.coordinator),
                        ("viewer", acc.viewer),
                        ("expert", acc.expert),
                    )
                    if on
                ],
            }
            for a, acc in service.assessments(actor)
        ]

    @router.post("/assessments", status_code=201)
    def open_assessment(body: OpenBody, service: Service, actor: Caller) -> dict[str, int]:
        """Open an assessment (a coordinator of the system)."""
        rule = DelphiRule(**body.rule.model_dump()) if body.rule else None
        return {
            "id": service.open_assessment(
                actor,
                system_id=body.system_id,
                title=body.title,
                model_version=body.model_version,
                target_level=body.target_level,
                rule=rule,
            )
        }

    @router.get("/assessments/{aid}")
    def assessment(aid: int, service: Service, actor: Caller) -> dict[str, Any]:
        """A finalised assessment (or, for its coordinator, one in progress) as JSON."""
        return service.export(actor, aid)

    @router.get("/assessments/{aid}/export.{fmt}")
    def export(aid: int, fmt: str, service: Service, actor: Caller) -> Response:
        """Download the assessment as csv, json or pdf."""
        return export_response(service, actor, aid, fmt)

    @router.put("/assessments/{aid}/ratings/{indicator_id}")
    def rate(
        aid: int, indicator_id: str, body: RatingBody, service: Service, actor: Caller
    ) -> dict[str, bool]:
        """Save the caller's draft rating of one indicator (panel experts)."""
        service.save_rating(
            actor,
            aid,
            indicator_id,
            level=body.level,
            comment=body.comment,
            links=tuple(body.links),
        )
        return {"saved": True}

    @router.put("/assessments/{aid}/consensus/{indicator_id}")
    def consensus(
        aid: int, indicator_id: str, body: ConsensusBody, service: Service, actor: Caller
    ) -> dict[str, bool]:
        """Record the consensus level of one indicator (the coordinator)."""
        service.record_consensus(
            actor, aid, indicator_id, level=body.level, rationale=body.rationale
        )
        return {"recorded": True}

    @router.get("/assessments/{aid}/benchmark")
    def benchmark(aid: int, service: Service, actor: Caller) -> dict[str, Any]:
        """This system against the systems that shared (suppressed below five systems)."""
        view, rows, n = service.benchmark(actor, aid)
        return {
            "system": view.system.id,
            "systemsShared": n,
            "indicators": [r.__dict__ for r in rows],
        }

    @router.get("/benchmark/europe")
    def europe(service: Service, actor: Caller) -> dict[str, Any]:
        """Cross-Europe view (coordinators): strong, weak, asymmetric indicators and domains."""
        ce = service.cross_europe(actor)

        def spots(items: Any) -> list[dict[str, Any]]:
            return [{**s.__dict__, "range": s.range} for s in items]

        return {
            "systems": ce.systems,
            "suppressed": ce.suppressed,
            "strong": spots(ce.strong),
            "weak": spots(ce.weak),
            "strongDomains": spots(ce.strong_domains),
            "weakDomains": spots(ce.weak_domains),
            "asymmetries": spots(ce.asymmetries),
        }

    return router

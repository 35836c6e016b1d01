"""The MLM's web pages under ``/mlm``: parse the form, call one service method, render.

GET pages are plain functions, so FastAPI runs them (SQL, charts, PDF) in its thread pool and the
hub's event loop keeps serving Beacon queries meanwhile.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape
from starlette.datastructures import UploadFile

from onemg.errors import InvalidInputError
from onemg.governance.mlm import charts
from onemg.governance.mlm.consensus import DelphiRule
from onemg.governance.mlm.results import STAGES
from onemg.governance.mlm.service import MlmService
from onemg.governance.mlm.wiring import maybe_actor, mlm, page_actor
from onemg.web.pages import check_csrf, redirect, render


def glossary_markup(text: str, glossary: tuple[tuple[str, str], ...]) -> Markup:
    """``text`` with glossary terms marked up as focusable tooltips (``<dfn title>``)."""
    out = str(escape(text))
    for term, definition in sorted(glossary, key=lambda g: -len(g[0])):
        pattern = re.compile(
            rf"(?<![\w>-])({re.escape(str(escape(term)))})(?![\w<])", re.IGNORECASE
        )
        out, n = pattern.subn(
            lambda m, d=definition: str(
                Markup('<dfn class="term" title="{}" tabindex="0">{}</dfn>').format(
                    d, Markup(m.group(1))
                )
            ),
            out,
            count=1,
        )
    return Markup(out)


def _figure(fig: dict[str, Any]) -> str:
    return json.dumps(fig, separators=(",", ":"))


def _level(value: Any) -> int | None:
    if value in (None, "", "dk"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"level {value!r}: choose 1 to 5, or don't know") from exc


def _rule(form: Any) -> DelphiRule:
    """The agreement rule from the opening form (defaults: the published Delphi rule)."""
    try:
        return DelphiRule(
            agreement_pct=float(str(form.get("agreement_pct") or 86)),
            lenient_pct=float(str(form.get("lenient_pct") or 79)),
            tolerance=int(str(form.get("tolerance") or 1)),
        )
    except ValueError as exc:
        raise InvalidInputError(f"agreement rule: {exc}") from exc


def create_router() -> APIRouter:
    """The ``/mlm`` pages (a new router per app)."""
    router = APIRouter(prefix="/mlm", include_in_schema=False)

    def ctx(service: MlmService, **values: Any) -> dict[str, Any]:
        model = values.get("model") or service.model()
        return {
            "gloss": lambda text: glossary_markup(text, model.glossary),
            "figure": _figure,
            "stages": STAGES,
            **values,
        }

    @router.get("")
    def home(request: Request) -> Response:
        actor = maybe_actor(request)
        service = mlm(request)
        if actor is None:
            return render(
                request,
                "mlm/home.html",
                ctx(service, assessments=[], systems=[], roles={}),
                title="Maturity Level Model",
            )
        roles = service.roles(actor)
        coordinated = [
            s for s in service.systems() if actor.is_admin or "coordinator" in roles.get(s.id, ())
        ]
        return render(
            request,
            "mlm/home.html",
            ctx(
                service,
                assessments=service.assessments(actor),
                systems=coordinated,
                all_systems={s.id: s for s in service.systems()},
                roles=roles,
                versions=service.model_versions(),
            ),
            title="Maturity Level Model",
        )

    @router.get("/model")
    def model_page(request: Request, version: str | None = None) -> Response:
        service = mlm(request)
        model = service.model(version)
        return render(
            request,
            "mlm/model.html",
            ctx(service, model=model, versions=service.model_versions()),
            title=f"The model, version {model.version}",
        )

    @router.post("/assessments")
    async def open_assessment(request: Request) -> Response:
        await check_csrf(request)
        form = await request.form()
        aid = mlm(request).open_assessment(
            page_actor(request),
            system_id=str(form.get("system_id", "")),
            title=str(form.get("title", "")),
            model_version=str(form.get("model_version") or "") or None,
            target_level=int(str(form.get("target_level") or 3)),
            rule=_rule(form),
        )
        return redirect(request, f"/mlm/assessments/{aid}")

    @router.get("/assessments/{aid}")
    def overview(request: Request, aid: int) -> Response:
        service = mlm(request)
        actor = page_actor(request)
        view = service.view(actor, aid)
        history = service.history(actor, aid)[:50] if view.access.coordinator else []
        return render(
            request,
            "mlm/assessment.html",
            ctx(service, model=view.model, v=view, history=history),
            title=view.record.title,
        )

    @router.post("/assessments/{aid}/invite")
    async def invite(request: Request, aid: int) -> Response:
        await check_csrf(request)
        form = await request.form()
        mlm(request).invite(page_actor(request), aid, str(form.get("username", "")).strip())
        return redirect(request, f"/mlm/assessments/{aid}")

    @router.get("/assessments/{aid}/rate")
    def rate_form(request: Request, aid: int) -> Response:
        service, actor = mlm(request), page_actor(request)
        view = service.view(actor, aid)
        if not view.access.expert:
            raise InvalidInputError("only panel experts rate; you are not on this panel")
        return render(
            request,
            "mlm/rate.html",
            ctx(service, model=view.model, v=view, evidence=service.evidence_list(actor, aid)),
            title=f"Your ratings: {view.record.title}",
        )

    @router.post("/assessments/{aid}/rate")
    async def rate(request: Request, aid: int) -> Response:
        await check_csrf(request)
        service, actor = mlm(request), page_actor(request)
        form = await request.form()
        view = service.view(actor, aid)
        drafts = {}
        for ind_id in view.rating_indicators:
            choice = form.get(f"level-{ind_id}")
            if choice not in (None, ""):
                drafts[ind_id] = (
                    _level(choice),
                    str(form.get(f"comment-{ind_id}", "")),
                    tuple(str(form.get(f"links-{ind_id}", "")).split()),
                )
        if drafts:
            service.save_ratings(actor, aid, drafts)
        for ind_id in view.rating_indicators:
            upload = form.get(f"evidence-{ind_id}")
            if isinstance(upload, UploadFile) and upload.filename:
                data = await upload.read()
                service.upload_evidence(
                    actor,
                    aid,
                    ind_id,
                    filename=upload.filename,
                    content_type=upload.content_type or "",
                    data=data,
                )
        if form.get("action") == "submit":
            service.submit(actor, aid)
            return redirect(request, f"/mlm/assessments/{aid}")
        return redirect(request, f"/mlm/assessments/{aid}/rate?saved=1")

    @router.get("/assessments/{aid}/consensus")
    def consensus_page(request: Request, aid: int) -> Response:
        service, actor = mlm(request), page_actor(request)
        view = service.view(actor, aid)
        rows = {r.indicator_id: r for r in service.panel_view(actor, aid)}
        return render(
            request,
            "mlm/consensus.html",
            ctx(service, model=view.model, v=view, rows=rows),
            title=f"Consensus: {view.record.title}",
        )

    @router.post("/assessments/{aid}/consensus/{domain_id}")
    async def record_consensus(request: Request, aid: int, domain_id: str) -> Response:
        await check_csrf(request)
        service, actor = mlm(request), page_actor(request)
        form = await request.form()
        view = service.view(actor, aid)
        levels = {}
        for ind in view.model.domain(domain_id).indicators:
            level = _level(form.get(f"level-{ind.id}"))
            if level is not None:
                levels[ind.id] = (level, str(form.get(f"rationale-{ind.id}", "")))
        if levels:
            service.record_consensus_many(actor, aid, levels)
        return redirect(request, f"/mlm/assessments/{aid}/consensus#domain-{domain_id}")

    @router.get("/assessments/{aid}/results")
    def results_page(request: Request, aid: int) -> Response:
        service = mlm(request)
        data = service.results(page_actor(request), aid)
        view = data["view"]
        series = [(view.record.title, view.levels)]
        if data["previous"] is not None:
            prev_levels = {
                d.indicator.id: d.previous for d in data["deltas"] if d.previous is not None
            }
            series.append((data["previous"].title, prev_levels))
        figs = {
            "overall": charts.radar_overall(view.model, series),
            "heatmap": charts.heatmap(view.model, series),
            "domains": [(d, charts.radar_domain(d, series)) for d in view.model.domains],
        }
        return render(
            request,
            "mlm/results.html",
            ctx(service, model=view.model, v=view, figs=figs, **data),
            title=f"Results: {view.record.title}",
        )

    @router.post("/assessments/{aid}/roadmap/{indicator_id}")
    async def roadmap(request: Request, aid: int, indicator_id: str) -> Response:
        await check_csrf(request)
        form = await request.form()
        mlm(request).set_roadmap(
            page_actor(request),
            aid,
            indicator_id,
            stage=str(form.get("stage", "")),
            owner=str(form.get("owner", "")),
            due=str(form.get("due", "")),
        )
        return redirect(request, f"/mlm/assessments/{aid}/results#gap-{indicator_id}")

    @router.get("/assessments/{aid}/export.{fmt}")
    def export(request: Request, aid: int, fmt: str) -> Response:
        from onemg.governance.mlm.routes_api import export_response

        return export_response(mlm(request), page_actor(request), aid, fmt)

    @router.get("/assessments/{aid}/benchmark")
    def benchmark_page(request: Request, aid: int) -> Response:
        service = mlm(request)
        view, rows, n = service.benchmark(page_actor(request), aid)
        medians = {r.indicator_id: r.median for r in rows if r.median is not None}
        series = [(view.system.name, view.levels)]
        if medians:
            series.append(("Median of shared systems", medians))
        figs = {"overall": charts.radar_overall(view.model, series)}
        return render(
            request,
            "mlm/benchmark.html",
            ctx(service, model=view.model, v=view, rows=rows, n=n, figs=figs),
            title=f"Benchmark: {view.system.name}",
        )

    @router.get("/benchmark")
    def europe(request: Request) -> Response:
        service, actor = mlm(request), page_actor(request)
        mine = [(a, acc) for a, acc in service.assessments(actor) if a.status == "finalised"]
        europe = service.cross_europe(actor) if service.is_coordinator(actor) else None
        return render(
            request,
            "mlm/europe.html",
            ctx(service, mine=mine, europe=europe, systems={s.id: s for s in service.systems()}),
            title="Benchmark across Europe",
        )

    @router.get("/systems/{system_id}/progress")
    def progress(request: Request, system_id: str) -> Response:
        service = mlm(request)
        rounds = service.progress(page_actor(request), system_id)
        model = service.model(rounds[-1][0].model_version) if rounds else service.model()
        return render(
            request,
            "mlm/progress.html",
            ctx(service, model=model, rounds=rounds, system=service.system(system_id)),
            title="Progress over time",
        )

    @router.get("/evidence/{evidence_id}")
    def evidence(request: Request, evidence_id: int) -> Response:
        name, content_type, data = mlm(request).evidence_file(page_actor(request), evidence_id)
        return Response(
            data,
            media_type=content_type,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox",
            },
        )

    # Last: the generic step route must not shadow /rate, /invite, /roadmap/... above.
    @router.post("/assessments/{aid}/{step}")
    async def step(request: Request, aid: int, step: str) -> Response:
        await check_csrf(request)
        service, actor = mlm(request), page_actor(request)
        form = await request.form()
        target = f"/mlm/assessments/{aid}"
        if step == "close":
            service.close_rating(actor, aid)
            target += "/consensus"
        elif step == "round2":
            service.start_round2(actor, aid)
        elif step == "finalise":
            service.finalise(actor, aid)
            target += "/results"
        elif step in ("share", "withdraw"):
            service.share(actor, aid, shared=step == "share")
            target += "/benchmark"
        elif step == "target":
            service.set_target(actor, aid, int(str(form.get("target_level") or 3)))
            target += "/results#gaps"
        else:
            raise InvalidInputError(f"unknown step {step!r}")
        return redirect(request, target)

    return router

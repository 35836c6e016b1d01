"""Portal pages of the review process: drafts and versions (with diffs), rounds, comments,
dispositions, verdicts, closing, and the consolidated report (HTML, PDF, CSV)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from onemg.community.stakeholders import forms
from onemg.community.stakeholders.reminders import format_deadline
from onemg.community.stakeholders.reports import build_report, report_csv, report_pdf
from onemg.community.stakeholders.reviews import DEFAULT_ZONE, parse_deadline
from onemg.community.stakeholders.vocab import (
    DISPOSITION_LABELS,
    DISPOSITIONS,
    GROUP_LABELS,
    GROUPS,
    ROUND_LABELS,
    VERDICT_LABELS,
    VERDICTS,
)
from onemg.community.stakeholders.wiring import portal, viewer
from onemg.web.markdown import render_markdown
from onemg.web.pages import SECURITY_HEADERS, check_csrf, redirect, render, require_user, web

_LABELS = {
    "round_labels": ROUND_LABELS,
    "group_labels": GROUP_LABELS,
    "disposition_labels": DISPOSITION_LABELS,
    "verdict_labels": VERDICT_LABELS,
    "dispositions": DISPOSITIONS,
    "verdicts": VERDICTS,
    "deadline": format_deadline,
    "markdown": render_markdown,
}


def create_router() -> APIRouter:
    """The review pages under ``/stakeholders`` (a new router per app)."""
    router = APIRouter(prefix="/stakeholders", include_in_schema=False)

    @router.get("/rounds")
    def rounds(request: Request) -> Response:
        require_user(request)
        who = viewer(request)
        return render(
            request,
            "stakeholders/rounds.html",
            {
                **_LABELS,
                "drafts": portal(request).reviews.drafts(who),
                "can_upload": bool(who and who.has("wp_leader", "coordinator")),
            },
            title="Drafts and review rounds",
        )

    @router.post("/drafts")
    async def upload_draft(request: Request) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        filename, data = await forms.upload(form)
        draft_id = portal(request).reviews.create_draft(
            viewer(request),
            title=forms.text(form, "title"),
            wp=forms.text(form, "wp"),
            filename=filename,
            data=data,
            note=forms.text(form, "note"),
        )
        return redirect(request, f"/stakeholders/drafts/{draft_id}")

    @router.get("/drafts/{draft_id}")
    def draft(request: Request, draft_id: int) -> Response:
        require_user(request)
        who = viewer(request)
        reviews = portal(request).reviews
        record, versions, visible = reviews.draft(who, draft_id)
        owner = bool(who and (who.coordinator or who.sub == record.owner))
        return render(
            request,
            "stakeholders/draft.html",
            {
                **_LABELS,
                "draft": record,
                "versions": versions,
                "rounds": visible,
                "owner": owner,
                "groups": GROUPS,
                "zone": DEFAULT_ZONE,
                "owner_name": web(request).username(record.owner),
            },
            title=record.title,
        )

    @router.post("/drafts/{draft_id}/versions")
    async def new_version(request: Request, draft_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        filename, data = await forms.upload(form)
        portal(request).reviews.add_version(
            viewer(request), draft_id, filename=filename, data=data, note=forms.text(form, "note")
        )
        return redirect(request, f"/stakeholders/drafts/{draft_id}")

    @router.get("/drafts/{draft_id}/diff")
    def diff(request: Request, draft_id: int, old: int = 1, new: int = 2) -> Response:
        require_user(request)
        lines = portal(request).reviews.diff(viewer(request), draft_id, old, new)
        return render(
            request,
            "stakeholders/diff.html",
            {"lines": lines, "old": old, "new": new, "draft_id": draft_id},
            title=f"Changes from version {old} to version {new}",
        )

    @router.post("/drafts/{draft_id}/rounds")
    async def open_round(request: Request, draft_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        round_id = portal(request).reviews.open_round(
            viewer(request),
            draft_id,
            kind=forms.text(form, "kind"),
            title=forms.text(form, "title"),
            deadline=parse_deadline(
                forms.text(form, "deadline"), forms.text(form, "zone") or DEFAULT_ZONE
            ),
            groups=[str(g) for g in form.getlist("groups")],
            comments_shared=forms.flag(form, "comments_shared"),
        )
        return redirect(request, f"/stakeholders/rounds/{round_id}")

    @router.get("/rounds/{round_id}")
    def round_page(request: Request, round_id: int, paragraph: str = "") -> Response:
        require_user(request)
        view = portal(request).reviews.view(viewer(request), round_id)
        mine = {c.id for c in view.comments if c.author == viewer(request).sub}  # type: ignore[union-attr]
        return render(
            request,
            "stakeholders/round.html",
            {
                **_LABELS,
                "view": view,
                "chosen": paragraph,
                "mine": mine,
                "by_paragraph": _by_paragraph(view.comments),
                "my_verdict": next(
                    (v for v in view.verdicts if v.author == viewer(request).sub), None
                ),  # type: ignore[union-attr]
            },
            title=view.round.title,
        )

    @router.post("/rounds/{round_id}/comments")
    async def comment(request: Request, round_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        cid = portal(request).reviews.comment(
            viewer(request),
            round_id,
            paragraph=forms.text(form, "paragraph"),
            body=forms.text(form, "body"),
        )
        return redirect(request, f"/stakeholders/rounds/{round_id}#comment-{cid}")

    @router.post("/rounds/{round_id}/dispositions")
    async def dispositions(request: Request, round_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        reviews = portal(request).reviews
        for c in reviews.view(viewer(request), round_id).comments:
            choice = forms.text(form, f"disposition-{c.id}")
            if choice:
                reviews.dispose(
                    viewer(request),
                    c.id,
                    disposition=choice,
                    response=forms.text(form, f"response-{c.id}"),
                )
        return redirect(request, f"/stakeholders/rounds/{round_id}#comments")

    @router.post("/rounds/{round_id}/verdict")
    async def verdict(request: Request, round_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        portal(request).reviews.give_verdict(
            viewer(request),
            round_id,
            verdict=forms.text(form, "verdict"),
            justification=forms.text(form, "justification"),
        )
        return redirect(request, f"/stakeholders/rounds/{round_id}#verdict")

    @router.post("/rounds/{round_id}/close")
    async def close(request: Request, round_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        portal(request).reviews.close(viewer(request), round_id)
        return redirect(request, f"/stakeholders/rounds/{round_id}/report")

    def _report(request: Request, round_id: int):  # noqa: ANN202
        require_user(request)
        service = portal(request)
        return build_report(service.deps, service.reviews, viewer(request), round_id)

    @router.get("/rounds/{round_id}/report")
    def report(request: Request, round_id: int) -> Response:
        data = _report(request, round_id)
        return render(
            request,
            "stakeholders/report.html",
            {**_LABELS, "report": data},
            title=f"Consolidated report: {data.view.round.title}",
        )

    @router.get("/rounds/{round_id}/report.pdf")
    def report_as_pdf(request: Request, round_id: int) -> Response:
        data = _report(request, round_id)
        return Response(
            report_pdf(data, _LABELS),
            media_type="application/pdf",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": f'attachment; filename="round-{round_id}-report.pdf"',
            },
        )

    @router.get("/rounds/{round_id}/report.csv")
    def report_as_csv(request: Request, round_id: int) -> Response:
        data = _report(request, round_id)
        return Response(
            report_csv(data),
            media_type="text/csv; charset=utf-8",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": f'attachment; filename="round-{round_id}-report.csv"',
            },
        )

    return router


def _by_paragraph(comments):  # noqa: ANN001, ANN202
    out: dict[str, int] = {}
    for c in comments:
        out[c.paragraph] = out.get(c.paragraph, 0) + 1
    return out

"""Portal pages of the document library and the related actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from onemg.community.stakeholders import forms
from onemg.community.stakeholders.service import StakeholderPortal
from onemg.community.stakeholders.vocab import ACCESS_LABELS, ACCESS_LEVELS
from onemg.community.stakeholders.wiring import portal, viewer
from onemg.errors import UnavailableError
from onemg.web.pages import SECURITY_HEADERS, check_csrf, redirect, render, require_user


def _workshops(service: StakeholderPortal) -> list[Any]:
    try:
        return service.workshops.upcoming()
    except UnavailableError:  # no events part on this hub: no workshop materials
        return []


def create_router() -> APIRouter:
    """The library and related-action pages under ``/stakeholders`` (a new router per app)."""
    router = APIRouter(prefix="/stakeholders", include_in_schema=False)

    @router.get("/documents")
    def documents(request: Request) -> Response:
        who = viewer(request)
        service = portal(request)
        can_upload = bool(who and who.has("coordinator", "wp_leader"))
        return render(
            request,
            "stakeholders/documents.html",
            {
                "documents": service.library.documents(who),
                "access_labels": ACCESS_LABELS,
                "access_levels": ACCESS_LEVELS,
                "can_upload": can_upload,
                "rounds": service.reviews.rounds_for(who) if can_upload else [],
                "workshops": _workshops(service) if can_upload else [],
            },
            title="Documents",
        )

    @router.post("/documents")
    async def upload(request: Request) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        filename, data = await forms.upload(form)
        portal(request).library.upload(
            viewer(request),
            title=forms.text(form, "title"),
            description=forms.text(form, "description"),
            access=forms.text(form, "access"),
            round_id=forms.optional_int(form, "round_id"),
            event_id=forms.text(form, "event_id") or None,
            filename=filename,
            data=data,
        )
        return redirect(request, "/stakeholders/documents")

    @router.post("/documents/{document_id}/versions")
    async def new_version(request: Request, document_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        filename, data = await forms.upload(form)
        portal(request).library.add_version(
            viewer(request), document_id, filename=filename, data=data
        )
        return redirect(request, "/stakeholders/documents")

    @router.get("/documents/{document_id}/download")
    def download(request: Request, document_id: int, version: int | None = None) -> Response:
        record = portal(request).library.download(viewer(request), document_id, version)
        return Response(
            record.data,
            media_type=record.content_type,
            headers={
                **SECURITY_HEADERS,
                # Always a download: an uploaded HTML or SVG file never runs in the hub's origin.
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(record.filename)}",
            },
        )

    @router.get("/actions")
    def actions(request: Request) -> Response:
        who = viewer(request)
        return render(
            request,
            "stakeholders/actions.html",
            {
                "actions": portal(request).actions.list(),
                "can_edit": bool(who and who.coordinator),
            },
            title="Related pan-European actions",
        )

    @router.post("/actions")
    async def add_action(request: Request) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        portal(request).actions.add(
            viewer(request),
            title=forms.text(form, "title"),
            url=forms.text(form, "url"),
            summary=forms.text(form, "summary"),
        )
        return redirect(request, "/stakeholders/actions")

    @router.post("/actions/{action_id}/remove")
    async def remove_action(request: Request, action_id: int) -> Response:
        await check_csrf(request)
        require_user(request)
        portal(request).actions.remove(viewer(request), action_id)
        return redirect(request, "/stakeholders/actions")

    return router

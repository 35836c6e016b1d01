"""Portal pages of workshops: coordinators invite members with matching expertise to an event;
members accept or decline; participants find the workshop's materials."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from onemg.community.stakeholders import forms
from onemg.community.stakeholders.vocab import COUNTRY_LABELS, GROUP_LABELS
from onemg.community.stakeholders.wiring import portal, viewer
from onemg.web.pages import check_csrf, redirect, render, require_user


def create_router() -> APIRouter:
    """The workshop pages under ``/stakeholders/workshops`` (a new router per app)."""
    router = APIRouter(prefix="/stakeholders/workshops", include_in_schema=False)

    @router.get("")
    def workshops(request: Request, event: str = "", expertise: str = "") -> Response:
        require_user(request)
        service = portal(request).workshops
        candidates = service.candidates(viewer(request), expertise) if event else []
        return render(
            request,
            "stakeholders/workshops.html",
            {
                "events": service.upcoming(),
                "event": event,
                "expertise": expertise,
                "candidates": candidates,
                "group_labels": GROUP_LABELS,
                "country_labels": COUNTRY_LABELS,
            },
            title="Invite experts to a workshop",
        )

    @router.post("/invite")
    async def invite(request: Request) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        event_id = forms.text(form, "event")
        service = portal(request)
        service.workshops.invite(
            viewer(request),
            event_id,
            [str(s) for s in form.getlist("subs")],
            link=service.deps.mailer().link("/"),
        )
        return redirect(request, f"/stakeholders/workshops/{event_id}")

    @router.get("/{event_id}")
    def workshop(request: Request, event_id: str) -> Response:
        user = require_user(request)
        who = viewer(request)
        service = portal(request)
        event = service.workshops.event(event_id)
        mine = [i for i, _ in service.workshops.invitations_of(user.sub) if i.event_id == event_id]
        invited = []
        if who is not None and who.coordinator:
            invited = [
                (i, service.deps.store.member(i.sub))
                for i in service.workshops.invitations(who, event_id)
            ]
        materials = [
            d
            for d in service.library.documents(who)
            if d.access == "workshop" and d.event_id == event_id
        ]
        return render(
            request,
            "stakeholders/workshop.html",
            {
                "event": event,
                "mine": mine[0] if mine else None,
                "invited": invited,
                "materials": materials,
            },
            title=f"Workshop: {event.name}",
        )

    @router.post("/{event_id}/answer")
    async def answer(request: Request, event_id: str) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        portal(request).workshops.answer(viewer(request), event_id, forms.text(form, "answer"))
        return redirect(request, f"/stakeholders/workshops/{event_id}")

    return router

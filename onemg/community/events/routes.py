"""The events pages: ``/events``, ``/events.ics``, ``/events/{id}``, registration, cancelling,
and the organiser tools. Routes parse the request, call the service, send mail, render.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from onemg.community.events import ics
from onemg.community.events.exports import attendees_csv
from onemg.community.events.notify import (
    CANCEL_MAX_AGE_S,
    CANCEL_PURPOSE,
    CONFIRM_MAX_AGE_S,
    CONFIRM_PURPOSE,
    when_text,
)
from onemg.community.events.records import WORKSHOP_AREAS, Event
from onemg.community.events.service import RegistrationRefusedError, SessionDraft
from onemg.community.events.wiring import TZ_COOKIE, events, notifier, reader_zone
from onemg.community.events.zones import CET, format_instant, zone_names
from onemg.errors import ConflictError, InvalidInputError, NotFoundError, RateLimitedError
from onemg.web.markdown import render_markdown
from onemg.web.pages import (
    SECURITY_HEADERS,
    WebUser,
    check_csrf,
    link_signer,
    mailer,
    page_user,
    redirect,
    render,
    require_site_role,
    require_user,
    web,
)


def _times(event: Event, tz: str) -> dict[str, Any]:
    """What the pages show about when: in the reader's zone, in CET, and at the event."""
    zones = list(dict.fromkeys([tz, CET]))
    labels = {CET: "Central European time", event.timezone: "local time at the event"}
    if event.precision == "time":
        zones_when = list(dict.fromkeys([*zones, event.timezone]))
        when = [
            (z, when_text(event, z), labels.get(z) if i else None) for i, z in enumerate(zones_when)
        ]
    else:
        when = [(tz, when_text(event, tz), None)]
    deadline, opens = event.registration_deadline, event.registration_opens_at
    return {
        "when": when,
        "deadline": [(z, format_instant(deadline, z)) for z in zones] if deadline else [],
        "opens": [(z, format_instant(opens, z)) for z in zones] if opens else [],
    }


def _is_coordinator(user: WebUser | None) -> bool:
    return user is not None and user.has_role("coordinator")


def _event_page(
    request: Request,
    event_id: str,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    service = events(request)
    event = service.get(event_id)
    user = page_user(request)
    tz = reader_zone(request)
    places = service.places(event.id)
    closed: str | None = None
    try:
        service.check_open(event)
    except RegistrationRefusedError as exc:
        closed = str(exc)
    mine = service.registrations_of(event.id, user.sub) if user else []
    verified = web(request).accounts.verified_email(user.sub) if user else None
    return render(
        request,
        "events/event.html",
        {
            "e": event,
            "t": _times(event, tz),
            "tz": tz,
            "zones": zone_names(),
            "places": places,
            "closed": closed,
            "mine": [(r, service.position(r)) for r in mine],
            "organiser": user is not None
            and service.may_organise(event, user.sub, is_coordinator=_is_coordinator(user)),
            "description": render_markdown(event.description),
            "outcome": render_markdown(event.outcome),
            "error": error,
            "notice": notice,
            "verified_email": verified,
            "form": form or {},
            "session_titles": {s.id: s.title for s in event.sessions},
        },
        status=status,
        title=event.name,
    )


def _new_event_page(
    request: Request, values: dict[str, str], error: str | None, *, status: int = 200
) -> Response:
    return render(
        request,
        "events/new.html",
        {
            "v": values,
            "error": error,
            "zones": zone_names(),
            "areas": WORKSHOP_AREAS,
            "default_zone": CET,
        },
        status=status,
        title="New event",
    )


def _capacity(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError(f"{field}: a whole number, or empty for no limit") from None


def _event_fields(request: Request, v: dict[str, str]) -> dict[str, Any]:
    """The service's arguments from the new-event form (one place that reads it)."""
    organiser = v.get("organiser_username", "").strip()
    sessions = [
        SessionDraft(key, title, _capacity(v.get(f"cap-{key}", ""), f"{title} places"))
        for key, title in WORKSHOP_AREAS
        if v.get(f"area-{key}")
    ]
    return {
        "id": v.get("id", "").strip(),
        "name": v.get("name", ""),
        "timezone": v.get("timezone") or CET,
        "precision": v.get("precision") or "time",
        "start": v.get("start", ""),
        "end": v.get("end") or None,
        "wp": v.get("wp", ""),
        "organiser": v.get("organiser", ""),
        "organiser_sub": web(request).sub_of(organiser) if organiser else None,
        "location": v.get("location", ""),
        "online": bool(v.get("online")),
        "description": v.get("description", ""),
        "contact_email": v.get("contact_email", ""),
        "registration": bool(v.get("registration")),
        "registration_opens": v.get("registration_opens") or None,
        "registration_deadline": v.get("registration_deadline") or None,
        "capacity": _capacity(v.get("capacity", ""), "places"),
        "waiting_list": bool(v.get("waiting_list")),
        "sessions": sessions,
    }


def create_router() -> APIRouter:
    """The events pages (a new router per app)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/events")
    def list_events(request: Request) -> Response:
        upcoming, past = events(request).upcoming_and_past()
        tz = reader_zone(request)
        return render(
            request,
            "events/list.html",
            {
                "upcoming": upcoming,
                "past": past,
                "tz": tz,
                "zones": zone_names(),
                "when": lambda e: when_text(e, tz),
            },
            title="Events",
        )

    @router.get("/events.ics")
    def feed(request: Request) -> Response:
        body = ics.feed(
            events(request).events(), base_url=mailer(request).link(""), now=datetime.now(UTC)
        )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": 'inline; filename="events.ics"',
                "Cache-Control": "max-age=300",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @router.post("/events/timezone")
    async def choose_zone(request: Request) -> Response:
        await check_csrf(request)
        form = await request.form()
        tz = str(form.get("tz", ""))
        if tz not in zone_names():
            raise InvalidInputError(f"time zone {tz!r}: choose one from the list")
        target = str(form.get("next") or "/events")
        if not target.startswith("/events") or target.startswith("//"):
            target = "/events"
        response = redirect(request, target)
        response.set_cookie(
            TZ_COOKIE,
            tz,
            max_age=365 * 86400,
            samesite="lax",
            path="/",
            httponly=True,
            secure=request.url.scheme == "https",
        )
        return response

    @router.get("/events/new")
    def new_event_form(request: Request) -> Response:
        require_site_role(request, "coordinator")
        return _new_event_page(request, {}, None)

    @router.post("/events/new")
    async def new_event(request: Request) -> Response:
        await check_csrf(request)
        user = require_site_role(request, "coordinator")
        form = await request.form()
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}

        def act() -> Response:
            try:
                event = events(request).create(**_event_fields(request, values), actor=user.sub)
            except (InvalidInputError, ConflictError, NotFoundError) as exc:
                return _new_event_page(request, values, str(exc), status=400)
            return redirect(request, f"/events/{event.id}")

        return await run_in_threadpool(act)

    @router.get("/events/{event_id}")
    def event_page(request: Request, event_id: str) -> Response:
        return _event_page(request, event_id)

    @router.post("/events/{event_id}/register")
    async def register(request: Request, event_id: str) -> Response:
        await check_csrf(request)
        form = await request.form()
        name, email = str(form.get("name", "")), str(form.get("email", "")).strip()
        session_key = str(form.get("session") or "") or None
        user = page_user(request)
        values = {"name": name, "email": email, "session": session_key or ""}

        def act() -> Response:
            service = events(request)
            verified = web(request).accounts.verified_email(user.sub) if user else None
            try:
                if verified and email.lower() == verified.lower():
                    reg = service.register(
                        event_id, email=verified, name=name, session_key=session_key, sub=user.sub
                    )
                    event = service.get(event_id)
                    sent = notifier(request).registered(event, reg, position=service.position(reg))
                    return _registered_page(request, event, reg, service.position(reg), sent)
                event, email_ok, name_ok = service.validate_request(
                    event_id, email=email, name=name, session_key=session_key
                )
                service.allow_confirmation_mail(email_ok)
                sent = notifier(request).confirm_address(
                    event,
                    email=email_ok,
                    name=name_ok,
                    session_key=session_key,
                    sub=user.sub if user else None,
                )
            except (
                RegistrationRefusedError,
                InvalidInputError,
                ConflictError,
                RateLimitedError,
            ) as exc:
                status = {InvalidInputError: 400, RateLimitedError: 429}.get(type(exc), 409)
                return _event_page(request, event_id, error=str(exc), form=values, status=status)
            return render(
                request,
                "events/message.html",
                {
                    "e": event,
                    "heading": "Check your mail" if sent else "Mail not sent",
                    "text": (
                        f"We sent a link to {email_ok}. Open it within two days to confirm "
                        "your registration; nothing is stored until then."
                    )
                    if sent
                    else "We could not send the confirmation mail; please try again later.",
                },
                title="Confirm your address",
                status=200 if sent else 503,
            )

        return await run_in_threadpool(act)

    def _registered_page(
        request: Request, event: Event, reg: Any, position: int | None, sent: bool
    ) -> Response:
        return render(
            request,
            "events/registered.html",
            {
                "e": event,
                "r": reg,
                "position": position,
                "sent": sent,
                "session_titles": {s.id: s.title for s in event.sessions},
            },
            title="Registered" if reg.status == "confirmed" else "On the waiting list",
        )

    @router.get("/events/{event_id}/confirm")
    def confirm_form(request: Request, event_id: str, token: str = "") -> Response:
        payload = link_signer(request).verify(CONFIRM_PURPOSE, token, max_age_s=CONFIRM_MAX_AGE_S)
        if payload.get("ev") != event_id:
            raise InvalidInputError("this link belongs to another event")
        event = events(request).get(event_id)
        return render(
            request,
            "events/confirm.html",
            {
                "e": event,
                "p": payload,
                "token": token,
                "session": event.session(payload.get("s") or ""),
            },
            title="Confirm your registration",
        )

    @router.post("/events/{event_id}/confirm")
    async def confirm(request: Request, event_id: str) -> Response:
        await check_csrf(request)
        form = await request.form()
        payload = link_signer(request).verify(
            CONFIRM_PURPOSE, str(form.get("token", "")), max_age_s=CONFIRM_MAX_AGE_S
        )
        if payload.get("ev") != event_id:
            raise InvalidInputError("this link belongs to another event")

        def act() -> Response:
            service = events(request)
            try:
                reg = service.register(
                    event_id,
                    email=payload["e"],
                    name=payload["n"],
                    session_key=payload.get("s"),
                    sub=payload.get("u"),
                )
            except (RegistrationRefusedError, ConflictError) as exc:
                return _event_page(request, event_id, error=str(exc), status=409)
            event = service.get(event_id)
            position = service.position(reg)
            sent = notifier(request).registered(event, reg, position=position)
            return _registered_page(request, event, reg, position, sent)

        return await run_in_threadpool(act)

    @router.get("/events/{event_id}/cancel")
    def cancel_form(request: Request, event_id: str, token: str = "") -> Response:
        payload = link_signer(request).verify(CANCEL_PURPOSE, token, max_age_s=CANCEL_MAX_AGE_S)
        reg = events(request).registration(int(payload["r"]))
        if reg.event_id != event_id:
            raise NotFoundError("no such registration at this event")
        event = events(request).get(event_id)
        return render(
            request,
            "events/cancel.html",
            {"e": event, "r": reg, "token": token},
            title="Cancel your registration",
        )

    async def _cancel(
        request: Request,
        event_id: str,
        registration_id: int,
        *,
        actor_sub: str | None,
        link_email: str | None,
    ) -> Response:
        def act() -> Response:
            service = events(request)
            current = service.registration(registration_id)
            if current.event_id != event_id:
                raise NotFoundError("no such registration at this event")
            reg, promoted = service.cancel(
                registration_id, actor_sub=actor_sub, link_email=link_email
            )
            event = service.get(event_id)
            note = notifier(request)
            if current.status != "cancelled":
                note.cancelled(event, reg)
            for p in promoted:
                note.promoted(event, p)
            return render(
                request,
                "events/message.html",
                {
                    "e": event,
                    "heading": "Registration cancelled",
                    "text": f"The registration of {reg.name} for {event.name} is cancelled.",
                },
                title="Cancelled",
            )

        return await run_in_threadpool(act)

    @router.post("/events/{event_id}/cancel")
    async def cancel_by_link(request: Request, event_id: str) -> Response:
        await check_csrf(request)
        form = await request.form()
        payload = link_signer(request).verify(
            CANCEL_PURPOSE, str(form.get("token", "")), max_age_s=CANCEL_MAX_AGE_S
        )
        return await _cancel(
            request, event_id, int(payload["r"]), actor_sub=None, link_email=str(payload["e"])
        )

    @router.post("/events/{event_id}/registrations/{registration_id}/cancel")
    async def cancel_mine(request: Request, event_id: str, registration_id: int) -> Response:
        await check_csrf(request)
        user = require_user(request)
        return await _cancel(
            request, event_id, registration_id, actor_sub=user.sub, link_email=None
        )

    # -- organiser tools -----------------------------------------------------------------------

    def _organiser(request: Request, event_id: str, action: str) -> tuple[Event, WebUser]:
        user = require_user(request)
        service = events(request)
        event = service.get(event_id)
        service.require_organiser(
            event, user.sub, is_coordinator=_is_coordinator(user), action=action
        )
        return event, user

    @router.get("/events/{event_id}/manage")
    def manage(request: Request, event_id: str, sent: int | None = None) -> Response:
        event, _ = _organiser(request, event_id, "manage")
        service = events(request)
        regs = service.registrations(event_id)
        waiting = [r for r in regs if r.status == "waiting"]
        return render(
            request,
            "events/manage.html",
            {
                "e": event,
                "confirmed": [r for r in regs if r.status == "confirmed"],
                "waiting": waiting,
                "sent": sent,
                "outcome_text": event.outcome,
                "session_titles": {s.id: s.title for s in event.sessions},
                "places": service.places(event_id),
            },
            title=f"Organise: {event.name}",
        )

    @router.get("/events/{event_id}/attendees.csv")
    def attendees(request: Request, event_id: str) -> Response:
        event, _ = _organiser(request, event_id, "attendees_csv")
        body = attendees_csv(event, events(request).registrations(event_id))
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": f'attachment; filename="{event.id}-attendees.csv"',
            },
        )

    @router.post("/events/{event_id}/message")
    async def message(request: Request, event_id: str) -> Response:
        await check_csrf(request)
        form = await request.form()
        subject = " ".join(str(form.get("subject", "")).split())
        body = str(form.get("body", ""))
        if not subject or not body.strip():
            raise InvalidInputError("message: write a subject and a text")

        def act() -> Response:
            event, _ = _organiser(request, event_id, "message")
            regs = events(request).registrations(event_id)
            to = str(form.get("to", "all"))
            if to in ("confirmed", "waiting"):
                regs = [r for r in regs if r.status == to]
            sent = notifier(request).message(event, regs, subject=subject, body=body)
            return redirect(request, f"/events/{event_id}/manage?sent={sent}")

        return await run_in_threadpool(act)

    @router.post("/events/{event_id}/outcome")
    async def outcome(request: Request, event_id: str) -> Response:
        await check_csrf(request)
        form = await request.form()

        def act() -> Response:
            _, user = _organiser(request, event_id, "outcome")
            events(request).record_outcome(event_id, str(form.get("outcome", "")), actor=user.sub)
            return redirect(request, f"/events/{event_id}")

        return await run_in_threadpool(act)

    return router

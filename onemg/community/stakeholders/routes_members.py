"""Portal pages about people: home, registration, e-mail confirmation, one's own profile
(withdrawal, account deletion), the coordinators' decisions, and the directory."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from onemg.community.stakeholders import forms
from onemg.community.stakeholders.registration import check_profile
from onemg.community.stakeholders.vocab import COUNTRIES, COUNTRY_LABELS, GROUP_LABELS, GROUPS
from onemg.community.stakeholders.wiring import portal, viewer
from onemg.errors import ConflictError, InvalidInputError, OnemgError, RateLimitedError
from onemg.mail import MailError
from onemg.web.account import send_confirmation
from onemg.web.pages import (
    check_csrf,
    current_session,
    redirect,
    render,
    require_user,
    web,
)

log = logging.getLogger(__name__)

#: Registrations allowed per client address per hour (an abuse brake, not a login throttle).
REGISTRATIONS_PER_HOUR = 5


def _limit_registrations(request: Request) -> None:
    from onemg.access.store import ThrottleStore

    client = request.client.host if request.client else "unknown"
    store = ThrottleStore(web(request).engine)
    key = f"stakeholder-register:{client[:64]}"
    now = portal(request).deps.now()
    if store.count_failure(key, now=now, window_s=3600) > REGISTRATIONS_PER_HOUR:
        raise RateLimitedError(
            "too many registrations from your network in the last hour; try again later",
            retry_after_s=3600,
        )


def create_router() -> APIRouter:
    """The people pages under ``/stakeholders`` (a new router per app)."""
    router = APIRouter(prefix="/stakeholders", include_in_schema=False)

    @router.get("")
    def home(request: Request) -> Response:
        who = viewer(request)
        service = portal(request)
        member = service.registrations.member(who.sub) if who else None
        pending = len(service.registrations.pending(who)) if who and who.coordinator else 0
        return render(
            request,
            "stakeholders/home.html",
            {
                "member": member,
                "pending": pending,
                "viewer": who,
                "rounds": service.reviews.rounds_for(who),
            },
            title="Stakeholder Coordination Portal",
        )

    def _register_page(
        request: Request, values: dict[str, Any], error: str | None, status: int = 200
    ) -> Response:
        who = viewer(request)
        email = web(request).accounts.verified_email(who.sub) if who else None
        return render(
            request,
            "stakeholders/register.html",
            {
                "groups": GROUPS,
                "countries": COUNTRIES,
                "values": values,
                "error": error,
                "verified_email": email,
            },
            status=status,
            title="Register as a stakeholder",
        )

    @router.get("/register")
    def register_form(request: Request) -> Response:
        who = viewer(request)
        if who and portal(request).registrations.member(who.sub):
            return redirect(request, "/stakeholders/me")
        return _register_page(request, {}, None)

    @router.post("/register")
    async def register(request: Request) -> Response:
        await check_csrf(request)
        form = await request.form()
        values = {
            k: form.getlist(k) if k in ("groups", "roles") else forms.text(form, k)
            for k in form
            if k not in ("password", "csrf_token")
        }
        try:
            await _register(request, form)
        except (InvalidInputError, ConflictError) as exc:
            # The form comes back filled in (never the password), with what to fix.
            return _register_page(request, values, str(exc), status=400)
        return redirect(request, "/stakeholders/me?registered=1")

    async def _register(request: Request, form: Any) -> str:
        service = portal(request).registrations
        profile = check_profile(forms.profile(form))
        if not forms.flag(form, "consent"):
            raise InvalidInputError(
                "consent: tick the box to agree that the portal keeps your registration "
                "data; without it we cannot register you"
            )
        who = viewer(request)
        accounts = web(request).accounts
        email = forms.text(form, "email").strip()
        if who is None:
            _limit_registrations(request)
            username = forms.text(form, "username").strip().lower()
            identity = accounts.create(username, forms.text(form, "password"), email=email)
            sub = identity.sub
        else:
            sub = who.sub
            if accounts.verified_email(sub) is None or (email and email != accounts.email_of(sub)):
                accounts.set_email(sub, email, verified=False)
        try:
            service.register(sub, profile, consent=True)
        except OnemgError:
            if who is None:
                accounts.delete(sub)
            raise
        if who is None:  # logged in only once the registration is stored
            request.state.set_cookie = web(request).sessions.login(current_session(request), sub)
        address = accounts.email_of(sub)
        if accounts.verified_email(sub) is None and address:
            username = web(request).username(sub)
            try:
                await asyncio.to_thread(send_confirmation, request, sub, username, address)
            except MailError:
                log.warning("stakeholder registration: the confirmation mail was not sent")
        return sub

    @router.get("/me")
    def me(request: Request, registered: str = "", saved: str = "") -> Response:
        user = require_user(request)
        service = portal(request)
        member = service.registrations.member(user.sub)
        accounts = web(request).accounts
        return render(
            request,
            "stakeholders/me.html",
            {
                "member": member,
                "groups": GROUPS,
                "countries": COUNTRIES,
                "email": accounts.email_of(user.sub),
                "verified": accounts.verified_email(user.sub) is not None,
                "registered": bool(registered),
                "saved": bool(saved),
                "invitations": service.workshops.invitations_of(user.sub) if member else [],
            },
            title="My registration",
        )

    @router.post("/me")
    async def save_profile(request: Request) -> Response:
        await check_csrf(request)
        user = require_user(request)
        form = await request.form()
        portal(request).registrations.update_profile(user.sub, forms.profile(form))
        return redirect(request, "/stakeholders/me?saved=1")

    @router.post("/me/withdraw")
    async def withdraw(request: Request) -> Response:
        await check_csrf(request)
        user = require_user(request)
        form = await request.form()
        if not forms.flag(form, "confirm"):
            raise InvalidInputError(
                "tick the box to confirm that your registration and "
                "everything you wrote are deleted"
            )
        portal(request).registrations.withdraw(user.sub)
        return render(
            request,
            "stakeholders/deleted.html",
            {"account": False},
            title="Your registration is deleted",
        )

    @router.post("/me/delete-account")
    async def delete_account(request: Request) -> Response:
        await check_csrf(request)
        user = require_user(request)
        form = await request.form()
        if not forms.flag(form, "confirm"):
            raise InvalidInputError("tick the box to confirm that your account is deleted")
        promoted = portal(request).registrations.delete_account(user.sub)
        if promoted:  # places the person held went to the next on the waiting lists
            from onemg.community.events.wiring import events, notifier

            note = notifier(request)
            for reg in promoted:
                note.promoted(events(request).get(reg.event_id), reg)
        session = current_session(request)
        if session is not None:
            web(request).sessions.end(session)
        request.state.web_user = None
        return render(
            request, "stakeholders/deleted.html", {"account": True}, title="Your account is deleted"
        )

    @router.get("/registrations")
    def registrations(request: Request) -> Response:
        require_user(request)
        pending = portal(request).registrations.pending(viewer(request))
        return render(
            request,
            "stakeholders/registrations.html",
            {"pending": pending, "group_labels": GROUP_LABELS, "country_labels": COUNTRY_LABELS},
            title="Registrations to decide",
        )

    @router.post("/registrations")
    async def decide(request: Request) -> Response:
        await check_csrf(request)
        require_user(request)
        form = await request.form()
        action, _, sub = forms.text(form, "decide").partition(":")
        if action not in ("approve", "decline") or not sub:
            raise InvalidInputError("choose Approve or Decline for one registration")
        portal(request).registrations.decide(viewer(request), sub, approve=action == "approve")
        return redirect(request, "/stakeholders/registrations")

    @router.get("/directory")
    def directory(
        request: Request, group: str = "", country: str = "", expertise: str = ""
    ) -> Response:
        members = portal(request).registrations.directory(
            viewer(request), group=group, country=country.upper(), expertise=expertise
        )
        return render(
            request,
            "stakeholders/directory.html",
            {
                "members": members,
                "groups": GROUPS,
                "countries": COUNTRIES,
                "group_labels": GROUP_LABELS,
                "country_labels": COUNTRY_LABELS,
                "q": {"group": group, "country": country.upper(), "expertise": expertise},
            },
            title="Stakeholder directory",
        )

    return router

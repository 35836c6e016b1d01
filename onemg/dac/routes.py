"""Routes of the committee portal (``/dac/...``): read the request, call the node's access
service, render. Nothing here decides who may do what: the application service does."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from onemg.access.applications import Actor, legal_events
from onemg.errors import AccessDeniedError, AuthenticationError, InvalidInputError
from onemg.web.pages import (
    WebUser,
    check_csrf,
    current_session,
    redirect,
    render,
    web,
)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
PASSPORT_TOKEN_TYPE = "urn:ga4gh:params:oauth:token-type:passport"
#: Page actions -> (the service method, the event kind it causes, the button's words).
ACTIONS: dict[str, tuple[str, str, str]] = {
    "review": ("review", "reviewed", "Add my review"),
    "remark": ("remark", "remarked", "Add a remark"),
    "return": ("return_", "returned", "Return to the applicant"),
    "approve": ("approve", "approved", "Approve"),
    "reject": ("reject", "rejected", "Reject"),
    "close": ("close", "closed", "Close without a decision"),
    "veto": ("veto", "vetoed", "Veto (national authority)"),
    "revoke": ("revoke", "revoked", "Revoke"),
}
STATES = (
    "submitted",
    "returned",
    "approved",
    "rejected",
    "closed",
    "revoked",
    "vetoed",
    "expired",
    "draft",
)


def _access(request: Request) -> Any:
    return request.app.state.access()


def _when(epoch: int | None) -> str:
    if not epoch:
        return ""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _hub(request: Request) -> str:
    issuers = request.app.state.settings.access.trusted_issuers
    if not issuers:
        raise AuthenticationError("this node trusts no hub, so nobody can log in here")
    return issuers[0].iss.rstrip("/") + "/"


def committee_member(request: Request) -> Actor | None:
    """The logged-in committee member as the access service sees them (None if not logged in).

    Also sets the page's user (the node has no accounts: the name is the pseudonymous subject).
    """
    session = current_session(request)
    if session is None or session.sub is None:
        request.state.web_user = None
        return None
    roles = _access(request).roles.roles_of(session.sub)
    label = f"{session.sub[:12]} ({', '.join(sorted(roles)) or 'no committee role'})"
    request.state.web_user = WebUser(session.sub, label, False)
    return Actor(session.sub, roles, "node-web")


def _require(request: Request) -> Actor | RedirectResponse:
    actor = committee_member(request)
    if actor is None:
        return RedirectResponse(f"/dac/login?next={request.url.path}", status_code=303)
    if not actor.roles:
        raise AccessDeniedError(
            "you are not a member of this node's data access committee; ask the node's "
            "operator for a role (onemg access role grant)"
        )
    return actor


async def _passport(request: Request, username: str, password: str) -> str:
    """Log in at the hub and exchange the access token for a passport scoped to this node."""
    settings = request.app.state.settings
    audience = settings.access.audience or settings.access.public_url
    hub = _hub(request)
    async with httpx.AsyncClient(timeout=15, trust_env=False) as http:
        login = await http.post(
            f"{hub}oidc/login", json={"username": username, "password": password}
        )
        if login.status_code != 200:
            raise AuthenticationError("wrong username or password at the hub")
        exchanged = await http.post(
            f"{hub}oidc/token",
            data={
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": login.json()["access_token"],
                "subject_token_type": ACCESS_TOKEN_TYPE,
                "requested_token_type": PASSPORT_TOKEN_TYPE,
                "audience": audience,
            },
        )
        if exchanged.status_code != 200:
            raise AuthenticationError("the hub did not give a passport for this node")
        return str(exchanged.json()["access_token"])


def _safe(target: str) -> str:
    return target if target.startswith("/dac") and "//" not in target else "/dac"


def create_router() -> APIRouter:
    """The ``/dac`` page router (a new one per app)."""
    router = APIRouter(prefix="/dac", include_in_schema=False)

    @router.get("/login")
    def login_form(request: Request, next: str = "/dac") -> Response:
        committee_member(request)
        return render(
            request,
            "dac/login.html",
            {"next": _safe(next), "error": None},
            title="Committee log in",
        )

    @router.post("/login")
    async def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form("/dac"),
    ) -> Response:
        await check_csrf(request)
        committee_member(request)
        access = _access(request)
        try:
            passport = await _passport(request, username.strip(), password)
            principal = await access.verifier.verify(passport, origin="node-web")
        except AuthenticationError as exc:
            access.audit.record(
                user=None,
                action="auth.login",
                resource="node-dac",
                result="denied",
                reason=str(exc),
                origin="node-web",
            )
            return render(
                request,
                "dac/login.html",
                {"next": _safe(next), "error": str(exc)},
                status=401,
                title="Committee log in",
            )
        access.audit.record(
            user=principal.subject,
            action="auth.login",
            resource="node-dac",
            result="granted",
            origin="node-web",
        )
        request.state.set_cookie = web(request).sessions.login(
            current_session(request), principal.subject
        )
        return redirect(request, _safe(next))

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await check_csrf(request)
        session = current_session(request)
        if session is not None:
            web(request).sessions.end(session)
        response = RedirectResponse("/dac/login", status_code=303)
        response.delete_cookie("onemg_session", path="/")
        return response

    @router.get("")
    @router.get("/")
    def inbox(request: Request, state: str | None = None) -> Response:
        actor = _require(request)
        if isinstance(actor, Response):
            return actor
        apps = _access(request).applications.list(actor)
        by_state: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in apps:
            by_state[a.state].append(
                {
                    "id": a.id,
                    "title": a.form.title,
                    "datasets": a.datasets,
                    "updated": _when(a.updated_at),
                }
            )
        order = [s for s in STATES if s in by_state]
        return render(
            request, "dac/inbox.html", {"by_state": by_state, "order": order}, title="Applications"
        )

    @router.get("/applications/{app_id}")
    def application(request: Request, app_id: str) -> Response:
        actor = _require(request)
        if isinstance(actor, Response):
            return actor
        access = _access(request)
        app = access.applications.get(app_id, actor)
        advice = access.applications.duo_advice(app_id, actor)
        now = int(access.clock())
        legal = set(legal_events(app, actor))
        offered = [
            (name, label)
            for name, (_, kind, label) in ACTIONS.items()
            if kind in legal and (kind != "vetoed" or app.in_veto_window(now))
        ]
        return render(
            request,
            "dac/application.html",
            {
                "app": app,
                "advice": advice,
                "offered": offered,
                "can_request_review": "review-requested" in legal,
                "events": [(_when(e.at), e.actor, e.kind) for e in app.events],
                "comments": [(_when(c.at), c.author, c.kind, c.text) for c in app.comments],
                "start": _when(app.entitlement_start),
                "end": _when(app.entitlement_end),
                "audit": [
                    (r.seq, r.at, r.user or "", r.action, r.result, r.reason)
                    for r in access.audit_trail(app_id, actor)
                ],
                "entitlements": [
                    {"e": e, "start": _when(e.start), "end": _when(e.end), "active": e.active(now)}
                    for e in access.entitlements.find(application_id=app_id)
                ],
            },
            title=app.form.title or app.id,
        )

    @router.post("/applications/{app_id}/action")
    async def act(
        request: Request, app_id: str, action: str = Form(...), comment: str = Form("")
    ) -> Response:
        await check_csrf(request)
        actor = _require(request)
        if isinstance(actor, Response):
            return actor
        if action not in ACTIONS:
            raise InvalidInputError(f"unknown action {action!r}")
        method = ACTIONS[action][0]
        getattr(_access(request).applications, method)(app_id, actor, comment.strip())
        return redirect(request, f"/dac/applications/{app_id}")

    @router.post("/applications/{app_id}/request-review")
    async def ask_review(request: Request, app_id: str, reviewer: str = Form(...)) -> Response:
        await check_csrf(request)
        actor = _require(request)
        if isinstance(actor, Response):
            return actor
        _access(request).applications.request_review(app_id, actor, reviewer.strip())
        return redirect(request, f"/dac/applications/{app_id}")

    @router.get("/entitlements")
    def entitlements(request: Request) -> Response:
        actor = _require(request)
        if isinstance(actor, Response):
            return actor
        access = _access(request)
        now = int(access.clock())
        rows = [
            {"e": e, "start": _when(e.start), "end": _when(e.end), "active": e.active(now)}
            for e in access.entitlements.find(subject=None, dataset_id=None)
        ]
        return render(request, "dac/entitlements.html", {"rows": rows}, title="Entitlements")

    return router

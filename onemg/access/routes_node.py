"""Node REST API of controlled access: DAC applications, entitlements, visa issuer, JWKS.

Who is calling is established from a bearer GA4GH passport checked by the node's own
clearinghouse (the same one Beacon uses); DAC roles come from the node's role table
(``onemg access role grant``). Routes parse, call one service function, and return.

The service calls block (SQL), so the routes hand them to the node's small worker-thread limit
(``NodeAccess.io``), never running them on the event loop; few threads at a time also keep
concurrent writers of the hash-chained audit log from racing for its head. Errors are mapped
to statuses by ``onemg.web.errors``, the one mapping of every app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from onemg.access.api import NodeAccess
from onemg.access.applications import Actor
from onemg.access.schemas import (
    CommentBody,
    CreateBody,
    FormBody,
    ReviewRequestBody,
    advice_view,
    application_view,
    entitlement_view,
)
from onemg.errors import AuthenticationError


def bearer(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization must be 'Bearer <passport>'")
    return token.strip()


def node_router(access: NodeAccess | Callable[[], NodeAccess]) -> APIRouter:
    """The node's access routes (mount at the app root).

    ``access`` may be a provider called per request, so building it (keys, database) can wait
    until the first request.
    """
    router = APIRouter(tags=["access"])
    get: Callable[[], NodeAccess] = access if callable(access) else (lambda: access)

    async def actor(request: Request) -> Actor:
        principal = await get().verifier.verify(bearer(request), origin="node-api")
        if not principal.authenticated:
            raise AuthenticationError(
                "this endpoint needs a GA4GH passport: send Authorization: Bearer <passport>"
            )
        roles = await get().io.run(get().roles.roles_of, principal.subject)
        return Actor(principal.subject, roles, "node-api")

    async def run(fn: Callable[..., Any], *args: Any) -> Any:
        return await get().io.run(fn, *args)

    def now() -> int:
        return int(get().clock())

    def view(app: Any) -> dict[str, Any]:
        return application_view(app, now=now())

    @router.get("/api/jwk")
    async def node_jwks() -> JSONResponse:
        """The node's public keys (``jku`` of its visas; cacheable for five minutes)."""
        return JSONResponse(get().jwks(), headers={"Cache-Control": "max-age=300"})

    @router.get("/api/permissions/{user}")
    async def permissions(user: str, who: Actor = Depends(actor)) -> dict[str, Any]:
        """The user's current ControlledAccessGrants visas (REMS permissions API).

        Users may fetch their own; handlers anyone's.
        """
        return {"ga4gh_passport_v1": await run(get().permissions, who, user)}

    @router.get("/api/access/me")
    async def me(who: Actor = Depends(actor)) -> dict[str, Any]:
        """Who the node thinks you are, and your DAC roles."""
        return {"subject": who.subject, "roles": sorted(who.roles)}

    @router.get("/api/access/applications")
    async def list_applications(
        who: Actor = Depends(actor), state: str | None = None
    ) -> dict[str, Any]:
        """Applications you may see (your own; all of them for DAC members)."""
        found = await run(lambda: get().applications.list(who, state=state))
        return {"applications": [view(a) for a in found]}

    @router.post("/api/access/applications", status_code=201)
    async def create(body: CreateBody, who: Actor = Depends(actor)) -> dict[str, Any]:
        """Start a draft application."""
        form = body.form.to_form() if body.form else None
        return view(await run(get().applications.create, who, body.datasets, form))

    @router.get("/api/access/applications/{app_id}")
    async def get_application(app_id: str, who: Actor = Depends(actor)) -> dict[str, Any]:
        """One application with its history."""
        return view(await run(get().applications.get, app_id, who))

    @router.put("/api/access/applications/{app_id}/form")
    async def save_draft(
        app_id: str, body: FormBody, who: Actor = Depends(actor)
    ) -> dict[str, Any]:
        """Save the form of a draft or returned application."""
        return view(await run(get().applications.save_draft, app_id, who, body.to_form()))

    @router.get("/api/access/applications/{app_id}/duo")
    async def duo(app_id: str, who: Actor = Depends(actor)) -> dict[str, Any]:
        """The DUO matcher's advice per dataset (advisory; never a decision)."""
        advice = await run(get().applications.duo_advice, app_id, who)
        return {ds: advice_view(a) for ds, a in advice.items()}

    @router.post("/api/access/applications/{app_id}/submit")
    async def submit(app_id: str, who: Actor = Depends(actor)) -> dict[str, Any]:
        """Submit or resubmit."""
        return view(await run(get().applications.submit, app_id, who))

    @router.post("/api/access/applications/{app_id}/request-review")
    async def request_review(
        app_id: str, body: ReviewRequestBody, who: Actor = Depends(actor)
    ) -> dict[str, Any]:
        """Handler: ask a reviewer."""
        return view(await run(get().applications.request_review, app_id, who, body.reviewer))

    def _command(name: str, method: str) -> None:
        async def endpoint(
            app_id: str, body: CommentBody, who: Actor = Depends(actor)
        ) -> dict[str, Any]:
            return view(await run(getattr(get().applications, method), app_id, who, body.comment))

        endpoint.__doc__ = f"Command: {name}."
        router.add_api_route(
            f"/api/access/applications/{{app_id}}/{name}",
            endpoint,
            methods=["POST"],
            name=f"application_{name}",
        )

    for name in ("review", "remark", "return", "approve", "reject", "close", "veto", "revoke"):
        _command(name, "return_" if name == "return" else name)

    @router.get("/api/access/entitlements")
    async def entitlements(
        who: Actor = Depends(actor), user: str | None = None, dataset: str | None = None
    ) -> dict[str, Any]:
        """Entitlements: your own, or anyone's for DAC members."""
        found = await run(get().visible_entitlements, who, user, dataset)
        return {"entitlements": [entitlement_view(e, now=now()) for e in found]}

    return router

"""The portal's basket and applications pages: ``/basket``, ``/applications``.

A logged-in researcher adds datasets to a basket, states the research purpose in plain words
(checked against each dataset's data-use conditions by the DUO matcher before anything is
sent), and applies: one application per node, sent to the node's DAC API with a passport the
hub's broker mints for that node. ``/applications`` reads them back from the nodes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from onemg.errors import InvalidInputError, NotFoundError, OnemgError, UnavailableError
from onemg.network.registry import MemberState
from onemg.network.service import NetworkService
from onemg.portal import datasets as ds
from onemg.portal.applying import PURPOSES, NodeApplications, PurposeForm, advise
from onemg.portal.basket import Basket
from onemg.portal.notifications import Watches
from onemg.portal.routes import principal_of
from onemg.web.pages import WebUser, check_csrf, redirect, render, require_user, web


def _network(request: Request) -> NetworkService:
    return request.app.state.network


def _basket(request: Request) -> Basket:
    return Basket(web(request).engine)


def _watches(request: Request) -> Watches:
    return Watches(web(request).engine)


def _member(request: Request, member_id: str) -> MemberState:
    for m in _network(request).registry.members:
        if m.config.id == member_id:
            return m
    raise NotFoundError(f"no member {member_id!r} in this network")


async def _node(request: Request, member: MemberState) -> NodeApplications:
    """The node's DAC API as the logged-in researcher (a passport for that node only)."""
    from onemg.access.hub import BrokerCredentials

    access = getattr(request.app.state, "hub_access", None)
    if access is None:
        raise UnavailableError("this hub does not broker passports, so it cannot apply for you")
    passport = await BrokerCredentials(access()).for_member(member.config, principal_of(request))
    if passport is None:
        raise UnavailableError("log in again to apply")
    return NodeApplications(_network(request).client, member.config, passport)


async def _my_applications(
    request: Request,
) -> list[tuple[MemberState, list[dict[str, Any]] | Exception]]:
    """The researcher's applications at every member (an error in place of a failed one)."""
    members = list(_network(request).registry.members)

    async def one(member: MemberState) -> tuple[MemberState, Any]:
        try:
            return member, await (await _node(request, member)).mine()
        except OnemgError as exc:
            return member, exc

    return list(await asyncio.gather(*(one(m) for m in members)))


async def approved_datasets(request: Request) -> list[str]:
    """Datasets of the researcher's approved applications (for record-level search)."""
    if getattr(request.app.state, "hub_access", None) is None:
        return []
    out = []
    for _, answer in await _my_applications(request):
        if not isinstance(answer, Exception):
            out += [d for a in answer if a.get("state") == "approved" for d in a["datasets"]]
    return out


def _date(value: int | str | None) -> str:
    """A node's time (ISO 8601 UTC, or epoch seconds) as people read it."""
    if not value:
        return ""
    if isinstance(value, str):
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        when = dt.datetime.fromtimestamp(value, dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


async def _basket_view(request: Request, user: WebUser) -> dict[str, list[ds.Dataset]]:
    """The basket's datasets grouped by member (datasets no longer published are dropped)."""
    known = {(d.member_id, d.id): d for d in await ds.network_datasets(_network(request))}
    groups: dict[str, list[ds.Dataset]] = defaultdict(list)
    for key in _basket(request).items(user.sub):
        if key in known:
            groups[key[0]].append(known[key])
    return dict(groups)


def posted_form(
    title: str = Form(""),
    summary: str = Form(""),
    institution: str = Form(""),
    purpose: str = Form("hmb"),
    disease: str = Form(""),
    commercial: str | None = Form(None),
    for_profit: str | None = Form(None),
    duration_days: int = Form(365),
    terms_accepted: str | None = Form(None),
) -> PurposeForm:
    """The application form as posted (a dependency of both apply and resubmit)."""
    return PurposeForm(
        title=title.strip(),
        summary=summary.strip(),
        institution=institution.strip(),
        purpose=purpose,
        disease=disease.strip(),
        commercial=bool(commercial),
        for_profit=bool(for_profit),
        duration_days=duration_days,
        terms_accepted=bool(terms_accepted),
    )


def create_router() -> APIRouter:
    """The basket and applications pages (a new router per app)."""
    router = APIRouter(include_in_schema=False)

    @router.post("/basket/add")
    async def add(
        request: Request, member_id: str = Form(...), dataset_id: str = Form(...)
    ) -> Response:
        await check_csrf(request)
        user = require_user(request)
        _member(request, member_id)
        if not _basket(request).add(user.sub, member_id, dataset_id):
            raise InvalidInputError("your basket is full: apply for what is in it first")
        return redirect(request, "/basket")

    @router.post("/basket/remove")
    async def remove(
        request: Request, member_id: str = Form(...), dataset_id: str = Form(...)
    ) -> Response:
        await check_csrf(request)
        user = require_user(request)
        _basket(request).remove(user.sub, [(member_id, dataset_id)])
        return redirect(request, "/basket")

    @router.get("/basket")
    async def basket(request: Request) -> Response:
        user = require_user(request)
        return render(
            request,
            "portal/basket.html",
            {
                "groups": await _basket_view(request, user),
                "form": PurposeForm(),
                "purposes": PURPOSES,
                "advice": None,
                "error": None,
            },
            title="Your basket",
        )

    @router.post("/basket/apply")
    async def apply(
        request: Request,
        action: str = Form("advice"),
        form: PurposeForm = Depends(posted_form),
    ) -> Response:
        await check_csrf(request)
        user = require_user(request)
        groups = await _basket_view(request, user)
        context: dict[str, Any] = {
            "groups": groups,
            "form": form,
            "purposes": PURPOSES,
            "advice": None,
            "error": None,
        }
        try:
            research = form.research_purpose()
            context["advice"] = {
                (d.member_id, d.id): advise(research, d.conditions_raw)
                for items in groups.values()
                for d in items
            }
            if action == "apply":
                if not groups:
                    raise InvalidInputError("your basket is empty: add datasets first")
                for member_id, items in groups.items():
                    node = await _node(request, _member(request, member_id))
                    sent = await node.apply([d.id for d in items], form)
                    _watches(request).remember(user.sub, member_id, sent["id"], sent["state"])
                    _basket(request).remove(user.sub, [(member_id, d.id) for d in items])
                return redirect(request, "/applications")
        except OnemgError as exc:
            context["error"] = str(exc)
            return render(request, "portal/basket.html", context, status=400, title="Your basket")
        return render(request, "portal/basket.html", context, title="Your basket")

    @router.get("/applications")
    async def applications(request: Request) -> Response:
        require_user(request)
        rows, failed = [], []
        for member, answer in await _my_applications(request):
            if isinstance(answer, Exception):
                failed.append((member.config, str(answer)))
                continue
            for a in answer:
                rows.append(
                    {
                        **a,
                        "member": member.config.id,
                        "country": member.config.country,
                        "updated": _date(a.get("updatedAt")),
                    }
                )
        rows.sort(key=lambda a: str(a.get("updatedAt") or ""), reverse=True)
        return render(
            request,
            "portal/applications.html",
            {"rows": rows, "failed": failed},
            title="My applications",
        )

    @router.get("/applications/{member_id}/{app_id}")
    async def application(request: Request, member_id: str, app_id: str) -> Response:
        require_user(request)
        member = _member(request, member_id)
        app = await (await _node(request, member)).get(app_id)
        return render(
            request,
            "portal/application.html",
            _detail_context(request, member, app),
            title=app["form"]["title"] or "Application",
        )

    @router.post("/applications/{member_id}/{app_id}/resubmit")
    async def resubmit(
        request: Request,
        member_id: str,
        app_id: str,
        form: PurposeForm = Depends(posted_form),
    ) -> Response:
        await check_csrf(request)
        user = require_user(request)
        member = _member(request, member_id)
        sent = await (await _node(request, member)).resubmit(app_id, form)
        _watches(request).remember(user.sub, member_id, app_id, sent["state"])
        return redirect(request, f"/applications/{member_id}/{app_id}")

    return router


def _detail_context(request: Request, member: MemberState, app: dict[str, Any]) -> dict[str, Any]:
    f = app["form"]
    p = f.get("purpose") or {}
    key = next((k for k, (term, _) in PURPOSES.items() if term in (p.get("terms") or [])), "hmb")
    if key == "hmb" and p.get("methods_development"):
        key = "methods"
    form = PurposeForm(
        title=f.get("title", ""),
        summary=f.get("summary", ""),
        institution=f.get("institution", ""),
        purpose=key,
        disease=p.get("disease") or "",
        commercial=bool(p.get("commercial")),
        for_profit=p.get("non_profit_organisation") is False,
        duration_days=int(f.get("duration_days") or 365),
        terms_accepted=bool(f.get("terms_accepted")),
    )
    hub = str(request.base_url).rstrip("/") + "/"
    user = require_user(request)
    commands = [
        f"onemg fetch --hub {hub} --dataset {d} --username {user.username} "
        f"--key ~/.onemg/me.sec --out {d}.vcf.gz"
        for d in app["datasets"]
    ]
    return {
        "app": app,
        "member": member.config,
        "form": form,
        "purposes": PURPOSES,
        "events": [{**e, "when": _date(e["at"])} for e in app["events"]],
        "comments": [{**c, "when": _date(c.get("at"))} for c in app["comments"]],
        "start": _date(app.get("entitlementStart")),
        "end": _date(app.get("entitlementEnd")),
        "commands": commands,
    }

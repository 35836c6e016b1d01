"""Plugging the MLM into the hub app: the service built on first use, and its dependencies."""

from __future__ import annotations

from fastapi import FastAPI, Request

from onemg.errors import AuthenticationError
from onemg.governance.mlm.service import Actor, MlmService
from onemg.governance.mlm.store import MlmStore
from onemg.lazy import Lazy
from onemg.web.pages import WebServices, page_user, require_user


def build_service(web: WebServices) -> MlmService:
    """The :class:`MlmService` over the hub's database, audit log and accounts."""
    from onemg.access.store import AuditStore

    return MlmService(
        MlmStore(web.engine),
        audit=web.audit,
        names=web.username,
        subs=web.sub_of,
        history=AuditStore(web.engine).about,
    )


def mlm(request: Request) -> MlmService:
    """The app's MLM service."""
    return request.app.state.mlm()


def page_actor(request: Request) -> Actor:
    """The logged-in user of a page as an :class:`Actor` (login required)."""
    user = require_user(request)
    return Actor(user.sub, user.is_admin)


def maybe_actor(request: Request) -> Actor | None:
    """The logged-in user of a page, or None."""
    user = page_user(request)
    return Actor(user.sub, user.is_admin) if user else None


def api_actor(request: Request) -> Actor:
    """The caller of the JSON API: a hub access token (Bearer), or the page session for reads."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        provider = getattr(request.app.state, "hub_access", None)
        if provider is None:
            raise AuthenticationError(
                "this hub issues no access tokens (broker off); log in "
                "on /login and use the page session for reads"
            )
        identity = provider().accounts.identity(provider().broker.subject_of(auth[7:].strip()))
        return Actor(identity.sub, identity.is_admin)
    if request.method in ("GET", "HEAD"):
        user = page_user(request)
        if user is not None:
            return Actor(user.sub, user.is_admin)
    raise AuthenticationError("send Authorization: Bearer <access token from /oidc/login>")


def attach_mlm(app: FastAPI) -> None:
    """Keep the lazily-built MLM service on ``app.state.mlm``."""
    web = app.state.web
    app.state.mlm = Lazy(lambda: build_service(web))

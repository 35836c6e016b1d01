"""Plugging the MLM into the hub app: the service built on first use, and its dependencies."""

from __future__ import annotations

import threading

from fastapi import FastAPI, Request

from onemg.errors import AuthenticationError
from onemg.governance.mlm.service import Actor, MlmService
from onemg.governance.mlm.store import MlmStore
from onemg.web.pages import WebServices, page_user, require_user


class LazyMlm:
    """Builds the :class:`MlmService` over the hub's database once, on first use."""

    def __init__(self, web: WebServices) -> None:
        self._web = web
        self._lock = threading.Lock()
        self._service: MlmService | None = None

    def __call__(self) -> MlmService:
        if self._service is None:
            with self._lock:
                if self._service is None:
                    from onemg.access.store import AuditStore

                    web = self._web
                    self._service = MlmService(
                        MlmStore(web.engine),
                        audit=web.audit,
                        names=web.username,
                        subs=web.sub_of,
                        history=AuditStore(web.engine).about,
                    )
        return self._service


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
    app.state.mlm = LazyMlm(app.state.web)

"""Plugging the portal into the hub app: the services built on first use, and the viewer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from onemg.community.stakeholders.context import Deps, Viewer
from onemg.community.stakeholders.service import StakeholderPortal
from onemg.community.stakeholders.store import StakeholderStore
from onemg.errors import UnavailableError
from onemg.lazy import Lazy
from onemg.web.pages import WebServices, page_user


def build_portal(
    web: WebServices, *, mailer: Any, signer: Any, events: Any = None
) -> StakeholderPortal:
    """The portal over the hub's database, accounts, site roles and audit log.

    ``mailer``, ``signer`` and ``events`` (the events part's service, for workshops) are
    providers, called when needed.
    """
    return StakeholderPortal(
        Deps(
            store=StakeholderStore(web.engine),
            audit=web.audit,
            accounts=web.accounts,
            site_roles=web.site_roles,
            usernames=web.username,
            mailer=mailer,
            signer=signer,
            events=events,
        )
    )


def attach(app: FastAPI) -> None:
    """Keep the lazily-built portal on ``app.state.stakeholders``."""
    web = app.state.web

    def events() -> Any:
        # The events part keeps its service on app.state.events (mounted before or after us).
        service = getattr(app.state, "events", None)
        if service is None:
            raise UnavailableError("workshops need the events part of the community site")
        return service()

    app.state.stakeholders = Lazy(
        lambda: build_portal(
            web, mailer=app.state.mailer, signer=app.state.link_signer, events=events
        )
    )


def portal(request: Request) -> StakeholderPortal:
    """The app's portal services."""
    return request.app.state.stakeholders()


def viewer(request: Request) -> Viewer | None:
    """The logged-in person as the portal sees them (None: a visitor)."""
    user = page_user(request)
    if user is None:
        return None
    return Viewer(user.sub, user.roles, user.is_admin)

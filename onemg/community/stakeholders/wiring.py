"""Plugging the portal into the hub app: the services built on first use, and the viewer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from onemg.community.stakeholders.context import Deps, Viewer
from onemg.community.stakeholders.service import StakeholderPortal
from onemg.community.stakeholders.store import StakeholderStore
from onemg.lazy import Lazy
from onemg.web.pages import WebServices, page_user


def build_portal(web: WebServices, *, mailer: Any, signer: Any) -> StakeholderPortal:
    """The portal over the hub's database, accounts, site roles and audit log.

    ``mailer`` and ``signer`` are providers (called when a mail or a link is made).
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
        )
    )


def attach(app: FastAPI) -> None:
    """Keep the lazily-built portal on ``app.state.stakeholders``."""
    web = app.state.web
    app.state.stakeholders = Lazy(
        lambda: build_portal(web, mailer=app.state.mailer, signer=app.state.link_signer)
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

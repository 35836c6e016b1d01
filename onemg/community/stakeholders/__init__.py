"""The Stakeholder Coordination Portal at ``/stakeholders`` (docs/community-stakeholders.md).

People from the ten stakeholder groups register (e-mail confirmed, GDPR consent explicit),
coordinators approve them, members volunteer as workshop experts, early reviewers and
validators, WP leaders put drafts through early-review and validation rounds that close with a
consolidated report, and a document library and a list of related actions complete the portal.

Layers: :mod:`.routes_members`, :mod:`.routes_reviews`, :mod:`.routes_library` (pages) call
:class:`.service.StakeholderPortal` (:mod:`.registration`, :mod:`.reviews`, :mod:`.reports`,
:mod:`.library`, :mod:`.actions`, :mod:`.reminders`), which calls :mod:`.store` (SQL).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine

from onemg.community.stakeholders.service import StakeholderPortal

__all__ = ["StakeholderPortal", "mount"]


def mount(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add the portal's pages to the hub ``app`` (the page foundation is installed first)."""
    from onemg.community.stakeholders import (
        routes_library,
        routes_members,
        routes_reviews,
        routes_workshops,
        wiring,
    )
    from onemg.web.pages import install_page_errors, install_pages

    install_pages(app, database, template_packages=("onemg.community.stakeholders",))
    install_page_errors(app)
    wiring.attach(app)
    for module in (routes_members, routes_reviews, routes_library, routes_workshops):
        app.include_router(module.create_router())

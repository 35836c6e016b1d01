"""Events of the 1+MG community site: forums, general assemblies, country visits, workshops.

Pages ``/events`` (upcoming and past), ``/events/{id}``, registration with workshop sessions and
a waiting list, organiser tools, and the iCalendar feed ``/events.ics``. The stakeholder portal
builds on :class:`EventService` (``get``, ``sessions_of``, ``participants``). See
docs/community-events.md.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine

from onemg.community.events.records import WORKSHOP_AREAS, Event, Registration, WorkshopSession
from onemg.community.events.service import EventService, RegistrationRefusedError, SessionDraft

__all__ = [
    "WORKSHOP_AREAS",
    "Event",
    "EventService",
    "Registration",
    "RegistrationRefusedError",
    "SessionDraft",
    "WorkshopSession",
    "mount",
]


def mount(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add the events pages to the hub ``app`` (on the shared page foundation)."""
    from onemg.community.events import routes
    from onemg.community.events.wiring import attach_events
    from onemg.web.pages import install_page_errors, install_pages

    install_pages(app, database, template_packages=("onemg.community.events",))
    install_page_errors(app)
    attach_events(app)
    app.include_router(routes.create_router())

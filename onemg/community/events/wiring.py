"""Plugging events into the hub app: the service built on first use, the reader's time zone."""

from __future__ import annotations

from fastapi import FastAPI, Request

from onemg.community.events.notify import Notifier
from onemg.community.events.service import EventService
from onemg.community.events.store import EventStore
from onemg.community.events.zones import CET, zone_names
from onemg.lazy import Lazy
from onemg.web.pages import WebServices, link_signer, mailer

#: The cookie that keeps a reader's chosen time zone (a preference, not personal data).
TZ_COOKIE = "onemg_tz"


def build_service(web: WebServices) -> EventService:
    """The :class:`EventService` over the hub's database and audit log."""
    from onemg.access.store import ThrottleStore

    return EventService(EventStore(web.engine), audit=web.audit, throttle=ThrottleStore(web.engine))


def attach_events(app: FastAPI) -> None:
    """Keep the lazily-built service on ``app.state.events``."""
    web = app.state.web
    app.state.events = Lazy(lambda: build_service(web))


def events(request: Request) -> EventService:
    """The app's event service."""
    return request.app.state.events()


def notifier(request: Request) -> Notifier:
    """Mail for registrations through the hub's mailer and link signer."""
    return Notifier(mailer(request), link_signer(request))


def reader_zone(request: Request) -> str:
    """The zone to show times in: ``?tz=``, else the reader's saved choice, else CET.

    Browsers send no time zone with a request (Accept-Language names a language, not a
    place), so without a choice pages show Central European time, the project's own, and say so.
    """
    for candidate in (request.query_params.get("tz"), request.cookies.get(TZ_COOKIE)):
        if candidate and candidate in zone_names():
            return candidate
    return CET

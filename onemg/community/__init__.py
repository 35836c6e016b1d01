"""The 1+MG community site on the hub: news, events, newsletter, Stakeholder Coordination Portal.

Each part is a subpackage with its own models, service and routes, mounted by
:func:`mount_community` on the hub's shared page foundation (:mod:`onemg.web.pages`: the same
accounts, sessions, CSRF tokens, CSP and error pages as the researcher portal). Mail goes through
:mod:`onemg.mail`; people's roles are the hub's site roles (:mod:`onemg.access.site_roles`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine

#: The parts of the site, each a module with ``mount(app, database)``; mounted in this order.
PARTS: tuple[str, ...] = (
    "onemg.community.events",
    "onemg.community.news",
    "onemg.community.newsletter",
    "onemg.community.stakeholders",
)


def mount_community(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add every part's pages to the hub ``app`` (after :func:`onemg.web.pages.install_pages`)."""
    for name in PARTS:
        importlib.import_module(name).mount(app, database)

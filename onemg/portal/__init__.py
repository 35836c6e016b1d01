"""The researcher portal on the hub: server-rendered pages over the network's Beacon answers.

Pages (``/``, ``/datasets``, ``/datasets/{id}``, ``/search``) are built on the shared web
foundation (:mod:`onemg.web.pages`): one base template, server-side sessions, single-use CSRF
tokens, the strict Content-Security-Policy and the one error page. See docs/portal.md.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine


def mount_portal(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add the researcher pages to the hub ``app`` (before the ``/api`` catch-all router)."""
    from onemg.portal import routes, routes_apply
    from onemg.web.pages import install_page_errors, install_pages

    install_pages(app, database, template_packages=("onemg.portal",))
    install_page_errors(app)
    app.include_router(routes.create_router())
    app.include_router(routes_apply.create_router())

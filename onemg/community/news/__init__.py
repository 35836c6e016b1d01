"""News of the 1+MG community: posts by editors, a list with tag filters, an Atom feed.

Pages: ``/news`` (paged, ``?tag=``), ``/news/<slug>``, ``/news.atom``; editors (site role
``editor``) write at ``/news/admin``. See docs/community.md.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine


def mount(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add the news pages to the hub ``app``."""
    from onemg.community.news import routes
    from onemg.web.pages import install_pages

    install_pages(app, database, template_packages=("onemg.community.news",))
    app.include_router(routes.create_router())

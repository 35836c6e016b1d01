"""The 1+MG newsletter: double opt-in subscription, one-click unsubscribe (RFC 8058), editions
in Markdown mailed as HTML and plain text, sent in resumable batches (exactly once per
subscriber across crashes between batches). Pages under ``/newsletter``; the CLI sends with
``onemg community newsletter send``. See docs/community.md.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine


def mount(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add the newsletter pages to the hub ``app``."""
    from onemg.community.newsletter import routes
    from onemg.web.pages import install_pages

    install_pages(app, database, template_packages=("onemg.community.newsletter",))
    # Sends started from the web pages, by edition (threads of this hub process).
    app.state.newsletter_sends = {}
    app.include_router(routes.create_router())

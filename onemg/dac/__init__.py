"""The committee portal on each node: server-rendered pages under ``/dac/``.

Committee members log in with a passport from the hub (the node asks the hub's broker for a
passport scoped to itself, verifies it like any other, and keeps its own session); their
committee roles come from the node (``onemg access role grant``). Every action goes through the
node's :class:`~onemg.access.applications.ApplicationService`, which checks the roles, the
separation of duties and the state; the pages offer only what it would allow. See
docs/portal.md.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine


def mount_dac(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add the committee pages to a node ``app`` (after its access capability is attached)."""
    from onemg.dac import routes
    from onemg.web.pages import install_page_errors, install_pages

    install_pages(app, database, template_packages=("onemg.dac",), hub_login=False)
    install_page_errors(app)
    app.state.login_path = "/dac/login"
    app.include_router(routes.create_router())

"""The 1+MG Maturity Level Model: model versions, assessment rounds, results and benchmarking.

Mount it on the hub with :func:`mount_mlm` (pages under ``/mlm``, JSON under ``/api/mlm``).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine

from onemg.governance.mlm.consensus import DelphiRule, spread
from onemg.governance.mlm.model import Model, bundled_model, parse_model
from onemg.governance.mlm.service import CLI, Actor, MlmService

__all__ = [
    "CLI",
    "Actor",
    "DelphiRule",
    "MlmService",
    "Model",
    "bundled_model",
    "mount_mlm",
    "parse_model",
    "spread",
]


def mount_mlm(app: FastAPI, database: Callable[[], Engine]) -> None:
    """Add the MLM's pages and API to ``app`` (and the shared page foundation if missing).

    ``database`` provides the hub's one engine (opened on first use).

    Call it after the app's JSON error handlers are installed and before any router with a
    catch-all ``/api/{path}`` route.
    """
    from onemg.governance.mlm import routes_api, routes_pages
    from onemg.governance.mlm.wiring import attach_mlm
    from onemg.web.pages import install_page_errors, install_pages

    install_pages(app, database, template_packages=("onemg.governance.mlm",))
    install_page_errors(app)
    attach_mlm(app)
    app.include_router(routes_api.create_router())
    app.include_router(routes_pages.create_router())

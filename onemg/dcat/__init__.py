"""DCAT-AP 3 dataset catalogue: the node's ``/api/catalogue``, the hub's harvest and merge, and
the FAIR Data Point view (see docs/catalogue.md).

``attach_node_catalogue(app)`` mounts the node's routes; the hub side is
:mod:`onemg.dcat.harvest`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the package imports no web stack until a node mounts it
    from fastapi import FastAPI


def attach_node_catalogue(app: FastAPI) -> None:
    """Mount ``/api/catalogue`` (DCAT-AP) and the FAIR Data Point under ``/fdp`` on a node app."""
    from onemg.dcat.fdp import build_fdp_router
    from onemg.dcat.routes import NodeCatalogue, build_router

    catalogue = NodeCatalogue()
    app.state.dcat_catalogue = catalogue
    app.include_router(build_router(catalogue))
    app.include_router(build_fdp_router())

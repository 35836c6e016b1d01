"""The hub's catalogue routes: the merged DCAT-AP catalogue and the harvest status.

``GET /api/catalogue`` serves the members' last good copies merged (JSON-LD or Turtle, as on a
node); ``GET /api/catalogue/harvest`` says per member when its copy was harvested and whether
the last attempt failed. Harvesting on demand is ``onemg hub harvest`` (see docs/catalogue.md).
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from onemg.dcat.build import CATALOGUE_PATH
from onemg.dcat.formats import RDF_RESPONSES, negotiate, not_acceptable, rdf_response
from onemg.dcat.harvest import CatalogueHarvester, harvest_folder
from onemg.network.config import NetworkConfig
from onemg.settings import Settings


def attach_hub_catalogue(app: FastAPI, settings: Settings, network: NetworkConfig) -> None:
    """Put the harvester on ``app.state.catalogue_harvester`` and mount the routes.

    The hub's lifespan runs the schedule (``harvester.running(client, interval)``).
    """
    harvester = CatalogueHarvester(network, harvest_folder(settings))
    app.state.catalogue_harvester = harvester
    router = APIRouter(tags=["catalogue"])

    @router.get(
        CATALOGUE_PATH,
        response_class=Response,
        responses=RDF_RESPONSES,
        summary="The network's datasets: every member's DCAT-AP catalogue",
    )
    def merged(request: Request, format: str | None = None) -> Response:
        fmt = negotiate(request.headers.get("accept"), format)
        if fmt is None:
            return not_acceptable(CATALOGUE_PATH)
        return rdf_response(harvester.merged(settings, str(request.base_url)), fmt)

    @router.get(CATALOGUE_PATH + "/harvest", summary="When each member's catalogue was harvested")
    def status() -> JSONResponse:
        rows = []
        for s in harvester.status():
            row = asdict(s)
            # Errors name member URLs and internals: they go to the hub's log and the CLI only.
            row["error"] = None if s.ok else "the last harvest failed; the previous copy is served"
            rows.append(row)
        return JSONResponse({"members": rows, "interval_s": settings.catalogue.harvest_interval_s})

    app.include_router(router)

"""The OpenAPI pages (Swagger UI and ReDoc) served from the package: no CDN, works offline.

FastAPI's own pages load their JS and CSS from a CDN, so they are blank on a national network
with no route to the internet. The assets come from the ``fastapi-offline`` wheel, which ships
the swagger-ui-dist and ReDoc standalone builds (MIT, licences in that package), and are served
by the app itself under the same origin, at one path on the node and on the hub:

* ``/api/docs``: Swagger UI;
* ``/api/redoc``: ReDoc;
* ``/api/docs/static/...``: their JS, CSS and icon.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/api/docs"
REDOC_PATH = "/api/redoc"
OPENAPI_PATH = "/api/openapi.json"
STATIC_PATH = f"{DOCS_PATH}/static"


def asset_dir() -> Path:
    """The folder holding ``swagger-ui-bundle.js``, ``swagger-ui.css`` and ReDoc's bundle."""
    return Path(str(resources.files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at :data:`DOCS_PATH` and ReDoc at :data:`REDOC_PATH`, assets local.

    Build ``app`` with ``docs_url=None, redoc_url=None, openapi_url=OPENAPI_PATH``.
    """
    app.mount(STATIC_PATH, StaticFiles(directory=asset_dir()), name="docs-static")
    title = app.title

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_PATH,
            title=f"{title}: API",
            swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_PATH}/favicon.png",
        )

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=OPENAPI_PATH,
            title=f"{title}: API",
            redoc_js_url=f"{STATIC_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_PATH}/favicon.png",
            with_google_fonts=False,
        )

"""The national node's FastAPI app: the Beacon v2 API under ``/api``.

``create_node_app(settings)`` builds a fresh app; it is the node's composition root. The node's
one database engine (``onemg.db.open_database``: migrated once, shared by the catalogue, the
access stores and the audit log), its data (catalogue, indexes, caches), the credential verifier
and the audit sink live on ``app.state``; the data is opened in the lifespan, once per worker
process. Other capabilities (access, retrieval) add their routers to the returned app.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from onemg import __version__
from onemg.access.wiring import attach_node_access
from onemg.beacon.routes import BeaconJSON, build_router
from onemg.beacon.store import NodeData
from onemg.db import open_database
from onemg.dcat import attach_node_catalogue
from onemg.lazy import Lazy
from onemg.privacy.wiring import build_guard
from onemg.retrieval.wiring import attach_retrieval
from onemg.security import AuditSink, CredentialVerifier, PublicOnlyVerifier
from onemg.settings import Settings
from onemg.web.docs import OPENAPI_PATH, install_docs
from onemg.web.errors import install_error_handlers
from onemg.web.middleware import install_http_hardening
from onemg.web.transport import StrictTransport


class ServerTiming:
    """Pure ASGI middleware adding ``Server-Timing: app;dur=<ms>`` to every HTTP response.

    The duration covers routing, parsing, the query and serialisation inside this process, i.e.
    what a load test cannot separate from its own client overhead.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()

        async def timed_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - t0) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={ms:.3f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed_send)


def create_node_app(
    settings: Settings,
    *,
    verifier: CredentialVerifier | None = None,
    audit: AuditSink | None = None,
    store: NodeData | None = None,
) -> FastAPI:
    """Build the node app.

    Args:
        settings: the node's settings (``data_dir``, database, ``[beacon]``).
        verifier: turns bearer tokens into principals; default serves PUBLIC tiers only.
        audit: where access decisions go; default is the node's hash-chained audit log
            (buffered, see ``onemg.access.wiring``).
        store: the node's data; default opens ``settings.data_dir`` in the lifespan (tests
            pass prepared data).
    """
    database: Lazy[Engine] = Lazy(lambda: open_database(settings.db_url))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is None:
            app.state.store = NodeData.open(settings, database())
        try:
            yield
        finally:
            if (engine := database.if_built()) is not None:
                engine.dispose()

    app = FastAPI(
        title=f"{settings.beacon.name} (Beacon v2)",
        version=__version__,
        description="GA4GH Beacon v2 API of a 1+ Million Genomes national node. Counts below "
                    f"k={settings.beacon.k_anonymity} are reported as imprecise; see /api/info.",
        openapi_url=OPENAPI_PATH,
        docs_url=None,  # served from the package by install_docs (offline)
        redoc_url=None,
        default_response_class=BeaconJSON,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.verifier = verifier or PublicOnlyVerifier()
    app.state.audit = audit  # attach_node_access supplies the default below
    if store is not None:
        app.state.store = store  # prepared data needs no lifespan (ASGI test clients)
    install_error_handlers(app, settings.beacon)
    install_docs(app)
    # The DCAT-AP catalogue (/api/catalogue) and the FAIR Data Point (/fdp): onemg.dcat.
    attach_node_catalogue(app)
    app.include_router(build_router())
    # Controlled access: hash-chained audit, passport clearinghouse, DAC and visa-issuer routes.
    attach_node_access(app, settings, database=database, verifier=verifier, audit=audit)
    # Privacy: floors, perturbation and risk budgets of every count (onemg.privacy).
    app.state.privacy = build_guard(settings, database, lambda: app.state.clock())
    # Retrieval: htsget 1.3, signed Crypt4GH blocks and whole files (onemg.retrieval).
    attach_retrieval(app, settings)
    # The committee pages under /dac (onemg.dac): passports from the hub, roles from the node.
    from onemg.dac import mount_dac

    mount_dac(app, database)
    app.add_middleware(ServerTiming)
    app.add_middleware(StrictTransport)  # HSTS when served over HTTPS (docs/deploy.md)
    install_http_hardening(app, settings=settings.beacon, public_url=settings.access.public_url)
    return app

"""Plugging controlled access into the node app built by ``onemg.web.node_app``.

:func:`attach_node_access` is called once by ``create_node_app``. It

- uses the hash-chained SQL audit log unless the caller passed an audit sink; per-request
  decisions (Beacon queries, passport verification) go through a
  :class:`~onemg.access.audit.BufferedAudit` around it, so no request waits for SQL, while the
  DAC workflow appends synchronously; the buffer is flushed and stopped with the app's lifespan;
- installs the :class:`~onemg.access.clearinghouse.PassportVerifier` when the node trusts at
  least one issuer (``[access] trusted_issuers``) and the caller passed no verifier;
- mounts the DAC / visa-issuer / JWKS routes;
- reads time from ``app.state.clock`` (``time.time``), which tests may replace.

Nothing touches the disk or the database when the app is created: the node key and the stores
are set up on first use (once per worker process, through :class:`onemg.lazy.Lazy`) over the
node's one engine (``database``, shared with the Beacon's catalogue), and the JWKS
``httpx.AsyncClient`` is closed with the app's lifespan.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from onemg.access.api import NodeAccess, anchored_audit, build_node_access
from onemg.access.audit import BufferedAudit
from onemg.access.duo import DataUse
from onemg.access.routes_node import node_router
from onemg.db import open_database
from onemg.errors import NotFoundError
from onemg.lazy import Lazy
from onemg.security import AuditSink, CredentialVerifier, DeferredAudit, DeferredVerifier
from onemg.settings import Settings

JWKS_TIMEOUT_S = 10.0


class NodeAccessRuntime:
    """The node's :class:`NodeAccess` as an app holds it: built on first use, closed at exit.

    Calling it returns the :class:`NodeAccess` (a provider, as ``node_router`` expects).
    """

    def __init__(self, settings: Settings, *, database: Lazy[Engine],
                 audit: AuditSink | None, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._database = database
        self._audit = audit
        self._clock = clock
        self.http = httpx.AsyncClient(timeout=JWKS_TIMEOUT_S, follow_redirects=False)
        #: The per-request audit buffer (``None`` until built, or when the caller passed a sink).
        self.buffered: BufferedAudit | None = None
        self._access: Lazy[NodeAccess] = Lazy(self._build)

    def __call__(self) -> NodeAccess:
        return self._access()

    def _build(self) -> NodeAccess:
        from onemg.catalogue import Catalogue

        engine = self._database()
        catalogue = Catalogue(engine)

        def known_datasets() -> list[str]:
            return [d.id for d in catalogue.datasets()]

        def data_use(dataset_id: str) -> DataUse | None:
            try:
                conditions = catalogue.dataset(dataset_id).descriptor.get("dataUseConditions")
            except NotFoundError:
                return None
            return DataUse.from_beacon(conditions) if conditions else None

        audit, request_audit = self._audit, None
        if audit is None:
            chain = anchored_audit(self._settings, engine, self._clock)
            self.buffered = BufferedAudit(chain)
            audit, request_audit = chain, self.buffered
        return build_node_access(self._settings, engine=engine, http=self.http,
                                 known_datasets=known_datasets, data_use=data_use,
                                 audit=audit, request_audit=request_audit, clock=self._clock)

    def request_audit(self) -> AuditSink:
        """The sink for per-request decisions (buffered unless the caller passed a sink)."""
        access = self()
        return self.buffered if self.buffered is not None else access.audit

    async def aclose(self) -> None:
        """Flush the buffered audit and close the HTTP client (the engine is the app's)."""
        try:
            if self.buffered is not None:
                await run_in_threadpool(self.buffered.close)
        finally:
            await self.http.aclose()


def attach_node_access(
    app: FastAPI,
    settings: Settings,
    *,
    database: Lazy[Engine] | None = None,
    verifier: CredentialVerifier | None = None,
    audit: AuditSink | None = None,
) -> NodeAccessRuntime:
    """Wire controlled access into ``app`` (see the module docstring).

    ``database`` is the node's one engine (``create_node_app`` shares it with the catalogue);
    default: this app opens (and disposes of) its own.
    """
    app.state.clock = time.time

    def clock() -> float:
        return app.state.clock()

    owned = database is None
    database = database or Lazy(lambda: open_database(settings.db_url))
    lazy = NodeAccessRuntime(settings, database=database, audit=audit, clock=clock)
    app.state.access = lazy
    if audit is None:
        app.state.audit = DeferredAudit(lazy.request_audit)
    if verifier is None and settings.access.trusted_issuers:
        app.state.verifier = DeferredVerifier(lambda: lazy().verifier)
    app.include_router(node_router(lazy))

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:
            try:
                yield state
            finally:
                await lazy.aclose()
                if owned and (engine := database.if_built()) is not None:
                    engine.dispose()

    app.router.lifespan_context = lifespan
    return lazy

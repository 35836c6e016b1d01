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

Nothing touches the disk or the database when the app is created: the node key, the schema
migration and the stores are set up on first use (once per worker process), and the JWKS
``httpx.AsyncClient`` is closed with the app's lifespan.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from onemg.access.api import NodeAccess, anchored_audit, build_node_access
from onemg.access.audit import BufferedAudit
from onemg.access.duo import DataUse
from onemg.access.routes_node import node_router
from onemg.errors import NotFoundError
from onemg.security import AuditSink, CredentialVerifier, Principal
from onemg.settings import Settings

JWKS_TIMEOUT_S = 10.0


class LazyNodeAccess:
    """Builds the node's :class:`NodeAccess` on first use (thread-safe, once)."""

    def __init__(self, settings: Settings, *, audit: AuditSink | None,
                 clock: Callable[[], float]) -> None:
        self._settings = settings
        self._audit = audit
        self._clock = clock
        self._lock = threading.Lock()
        self._access: NodeAccess | None = None
        self.http = httpx.AsyncClient(timeout=JWKS_TIMEOUT_S, follow_redirects=False)
        self._engine: Any = None
        self.buffered: BufferedAudit | None = None

    def __call__(self) -> NodeAccess:
        if self._access is None:
            with self._lock:
                if self._access is None:
                    self._access = self._build()
        return self._access

    def _build(self) -> NodeAccess:
        from onemg.catalogue import Catalogue
        from onemg.db import make_engine, migrate

        self._settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self._settings.db_url)
        migrate(engine)
        self._engine = engine
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
        """Flush the buffered audit, close the HTTP client and the engine."""
        try:
            if self.buffered is not None:
                await run_in_threadpool(self.buffered.close)
        finally:
            await self.http.aclose()
            if self._engine is not None:
                self._engine.dispose()


class _LazyVerifier:
    def __init__(self, lazy: LazyNodeAccess) -> None:
        self._lazy = lazy

    async def verify(self, token: str | None) -> Principal:
        return await self._lazy().verifier.verify(token)


class _LazyAudit:
    def __init__(self, lazy: LazyNodeAccess) -> None:
        self._lazy = lazy

    def record(self, **entry: Any) -> None:
        self._lazy.request_audit().record(**entry)


def attach_node_access(
    app: FastAPI,
    settings: Settings,
    *,
    verifier: CredentialVerifier | None = None,
    audit: AuditSink | None = None,
) -> LazyNodeAccess:
    """Wire controlled access into ``app`` (see the module docstring)."""
    app.state.clock = time.time

    def clock() -> float:
        return app.state.clock()

    lazy = LazyNodeAccess(settings, audit=audit, clock=clock)
    app.state.access = lazy
    if audit is None:
        app.state.audit = _LazyAudit(lazy)
    if verifier is None and settings.access.trusted_issuers:
        app.state.verifier = _LazyVerifier(lazy)
    app.include_router(node_router(lazy))

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with inner(a) as state:
            try:
                yield state
            finally:
                await lazy.aclose()

    app.router.lifespan_context = lifespan
    return lazy

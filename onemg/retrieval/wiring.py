"""Plugging retrieval into the node app: one call from ``onemg.web.node_app``.

The service is built on the first request (so the verifier, the audit sink and the clock that
the access capability put on ``app.state`` are the ones used) and finds each dataset's served
version through the node's data (``app.state.store``), which follows re-ingests.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from fastapi import FastAPI

from onemg.retrieval.routes import build_router
from onemg.retrieval.service import RetrievalService
from onemg.settings import Settings


def attach_retrieval(app: FastAPI, settings: Settings) -> None:
    """Mount the htsget, block and file routes on ``app``."""
    lock = threading.Lock()
    built: list[RetrievalService] = []

    def locate(dataset_id: str) -> tuple[str, Path] | None:
        store = app.state.store
        store.refresh_if_stale()
        handle = store.handles.get(dataset_id)
        if handle is None:
            return None
        return handle.version, Path(settings.data_dir) / handle.info.data_path

    def provider() -> RetrievalService:
        if not built:
            with lock:
                if not built:
                    state = app.state
                    built.append(
                        RetrievalService(
                            settings,
                            locate=locate,
                            verifier=state.verifier,
                            audit=state.audit,
                            # app.state.clock (access wiring) is replaceable by tests
                            clock=lambda: state.clock() if hasattr(state, "clock") else time.time(),
                        )
                    )
        return built[0]

    app.state.retrieval = provider
    app.include_router(build_router())

"""The same questions answered by a node app's Beacon service in this process, without HTTP.

For long evaluations only (``benchmarks/bench_privacy.py``): at 10,000 questions per target the
HTTP plumbing (client, middleware, routing, thread hand-off) costs several times the answer
itself. :class:`NodeOracle` parses the same query string and calls the same function as the
node's ``/api`` routes (:func:`onemg.beacon.service.answer`, with the app's store, settings,
audit and privacy guard), and maps errors to the statuses the routes give (``status_for``), so
every defence decides exactly as it would over HTTP; tests/privacy/test_attack_inprocess.py
holds the two oracles to the same answers. ``onemg privacy attack`` stays HTTP-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import FastAPI

from onemg.beacon import service
from onemg.beacon.routes import BeaconJSON
from onemg.beacon.service import Source
from onemg.errors import OnemgError
from onemg.privacy.attacks.oracle import BeaconOracle
from onemg.protocol.request import from_query_string
from onemg.protocol.vocabulary import BY_PATH
from onemg.web.errors import status_for


class NodeOracle(BeaconOracle):
    """One account's questions to the node app ``app`` (its lifespan must be running)."""

    def __init__(
        self,
        app: FastAPI,
        *,
        dataset_ids: Sequence[str] | None = None,
        token: str | None = None,
        prefix: str = "/api",
    ) -> None:
        super().__init__(
            None,  # type: ignore[arg-type]  # no HTTP client: _fetch calls the service
            dataset_ids=dataset_ids, token=token, prefix=prefix,
        )  # fmt: skip
        self.app = app

    async def _fetch(self, path: str, params: dict[str, str]) -> tuple[int, Any, str]:
        where = f"in-process {self.prefix}{path}"
        state = self.app.state
        parts = path.strip("/").split("/")
        try:
            target = BY_PATH[parts[-1] if len(parts) != 2 else parts[0]]
        except KeyError:
            return 404, None, where
        source = Source(parts[0], parts[1]) if len(parts) > 1 else None
        try:
            request = from_query_string(
                params,
                [params["filters"]] if "filters" in params else [],
                max_page=state.settings.beacon.max_page_size,
            )
            principal = await state.verifier.verify(self.token)
            body = service.answer(
                state.store, request, target, principal,
                settings=state.settings.beacon, audit=state.audit,
                privacy=getattr(state, "privacy", None), source=source, origin=None,
            )  # fmt: skip
        except OnemgError as exc:
            return status_for(exc), None, f"{where}: {exc}"
        # Through the routes' own JSON rendering: the attacker reads what the wire would carry.
        return 200, orjson.loads(BeaconJSON(body).body), where

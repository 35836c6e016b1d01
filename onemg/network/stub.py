"""A canned Beacon v2 member for fault drills, tests and benchmarks.

Run ``python -m onemg.network.stub --port 8201 --country FI --mode ok``. It answers every entry
query with the same per-dataset counts, and can be told to misbehave, at start-up (``--mode``)
or at run time (``POST /_stub/mode?mode=...``), so a test can watch the hub recover:

- ``ok``: valid Beacon answers (``--counts 12,3`` gives two datasets; counts below ``--k`` are
  floored to ``k`` the way onemg nodes do, with ``countPrecision: imprecise``);
- ``slow``: valid answers after ``--delay`` seconds;
- ``error``: HTTP 500 with a Beacon error body;
- ``garbage``: HTTP 200 with a body that is not JSON;
- ``invalid``: HTTP 200 with JSON that is not a Beacon response.

This is not a Beacon implementation; it never looks at the query beyond its granularity.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MODES = ("ok", "slow", "error", "garbage", "invalid")


@dataclass
class StubConfig:
    """How the stub presents itself and (mutable, per app) how it behaves."""

    country: str
    beacon_id: str
    counts: tuple[int, ...] = (12,)
    k: int = 5
    mode: str = "ok"
    delay_s: float = 5.0


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _meta(cfg: StubConfig, granularity: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "beaconId": cfg.beacon_id,
        "apiVersion": "v2.2.0",
        "returnedSchemas": [],
    }
    if granularity:
        meta["returnedGranularity"] = granularity
        meta["receivedRequestSummary"] = {
            "apiVersion": "v2.0.0",
            "requestedSchemas": [],
            "pagination": {"skip": 0, "limit": 10},
            "requestedGranularity": granularity,
        }
    return meta


def _count(value: int, k: int) -> dict[str, Any]:
    if 0 < value < k:
        return {"count": k, "countPrecision": "imprecise", "countAdjustedTo": [k]}
    return {"count": value, "countPrecision": "exact"}


def entry_body(cfg: StubConfig, granularity: str) -> dict[str, Any]:
    """The canned answer to any entry query at ``granularity``."""
    granularity = "count" if granularity == "record" else granularity
    cc = cfg.country.lower()
    sets = []
    for i, value in enumerate(cfg.counts):
        c = _count(value, cfg.k)
        rs = {
            "id": f"stub-{cc}-{i}",
            "setType": "dataset",
            "exists": c["count"] > 0,
            "resultsCount": c["count"],
            "results": [],
            "countPrecision": c["countPrecision"],
        }
        if "countAdjustedTo" in c:
            rs["countAdjustedTo"] = c["countAdjustedTo"]
        sets.append(rs)
    total = sum(rs["resultsCount"] for rs in sets)
    summary: dict[str, Any] = {"exists": total > 0}
    body: dict[str, Any] = {"meta": _meta(cfg, granularity), "responseSummary": summary}
    if granularity == "count":
        adjusted = any(rs["countPrecision"] != "exact" for rs in sets)
        summary.update(numTotalResults=total, countPrecision="imprecise" if adjusted else "exact")
        if adjusted:
            summary["countAdjustedTo"] = [total]
        body["response"] = {"resultSets": [rs for rs in sets if rs["exists"]]}
    return body


def create_stub_app(cfg: StubConfig) -> Starlette:
    """A stub member app; ``cfg.mode`` may be changed at run time through ``/_stub/mode``."""

    async def query(request: Request) -> Response:
        if cfg.mode == "slow":
            await asyncio.sleep(cfg.delay_s)
        if cfg.mode == "error":
            return _json(
                {
                    "meta": _meta(cfg, "boolean"),
                    "error": {"errorCode": 500, "errorMessage": "stub: induced failure"},
                },
                500,
            )
        if cfg.mode == "garbage":
            return Response(b"<html>502 Bad Gateway</html>{", media_type="application/json")
        if cfg.mode == "invalid":
            return _json({"meta": {"beaconId": cfg.beacon_id}, "responseSummary": {"exists": 3}})
        granularity = request.query_params.get("requestedGranularity", "boolean")
        if request.method == "POST":
            body = orjson.loads(await request.body() or b"{}")
            granularity = body.get("query", {}).get("requestedGranularity", "boolean")
        return _json(entry_body(cfg, granularity))

    async def info(request: Request) -> Response:
        return _json(
            {
                "meta": _meta(cfg),
                "response": {
                    "id": cfg.beacon_id,
                    "name": f"stub member {cfg.country}",
                    "apiVersion": "v2.2.0",
                    "environment": "dev",
                    "organization": {"id": "stub", "name": "stub"},
                },
            }
        )

    async def beacon_map(request: Request) -> Response:
        root = str(request.base_url).rstrip("/") + "/api"
        return _json(
            {
                "meta": _meta(cfg),
                "response": {
                    "$schema": "beaconMapSchema.json",
                    "endpointSets": {
                        "individual": {"entryType": "individual", "rootUrl": f"{root}/individuals"},
                        "genomicVariation": {
                            "entryType": "genomicVariation",
                            "rootUrl": f"{root}/g_variants",
                        },
                    },
                },
            }
        )

    async def configuration(request: Request) -> Response:
        return _json(
            {
                "meta": _meta(cfg),
                "response": {
                    "$schema": "beaconConfigurationSchema.json",
                    "maturityAttributes": {"productionStatus": "DEV"},
                    "securityAttributes": {
                        "defaultGranularity": "boolean",
                        "securityLevels": ["PUBLIC"],
                    },
                    "entryTypes": {},
                },
            }
        )

    async def filtering_terms(request: Request) -> Response:
        return _json(
            {
                "meta": _meta(cfg),
                "response": {
                    "filteringTerms": [
                        {
                            "type": "ontologyTerm",
                            "id": "HP:0001250",
                            "label": "Seizure",
                            "scopes": ["individual"],
                        },
                        {
                            "type": "ontologyTerm",
                            "id": f"stub:{cfg.country}",
                            "scopes": ["individual"],
                        },
                    ],
                    "resources": [],
                },
            }
        )

    async def set_mode(request: Request) -> Response:
        mode = request.query_params.get("mode", "")
        if mode not in MODES:
            return _json({"error": f"mode must be one of {MODES}"}, 400)
        cfg.mode = mode
        return _json({"mode": mode})

    routes = [
        Route("/api/info", info),
        Route("/api", info),
        Route("/api/map", beacon_map),
        Route("/api/configuration", configuration),
        Route("/api/filtering_terms", filtering_terms),
        Route("/_stub/mode", set_mode, methods=["POST"]),
        Route("/api/{path:path}", query, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: run one stub member with uvicorn."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--country", default="XX")
    parser.add_argument("--beacon-id", default=None)
    parser.add_argument("--counts", default="12", help="comma-separated per-dataset counts")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--mode", choices=MODES, default="ok")
    parser.add_argument("--delay", type=float, default=5.0)
    args = parser.parse_args(argv)
    cfg = StubConfig(
        country=args.country.upper(),
        beacon_id=args.beacon_id or f"eu.onemg.stub.{args.country.lower()}",
        counts=tuple(int(c) for c in args.counts.split(",") if c),
        k=args.k,
        mode=args.mode,
        delay_s=args.delay,
    )
    uvicorn.run(
        create_stub_app(cfg), host=args.host, port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()

"""A canned Beacon v2 member for fault drills, tests and benchmarks.

Run ``python -m onemg.demo.stub --port 8201 --country FI --mode ok``. It answers every entry
query with the same per-dataset counts, and can be told to misbehave, at start-up (``--mode``)
or at run time (``POST /_stub/mode?mode=...``), so a test can watch the hub recover:

- ``ok``: valid Beacon answers (``--counts 12,3`` gives two datasets; counts below ``--k`` are
  floored to ``k`` the way onemg nodes do, with ``countPrecision: imprecise``);
- ``slow``: valid answers after ``--delay`` seconds;
- ``error``: HTTP 500 with a Beacon error body;
- ``garbage``: HTTP 200 with a body that is not JSON;
- ``invalid``: HTTP 200 with JSON that is not a Beacon response.

This is not a Beacon implementation: it parses requests with onemg's protocol code (so it
refuses malformed ones with 400 exactly as a node does) but answers from its canned counts.
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

from onemg.errors import InvalidInputError
from onemg.protocol.request import BeaconRequest, from_query_string, parse_body
from onemg.protocol.vocabulary import API_VERSION, BY_PATH

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


def _meta(
    cfg: StubConfig, granularity: str | None = None, request: BeaconRequest | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "beaconId": cfg.beacon_id,
        "apiVersion": API_VERSION,
        "returnedSchemas": [],
    }
    if granularity:
        meta["returnedGranularity"] = granularity
        request = request or BeaconRequest(granularity=granularity)
        meta["receivedRequestSummary"] = request.summary()
    return meta


def _count(value: int, k: int) -> dict[str, Any]:
    if 0 < value < k:
        return {"count": k, "countPrecision": "imprecise", "countAdjustedTo": [k]}
    return {"count": value, "countPrecision": "exact"}


def entry_body(
    cfg: StubConfig, granularity: str, request: BeaconRequest | None = None
) -> dict[str, Any]:
    """The canned answer to any entry query at ``granularity`` (records are never given)."""
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
    body: dict[str, Any] = {
        "meta": _meta(cfg, granularity, request),
        "responseSummary": summary,
    }
    if granularity == "count":
        adjusted = any(rs["countPrecision"] != "exact" for rs in sets)
        summary.update(numTotalResults=total, countPrecision="imprecise" if adjusted else "exact")
        if adjusted:
            summary["countAdjustedTo"] = [total]
        body["response"] = {"resultSets": [rs for rs in sets if rs["exists"]]}
    return body


def _error(cfg: StubConfig, status: int, message: str) -> dict[str, Any]:
    return {
        "meta": _meta(cfg, "boolean"),
        "error": {"errorCode": status, "errorMessage": message},
    }


async def _parse(request: Request) -> BeaconRequest:
    if request.method == "GET":
        params = request.query_params
        return from_query_string(params, params.getlist("filters"), max_page=1000)
    raw = await request.body()
    try:
        payload = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"the body is not JSON ({exc.msg})") from exc
    return parse_body(payload, max_page=1000)


def create_stub_app(cfg: StubConfig) -> Starlette:
    """A stub member app; ``cfg.mode`` may be changed at run time through ``/_stub/mode``."""

    async def query(request: Request) -> Response:
        if cfg.mode == "slow":
            await asyncio.sleep(cfg.delay_s)
        if cfg.mode == "error":
            return _json(_error(cfg, 500, "stub: induced failure"), 500)
        if cfg.mode == "garbage":
            return Response(b"<html>502 Bad Gateway</html>{", media_type="application/json")
        if cfg.mode == "invalid":
            return _json({"meta": {"beaconId": cfg.beacon_id}, "responseSummary": {"exists": 3}})
        if request.path_params["path"].split("/", 1)[0] not in BY_PATH:
            return _json(_error(cfg, 404, "no such endpoint"), 404)
        try:
            breq = await _parse(request)
        except InvalidInputError as exc:
            return _json(_error(cfg, 400, str(exc)), 400)
        return _json(entry_body(cfg, breq.granularity, breq))

    async def info(request: Request) -> Response:
        return _json(
            {
                "meta": _meta(cfg),
                "response": {
                    "id": cfg.beacon_id,
                    "name": f"stub member {cfg.country}",
                    "apiVersion": API_VERSION,
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
                        "genomicVariant": {
                            "entryType": "genomicVariant",
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

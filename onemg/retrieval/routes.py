"""HTTP routes of retrieval (mounted at the node's root): htsget 1.3 for variants, signed data
blocks and whole Crypt4GH files. Routes parse, call the service, and answer; every error is the
htsget error document with its spec status."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from onemg.errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
)
from onemg.retrieval import htsget
from onemg.retrieval.service import Download, RetrievalService, reader_key
from onemg.security import Principal

#: Errors answered in htsget form; anything else (e.g. the audit log being down, 503) goes to
#: the node's own handlers.
_ANSWERED = (
    htsget.HtsgetError,
    AuthenticationError,
    AccessDeniedError,
    NotFoundError,
    InvalidInputError,
)
_CHUNK = 1 << 20
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _error(exc: Exception) -> JSONResponse:
    err = htsget.as_htsget(exc)  # type: ignore[arg-type]
    headers = {"WWW-Authenticate": 'Bearer realm="onemg"'} if err.status == 401 else None
    return JSONResponse(
        htsget.error_body(err),
        status_code=err.status,
        headers=headers,
        media_type="application/json",
    )


def _service(request: Request) -> RetrievalService:
    return request.app.state.retrieval()


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _stream(download: Download, start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes ``[start, end)`` of ``prefix + file[download.start:download.end]``."""
    prefix = download.prefix
    if start < len(prefix):
        yield prefix[start : min(end, len(prefix))]
    offset = max(start - len(prefix), 0) + download.start
    stop = end - len(prefix) + download.start
    if offset >= stop:
        return
    fd = await anyio.to_thread.run_sync(os.open, download.path, os.O_RDONLY)
    try:
        while offset < stop:
            data = await anyio.to_thread.run_sync(os.pread, fd, min(_CHUNK, stop - offset), offset)
            if not data:
                raise RuntimeError(f"{download.path} is shorter than its manifest says")
            offset += len(data)
            yield data
    finally:
        os.close(fd)


def build_router() -> APIRouter:
    """The retrieval routes (a new router per app)."""
    router = APIRouter(tags=["retrieval (htsget, Crypt4GH)"])

    @router.get("/api/htsget/variants/service-info")
    async def service_info(request: Request) -> Response:
        """GA4GH service-info of the htsget variants endpoint."""
        beacon = request.app.state.settings.beacon
        return JSONResponse(
            htsget.service_info(beacon.beacon_id, beacon.name, beacon.organization_name)
        )

    async def _ticket(request: Request, dataset_id: str, parse: Any) -> Response:
        svc = _service(request)
        principal: Principal | None = None
        try:
            principal, token = await svc.authorize(
                request.headers.get("authorization"), dataset_id, "htsget.ticket"
            )
            key = reader_key(request.headers)
            ticket_request = await parse()
            body = await run_in_threadpool(
                svc.ticket, principal, token, dataset_id, ticket_request, key, _base_url(request)
            )
        except _ANSWERED as exc:
            if principal is not None:
                svc.deny(principal, "htsget.ticket", dataset_id, exc)
            return _error(exc)
        return Response(
            json.dumps(body, separators=(",", ":")),
            media_type=htsget.TICKET_MEDIA_TYPE,
            headers={"Cache-Control": "no-store"},
        )

    @router.get("/api/htsget/variants/{dataset_id}")
    async def ticket_get(dataset_id: str, request: Request) -> Response:
        """An htsget ticket for a dataset's variants (VCF or BCF), Crypt4GH-encrypted for the
        key in ``Htsget-Context-Public-Key`` or ``X-C4GH-Public-Key``.

        Query: ``format``, ``class=header``, ``referenceName``, ``start`` (0-based), ``end``
        (exclusive). Needs a passport with a ControlledAccessGrants visa for the dataset.
        """

        async def parse() -> htsget.TicketRequest:
            return htsget.from_query(request.query_params)

        return await _ticket(request, dataset_id, parse)

    @router.post("/api/htsget/variants/{dataset_id}")
    async def ticket_post(dataset_id: str, request: Request) -> Response:
        """As GET, with a JSON body ``{format, class, regions: [{referenceName, start, end}]}``."""
        max_regions = request.app.state.settings.retrieval.max_regions

        async def parse() -> htsget.TicketRequest:
            if request.query_params:
                raise htsget.invalid_input(
                    "POST takes its parameters in the JSON body, not the query string"
                )
            raw = await request.body()
            if len(raw) > htsget.MAX_BODY:
                raise htsget.payload_too_large(f"request body over {htsget.MAX_BODY} bytes")
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise htsget.invalid_input("the request body is not valid JSON") from None
            return htsget.from_body(body, max_regions=max_regions)

        return await _ticket(request, dataset_id, parse)

    @router.get("/api/htsget/blocks/{dataset_id}", include_in_schema=False)
    async def block(
        dataset_id: str, request: Request, v: str = "", r: str = "", exp: str = "", sig: str = ""
    ) -> Response:
        """One data block of a ticket: a run of encrypted segments (signed URL + passport)."""
        svc = _service(request)
        principal: Principal | None = None
        try:
            principal, _ = await svc.authorize(
                request.headers.get("authorization"), dataset_id, "htsget.block"
            )
            download = await run_in_threadpool(
                svc.block,
                principal,
                dataset_id,
                version=v,
                byte_range=r,
                expires=exp,
                signature=sig,
            )
        except _ANSWERED as exc:
            if principal is not None:
                svc.deny(principal, "htsget.block", dataset_id, exc)
            return _error(exc)
        return StreamingResponse(
            _stream(download, 0, download.length),
            media_type="application/octet-stream",
            headers={"Content-Length": str(download.length), "Cache-Control": "no-store"},
        )

    # GET and HEAD as two routes: one route with both methods gives the OpenAPI document two
    # operations with one operationId (a warning, and /api/openapi.json fails under -W error).
    @router.head("/api/files/{dataset_id}", include_in_schema=False)
    @router.get("/api/files/{dataset_id}")
    async def whole_file(dataset_id: str, request: Request) -> Response:
        """The dataset's whole archived file as Crypt4GH, re-encrypted (header only) for the
        key in ``Htsget-Context-Public-Key`` or ``X-C4GH-Public-Key``; ``Range`` supported."""
        svc = _service(request)
        head = request.method == "HEAD"
        principal: Principal | None = None
        try:
            principal, _ = await svc.authorize(
                request.headers.get("authorization"), dataset_id, "files.download"
            )
            key = reader_key(request.headers)
            header, archived = await run_in_threadpool(
                svc.whole_file, principal, dataset_id, key, head=head
            )
        except _ANSWERED as exc:
            if principal is not None:
                svc.deny(principal, "files.download", dataset_id, exc)
            return _error(exc)
        download = Download(header, archived.body_path, 0, archived.manifest.body_size)
        total = download.length
        filename = f"{dataset_id}.{archived.manifest.name}.c4gh"
        headers = {
            "Accept-Ranges": "bytes",
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
        start, end, status = 0, total, 200
        spec = request.headers.get("range")
        if spec:
            match = _RANGE_RE.match(spec.strip())
            if match is None or match.group(1) == match.group(2) == "":
                return Response(status_code=416, headers={"Content-Range": f"bytes */{total}"})
            first, last = match.groups()
            if first == "":
                start = max(total - int(last), 0)
            else:
                start = int(first)
                end = min(int(last) + 1, total) if last else total
            if start >= total or start >= end:
                return Response(status_code=416, headers={"Content-Range": f"bytes */{total}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{total}"
        headers["Content-Length"] = str(end - start)
        if head:
            return Response(
                status_code=status, headers=headers, media_type="application/octet-stream"
            )
        return StreamingResponse(
            _stream(download, start, end),
            status_code=status,
            headers=headers,
            media_type="application/octet-stream",
        )

    return router

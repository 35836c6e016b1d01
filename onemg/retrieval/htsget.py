"""The htsget 1.3 protocol for variants: request parsing, tickets, errors, service-info.

Only the wire format lives here (hts-specs ``htsget.md``); who may read what is decided in
:mod:`onemg.retrieval.service`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from onemg import __version__
from onemg.errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    OnemgError,
)
from onemg.retrieval.plan import Region

TICKET_MEDIA_TYPE = "application/vnd.ga4gh.htsget.v1.3.0+json; charset=utf-8"
FORMATS = ("VCF", "BCF")
#: Largest POST body accepted (bytes).
MAX_BODY = 65_536


class HtsgetError(OnemgError):
    """An htsget error with its spec type and status."""

    def __init__(self, error: str, status: int, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.status = status


def unsupported_format(message: str) -> HtsgetError:
    """``UnsupportedFormat`` (400)."""
    return HtsgetError("UnsupportedFormat", 400, message)


def invalid_input(message: str) -> HtsgetError:
    """``InvalidInput`` (400)."""
    return HtsgetError("InvalidInput", 400, message)


def invalid_range(message: str) -> HtsgetError:
    """``InvalidRange`` (400)."""
    return HtsgetError("InvalidRange", 400, message)


def payload_too_large(message: str) -> HtsgetError:
    """``PayloadTooLarge`` (413)."""
    return HtsgetError("PayloadTooLarge", 413, message)


def as_htsget(exc: OnemgError) -> HtsgetError:
    """Map any onemg error to its htsget type and status."""
    if isinstance(exc, HtsgetError):
        return exc
    if isinstance(exc, AuthenticationError):
        return HtsgetError("InvalidAuthentication", 401, str(exc))
    if isinstance(exc, AccessDeniedError):
        return HtsgetError("PermissionDenied", 403, str(exc))
    if isinstance(exc, NotFoundError):
        return HtsgetError("NotFound", 404, str(exc))
    if isinstance(exc, InvalidInputError):
        return HtsgetError("InvalidInput", 400, str(exc))
    return HtsgetError("InvalidInput", 400, str(exc))


def error_body(err: HtsgetError) -> dict[str, Any]:
    """The spec's error document."""
    return {"htsget": {"error": err.error, "message": str(err)}}


@dataclass(frozen=True)
class TicketRequest:
    """A parsed htsget variants request."""

    format: str = "VCF"
    header_only: bool = False
    regions: tuple[Region, ...] | None = None  # None: the whole file


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise invalid_input(f"{name} must be an integer")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid_input(f"{name} must be an integer, got {value!r}") from None
    if number < 0 or number >= 1 << 32:
        raise invalid_input(f"{name} must be between 0 and 2^32-1, got {number}")
    return number


def _format(value: Any) -> str:
    fmt = "VCF" if value is None else value
    if fmt not in FORMATS:
        raise unsupported_format(f"format {value!r} is not served for variants; use VCF or BCF")
    return fmt


def _class(value: Any) -> bool:
    if value is None:
        return False
    if value != "header":
        raise invalid_input(f"class {value!r} is not valid; the only class is 'header'")
    return True


def from_query(params: Mapping[str, str]) -> TicketRequest:
    """Parse a GET request's query parameters."""
    fmt = _format(params.get("format"))
    header_only = _class(params.get("class"))
    ref, start, end = params.get("referenceName"), params.get("start"), params.get("end")
    if header_only:
        others = [k for k in params if k not in ("format", "class")]
        if others:
            raise invalid_input(f"class=header may only come with format, not {others}")
        return TicketRequest(fmt, True, None)
    if ref is None:
        if start is not None or end is not None:
            raise invalid_input("start and end need a referenceName")
        return TicketRequest(fmt, False, None)
    if ref == "*":
        raise invalid_input("referenceName '*' (unplaced reads) does not apply to variants")
    s = _int(start, "start") if start is not None else None
    e = _int(end, "end") if end is not None else None
    if s is not None and e is not None and s > e:
        raise invalid_range(f"start {s} is after end {e}")
    return TicketRequest(fmt, False, (Region(ref, s, e),))


def from_body(body: Any, *, max_regions: int) -> TicketRequest:
    """Parse a POST request's JSON body."""
    if not isinstance(body, dict):
        raise invalid_input("the request body must be a JSON object")
    fmt = _format(body.get("format"))
    header_only = _class(body.get("class"))
    regions = body.get("regions")
    if header_only:
        if regions is not None:
            raise invalid_input("class=header may only come with format, not regions")
        return TicketRequest(fmt, True, None)
    if regions is None:
        return TicketRequest(fmt, False, None)
    if not isinstance(regions, list) or not regions:
        raise invalid_input("regions must be a non-empty list; leave it out for the whole file")
    if len(regions) > max_regions:
        raise payload_too_large(f"{len(regions)} regions; at most {max_regions} per request")
    parsed = []
    for i, region in enumerate(regions):
        if not isinstance(region, dict) or not isinstance(region.get("referenceName"), str):
            raise invalid_input(f"regions[{i}] needs a referenceName string")
        ref = region["referenceName"]
        if ref == "*":
            raise invalid_input("referenceName '*' (unplaced reads) does not apply to variants")
        s = _int(region["start"], f"regions[{i}].start") if "start" in region else None
        e = _int(region["end"], f"regions[{i}].end") if "end" in region else None
        if s is not None and e is not None and s >= e:
            raise invalid_range(f"regions[{i}]: start {s} is not before end {e}")
        parsed.append(Region(ref, s, e))
    return TicketRequest(fmt, False, tuple(parsed))


@dataclass(frozen=True)
class BlockUrl:
    """One data block of a ticket."""

    url: str
    headers: Mapping[str, str]


def ticket(
    fmt: str, header: bytes, blocks: Sequence[BlockUrl], *, header_only: bool
) -> dict[str, Any]:
    """The ticket JSON: the reader's Crypt4GH header as a data URI, then the body blocks."""
    data = "data:application/vnd.ga4gh.crypt4gh;base64," + base64.b64encode(header).decode()
    urls: list[dict[str, Any]] = [{"url": data}]
    urls += [{"url": b.url, "headers": dict(b.headers)} for b in blocks]
    if header_only:  # class on all urls or none
        for url in urls:
            url["class"] = "header"
    return {"htsget": {"format": fmt, "urls": urls}}


def service_info(node_id: str, node_name: str, organization: str) -> dict[str, Any]:
    """GA4GH service-info for the variants endpoint."""
    return {
        "id": f"{node_id}.htsget",
        "name": f"{node_name} htsget",
        "type": {"group": "org.ga4gh", "artifact": "htsget", "version": "1.3.0"},
        "description": "htsget 1.3 for variants; every response is Crypt4GH-encrypted for the "
        "key in Htsget-Context-Public-Key or X-C4GH-Public-Key",
        "organization": {"name": organization, "url": "https://example.org"},
        "version": __version__,
        "htsget": {
            "datatype": "variants",
            "formats": list(FORMATS),
            "fieldsParameterEffective": False,
            "tagsParametersEffective": False,
        },
    }

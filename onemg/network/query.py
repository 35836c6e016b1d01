"""A Beacon query as the hub receives it: parsed once, forwarded unchanged to every member.

The hub parses and validates a request with the very code a node uses
(:mod:`onemg.protocol.request`), so the network accepts and refuses exactly what a node does, and
answers at the granularity a node would. It does not interpret variant or filter semantics
(members do); it keeps the exact query string or body to forward, and the normalised request for
its own answer (granularity, ``includeResultsetResponses``, ``receivedRequestSummary``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from onemg.protocol.request import BeaconRequest, from_query_string, parse_body
from onemg.protocol.vocabulary import EntryPath, resolve_entry_path


@dataclass(frozen=True)
class NetworkQuery:
    """One query to the network: where it goes, what is forwarded and what the hub echoes."""

    entry: EntryPath
    method: Literal["GET", "POST"]
    request: BeaconRequest
    #: GET: the query string forwarded as is. POST: the decoded body forwarded as JSON.
    query_string: str = ""
    body: Any = None

    @property
    def path(self) -> str:
        """Path below ``/api``, e.g. ``g_variants`` or ``individuals/ID/biosamples``."""
        return self.entry.path

    @property
    def entry_segment(self) -> str:
        """The first path segment (``g_variants``), as members list it in their ``/map``."""
        return self.entry.path.split("/", 1)[0]

    @property
    def granularity(self) -> str:
        """The granularity asked for (``boolean`` when none was given)."""
        return self.request.granularity

    @property
    def include(self) -> str:
        """``includeResultsetResponses`` (``HIT`` by default)."""
        return self.request.include

    @property
    def summary(self) -> dict[str, Any]:
        """The ``meta.receivedRequestSummary`` the hub answers with (as a node would)."""
        return self.request.summary()

    @property
    def is_collection(self) -> bool:
        """True for datasets and cohorts (answers carry ``collections``)."""
        return self.entry.is_collection


def from_get(
    path: str,
    params: Mapping[str, str],
    query_string: str,
    *,
    filters: list[str] | None = None,
    max_page: int,
) -> NetworkQuery:
    """Parse a GET query (Beacon parameters in the query string).

    ``filters`` are the values of every ``filters`` parameter (it may repeat); default: the
    one in ``params``.
    """
    entry = resolve_entry_path(path)
    if filters is None:
        filters = [params["filters"]] if params.get("filters") else []
    request = from_query_string(params, filters, max_page=max_page)
    return NetworkQuery(entry=entry, method="GET", request=request, query_string=query_string)


def from_post(path: str, body: Any, *, max_page: int) -> NetworkQuery:
    """Parse a POST query (a decoded Beacon request body; ``None`` when empty)."""
    entry = resolve_entry_path(path)
    request = parse_body(body, max_page=max_page, where=f"POST /api/{entry.path}")
    return NetworkQuery(entry=entry, method="POST", request=request, body=body)

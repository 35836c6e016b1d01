"""RDF over HTTP: choose JSON-LD or Turtle from the ``Accept`` header, and serialise.

JSON-LD is the default (a browser or a client without preference gets it); ``text/turtle``
gets Turtle. rdflib does the serialising; only the choice of format is ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from fastapi import Response
from rdflib import Graph

from onemg.dcat.vocab import PREFIXES
from onemg.errors import NotAcceptableError


@dataclass(frozen=True)
class RdfFormat:
    """One served RDF syntax: its media type and rdflib's name for it."""

    media_type: str
    rdflib_name: str


JSONLD = RdfFormat("application/ld+json", "json-ld")
TURTLE = RdfFormat("text/turtle", "turtle")
#: Media types we can answer, mapped to the syntax. ``application/json`` gets JSON-LD.
FORMATS = {
    "application/ld+json": JSONLD,
    "application/json": JSONLD,
    "text/turtle": TURTLE,
    "application/x-turtle": TURTLE,
}


def negotiate(accept: str | None, query_format: str | None = None) -> RdfFormat | None:
    """The format to answer with, or ``None`` if the client accepts none of ours (then 406).

    ``query_format`` (``?format=ttl`` or ``jsonld``) wins, for links in a browser. Otherwise the
    highest-``q`` media type we serve wins; ties go to the order in the header; ``*/*``,
    ``application/*`` and ``text/*`` match JSON-LD, JSON-LD and Turtle.
    """
    if query_format:
        return {"ttl": TURTLE, "turtle": TURTLE, "jsonld": JSONLD, "json-ld": JSONLD}.get(
            query_format.lower()
        )
    if not accept or not accept.strip():
        return JSONLD
    best: tuple[float, int, RdfFormat] | None = None
    for order, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        fmt = FORMATS.get(media) or {"*/*": JSONLD, "application/*": JSONLD, "text/*": TURTLE}.get(
            media
        )
        if fmt is not None and (best is None or (q, -order) > (best[0], -best[1])):
            best = (q, order, fmt)
    return best[2] if best else None


def serialise(graph: Graph, fmt: RdfFormat) -> bytes:
    """The graph in ``fmt`` (JSON-LD uses the catalogue's prefixes as its ``@context``)."""
    if fmt is JSONLD:
        context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        return graph.serialize(
            format="json-ld", context=context, auto_compact=True, encoding="utf-8"
        )
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")


def rdf_response(graph: Graph, fmt: RdfFormat) -> Response:
    """An HTTP response carrying the graph (``Vary: Accept``: caches keep both formats)."""
    return Response(serialise(graph, fmt), media_type=fmt.media_type, headers={"Vary": "Accept"})


def not_acceptable(path: str) -> NoReturn:
    """Refuse with 406 naming what the client can ask for instead (the app's error map answers
    it in the path's error shape: a Beacon error under ``/api``)."""
    raise NotAcceptableError(
        f"{path} is served as application/ld+json (default) or text/turtle; "
        "send one of these in Accept, or add ?format=jsonld or ?format=ttl"
    )


#: OpenAPI ``responses`` of an RDF route: what 200 carries, and the 406 for other formats.
RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The resource as JSON-LD (default) or Turtle",
        "content": {"application/ld+json": {}, "text/turtle": {}},
    },
    406: {"description": "Accept names neither application/ld+json nor text/turtle"},
}

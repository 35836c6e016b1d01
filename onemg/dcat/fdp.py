"""The node's catalogue as a FAIR Data Point (FDP v1.2), under ``/fdp``.

Resources (JSON-LD or Turtle, by ``Accept`` as for ``/api/catalogue``):

* ``/fdp`` the repository (``fdp-o:FAIRDataPoint``, a ``dcat:DataService``);
* ``/fdp/catalog`` the LDP container of catalogues, ``/fdp/catalog/node`` the node's catalogue;
* ``/fdp/dataset/{id}`` and ``/fdp/distribution/{id}-{beacon|htsget}``;
* ``/fdp/profile/{fdp|catalog|dataset|distribution}`` their profiles (W3C PROF), each naming its
  SHACL shapes, served at ``/fdp/shacl/{name}``;
* ``.../valid`` after any resource: pyshacl's report against those shapes (``text/plain``, with
  ``X-SHACL-Conforms: true|false``).

The DCAT graph is the same as ``/api/catalogue``'s, with IRIs minted under ``/fdp`` and the FDP
metadata (profile, issued/modified, parent) added to every resource.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from onemg.dcat.build import IriScheme, dataset_subgraph, new_graph, node_catalogue
from onemg.dcat.formats import RDF_RESPONSES, negotiate, not_acceptable, rdf_response
from onemg.dcat.routes import base_url
from onemg.dcat.shapes import SHAPES_DIR, dcat_ap_shapes, validate
from onemg.dcat.vocab import DCAT, DCT, FDP, LDP, PROF
from onemg.errors import NotFoundError

FDP_PATH = "/fdp"
FDP_IRIS = IriScheme(
    catalogue=FDP_PATH + "/catalog/node",
    dataset=FDP_PATH + "/dataset/{id}",
    distribution=FDP_PATH + "/distribution/{id}-{kind}",
)
FDP_SPEC = URIRef("https://specs.fairdatapoint.org/fdp-specs-v1.2.html")
DCAT_AP = URIRef("https://semiceu.github.io/DCAT-AP/releases/3.0.1")
SHACL_SPEC = URIRef("https://www.w3.org/TR/shacl/")
PROFILES = ("fdp", "catalog", "dataset", "distribution")


@functools.cache
def fdp_shapes() -> Graph:
    """The DCAT-AP 3.0.1 shapes plus onemg's FDP metadata shapes (``fdp-1.2.ttl``)."""
    g = Graph()
    for triple in dcat_ap_shapes():
        g.add(triple)
    g.parse(SHAPES_DIR.parent / "fdp-1.2.ttl", format="turtle")
    return g


def _when(value: datetime) -> Literal:
    # The store's timestamps are UTC; SQLite gives them back without a zone.
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return Literal(aware.astimezone(UTC).isoformat(), datatype=XSD.dateTime)


def _profile_iri(base: str, name: str) -> URIRef:
    iri = URIRef(f"{base}{FDP_PATH}/profile/{name}")
    return iri


def fdp_graph(request: Request, started: datetime) -> Graph:
    """The whole FDP: repository, catalogue, datasets and distributions, with FDP metadata."""
    app = request.app
    store = app.state.store
    store.refresh_if_stale()
    infos = [h.info for h in store.datasets()]
    base = base_url(request)
    g = node_catalogue(app.state.settings, infos, base, FDP_IRIS)
    root = URIRef(base + FDP_PATH)
    cat = FDP_IRIS.catalogue_iri(base)

    def meta(
        node: URIRef, profile: str, parent: URIRef | None, issued: datetime, modified: datetime
    ) -> None:
        prof = _profile_iri(base, profile)
        g.add((prof, RDF.type, DCT.Standard))  # prof:Profile is a dct:Standard
        g.add((prof, RDF.type, PROF.Profile))
        g.add((node, DCT.conformsTo, prof))
        g.set((node, FDP.metadataIssued, _when(issued)))
        g.set((node, FDP.metadataModified, _when(modified)))
        if parent is not None:
            g.set((node, DCT.isPartOf, parent))

    newest = max((i.created for i in infos), default=started)
    oldest = min((i.created for i in infos), default=started)
    for cls in (FDP.FAIRDataPoint, FDP.MetadataService, DCAT.DataService, DCAT.Resource):
        g.add((root, RDF.type, cls))
    settings = app.state.settings
    g.set((root, DCT.title, Literal(f"{settings.beacon.name}: FAIR Data Point", lang="en")))
    g.set(
        (
            root,
            DCT.description,
            Literal(
                "FAIR Data Point v1.2 of a 1+ Million Genomes node: its DCAT-AP 3 catalogue.",
                lang="en",
            ),
        )
    )
    g.add((root, RDFS.label, Literal(f"{settings.beacon.name}: FAIR Data Point", lang="en")))
    g.add((root, DCAT.endpointURL, root))
    g.add((root, RDF.type, RDFS.Resource))
    g.add((root, FDP.conformsToFdpSpec, FDP_SPEC))
    g.add((root, FDP.metadataCatalog, cat))
    for p in (DCT.publisher, DCAT.contactPoint):
        for o in g.objects(cat, p):
            g.add((root, p, o))
    meta(root, "fdp", None, oldest, newest)
    meta(cat, "catalog", root, oldest, newest)
    for info in infos:
        ds = FDP_IRIS.dataset_iri(base, info.id)
        meta(ds, "dataset", cat, info.created, info.created)
        for kind in ("beacon", "htsget"):
            meta(
                FDP_IRIS.distribution_iri(base, info.id, kind),
                "distribution",
                ds,
                info.created,
                info.created,
            )
    return g


def container_graph(base: str) -> Graph:
    """``/fdp/catalog``: the LDP direct container listing the node's one catalogue."""
    g = new_graph()
    node = URIRef(f"{base}{FDP_PATH}/catalog")
    g.add((node, RDF.type, LDP.DirectContainer))
    g.add((node, DCT.title, Literal("Catalogues", lang="en")))
    g.add((node, LDP.membershipResource, URIRef(base + FDP_PATH)))
    g.add((node, LDP.hasMemberRelation, FDP.metadataCatalog))
    g.add((node, LDP.contains, FDP_IRIS.catalogue_iri(base)))
    return g


def profile_graph(base: str, name: str) -> Graph:
    """A W3C PROF profile: DCAT-AP 3.0.1 plus FDP metadata, validated by ``/fdp/shacl/{name}``."""
    g = new_graph()
    node = _profile_iri(base, name)
    g.add((node, RDF.type, PROF.Profile))
    g.add((node, RDFS.label, Literal(f"onemg FDP v1.2 / DCAT-AP 3.0.1 {name} profile", lang="en")))
    g.add((node, PROF.isProfileOf, DCAT_AP))
    descriptor = URIRef(f"{node}#shacl")
    g.add((node, PROF.hasResource, descriptor))
    g.add((descriptor, RDF.type, PROF.ResourceDescriptor))
    g.add((descriptor, RDFS.label, Literal("SHACL shapes", lang="en")))
    g.add((descriptor, DCT.conformsTo, SHACL_SPEC))
    g.add(
        (
            descriptor,
            DCT["format"],
            URIRef("https://www.iana.org/assignments/media-types/text/turtle"),
        )
    )
    g.add((descriptor, PROF.hasRole, URIRef("http://www.w3.org/ns/dx/prof/role/validation")))
    g.add((descriptor, PROF.hasArtifact, URIRef(f"{base}{FDP_PATH}/shacl/{name}")))
    return g


def _report(graph: Graph) -> Response:
    result = validate(graph, fdp_shapes())
    return Response(
        result.text,
        media_type="text/plain; charset=utf-8",
        headers={"X-SHACL-Conforms": str(result.conforms).lower()},
    )


def build_fdp_router() -> APIRouter:
    """The FAIR Data Point routes (see the module docstring).

    The FDP graph has its own IRIs and is built per request: it is small, and FDP harvesters
    call rarely.
    """
    router = APIRouter(prefix=FDP_PATH, tags=["fair data point"])
    started = datetime.now(UTC)

    def resource(request: Request) -> tuple[str, Graph]:
        """The graph for the resource this request names (without a trailing ``/valid``)."""
        base = base_url(request)
        path = request.url.path.removesuffix("/valid").removeprefix(FDP_PATH)
        if path in ("", "/"):
            g = fdp_graph(request, started)
            return base, dataset_subgraph(g, URIRef(base + FDP_PATH), stop=(FDP.metadataCatalog,))
        if path == "/catalog":
            return base, container_graph(base)
        if path == "/catalog/node":
            return base, fdp_graph(request, started)
        if path.startswith("/profile/") and path.removeprefix("/profile/") in PROFILES:
            return base, profile_graph(base, path.removeprefix("/profile/"))
        for prefix in ("/dataset/", "/distribution/"):
            if path.startswith(prefix):
                g = fdp_graph(request, started)
                sub = dataset_subgraph(g, URIRef(base + FDP_PATH + path))
                if len(sub):
                    return base, sub
        raise NotFoundError(
            f"no FAIR Data Point resource at {FDP_PATH}{path}; start at "
            f"{FDP_PATH} (its fdp-o:metadataCatalog links lead to the rest)"
        )

    def answer(request: Request, format: str | None = None) -> Response:
        fmt = negotiate(request.headers.get("accept"), format)
        if fmt is None:
            return not_acceptable(request.url.path)
        return rdf_response(resource(request)[1], fmt)

    def valid(request: Request) -> Response:
        return _report(resource(request)[1])

    for path in (
        "",
        "/catalog",
        "/catalog/node",
        "/dataset/{dataset_id}",
        "/distribution/{distribution_id}",
        "/profile/{name}",
    ):
        router.add_api_route(
            path,
            answer,
            methods=["GET"],
            response_class=Response,
            responses=RDF_RESPONSES,
            summary=f"FDP resource {FDP_PATH}{path} (JSON-LD or Turtle)",
        )
        router.add_api_route(
            path + "/valid",
            valid,
            methods=["GET"],
            response_class=Response,
            responses={200: {"description": "pyshacl's report", "content": {"text/plain": {}}}},
            summary=f"SHACL report of {FDP_PATH}{path}",
        )

    @router.get(
        "/shacl/{name}",
        response_class=Response,
        responses=RDF_RESPONSES,
        summary="The SHACL shapes of an FDP profile",
    )
    def shacl(request: Request, name: str, format: str | None = None) -> Response:
        if name not in PROFILES:
            raise NotFoundError(f"no SHACL shapes named {name!r}; known: {list(PROFILES)}")
        fmt = negotiate(request.headers.get("accept"), format)
        if fmt is None:
            return not_acceptable(request.url.path)
        return rdf_response(fdp_shapes(), fmt)

    return router

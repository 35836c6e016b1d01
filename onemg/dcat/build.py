"""A node's DCAT-AP 3 catalogue as an rdflib graph, from its published datasets.

One ``dcat:Catalog`` (the node) lists one ``dcat:Dataset`` per published dataset and two
``dcat:DataService``s: the Beacon v2 API and the htsget endpoint. Each dataset has two
distributions, one per service (``dcat:accessService``). Live figures (number of individuals,
the published version's date) come from the catalogue store; the rest from the dataset
descriptor, with node-wide defaults from ``[catalogue]`` settings. See docs/catalogue.md.

Every resource has an IRI under the node's base URL (no blank nodes except inside the ODRL
policy), so that the hub can merge member catalogues without clashes and a harvester can
dereference them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef

from onemg.catalogue.beacon_records import COUNTRY_NAMES
from onemg.dcat.vocab import (
    ACCESS_RIGHT,
    ACCESS_RIGHTS,
    ALPHA3,
    COUNTRY,
    DATA_THEME,
    DCAT,
    DCATAP,
    DCT,
    DPV,
    EHDS,
    ELI,
    FOAF,
    HEALTH,
    LANGUAGE,
    ODRL,
    PREFIXES,
    SKOS,
    STANDARDS,
    VCARD,
    duo_iri,
)
from onemg.settings import Settings

#: The path the catalogue is served at, under a node's or the hub's base URL.
CATALOGUE_PATH = "/api/catalogue"


@dataclass(frozen=True)
class Publisher:
    """Who publishes a catalogue and whom to contact (node-wide; descriptors may override)."""

    name: str
    url: str | None
    contact_name: str
    contact_email: str
    health_category: str
    legal_basis: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Publisher:
        """The node's publisher from ``[catalogue]`` (name defaults to the Beacon organisation)."""
        c = settings.catalogue
        return cls(
            name=c.publisher_name or settings.beacon.organization_name,
            url=c.publisher_url,
            contact_name=c.contact_name,
            contact_email=c.contact_email,
            health_category=c.health_category,
            legal_basis=c.legal_basis,
        )


def new_graph() -> Graph:
    """An empty graph with the catalogue's prefixes bound (readable Turtle)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


@dataclass(frozen=True)
class IriScheme:
    """Where the catalogue's own resources live (paths under the base URL; every IRI resolves).

    The default is ``/api/catalogue``; the FAIR Data Point mints its resources under ``/fdp``.
    """

    catalogue: str = CATALOGUE_PATH
    dataset: str = CATALOGUE_PATH + "/datasets/{id}"
    distribution: str = CATALOGUE_PATH + "/datasets/{id}#{kind}"

    def catalogue_iri(self, base: str) -> URIRef:
        """The catalogue's IRI."""
        return URIRef(base.rstrip("/") + self.catalogue)

    def dataset_iri(self, base: str, dataset_id: str) -> URIRef:
        """A dataset's IRI."""
        return URIRef(base.rstrip("/") + self.dataset.format(id=dataset_id))

    def distribution_iri(self, base: str, dataset_id: str, kind: str) -> URIRef:
        """A distribution's IRI (``kind``: ``beacon`` or ``htsget``)."""
        return URIRef(base.rstrip("/") + self.distribution.format(id=dataset_id, kind=kind))


DEFAULT_IRIS = IriScheme()


def catalogue_iri(base_url: str) -> URIRef:
    """The catalogue's IRI: ``<base>/api/catalogue``."""
    return DEFAULT_IRIS.catalogue_iri(base_url)


def dataset_iri(base_url: str, dataset_id: str) -> URIRef:
    """A dataset's IRI: ``<base>/api/catalogue/datasets/<id>`` (served as that dataset alone)."""
    return DEFAULT_IRIS.dataset_iri(base_url, dataset_id)


def _dt(value: Any) -> Literal | None:
    """An ``xsd:dateTime`` literal from a datetime or an ISO string (``Z`` accepted)."""
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, str) and value:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return Literal(when.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


class _Builder:
    """Adds typed resources to one graph (every class the shapes' ranges ask for is stated)."""

    def __init__(self, graph: Graph, base_url: str, iris: IriScheme = DEFAULT_IRIS) -> None:
        self.g = graph
        self.base = base_url.rstrip("/")
        self.iris = iris

    def concept(
        self, iri: str, label: str, scheme: str | None = None, notation: str | None = None
    ) -> URIRef:
        node = URIRef(iri)
        self.g.add((node, RDF.type, SKOS.Concept))
        self.g.set((node, SKOS.prefLabel, _en(label)))
        if scheme:
            self.g.add((node, SKOS.inScheme, URIRef(scheme)))
        if notation:
            self.g.add((node, SKOS.notation, Literal(notation)))
        return node

    def standard(self, key: str) -> URIRef:
        iri, title = STANDARDS[key]
        node = URIRef(iri)
        self.g.add((node, RDF.type, DCT.Standard))
        self.g.set((node, DCT.title, _en(title)))
        return node

    def agent(self, iri: str, name: str, url: str | None) -> URIRef:
        node = URIRef(iri)
        self.g.add((node, RDF.type, FOAF.Agent))
        self.g.add((node, RDF.type, FOAF.Organization))
        self.g.set((node, FOAF.name, _en(name)))
        if url:
            self.g.add((node, FOAF.homepage, self.document(url)))
        return node

    def document(self, url: str) -> URIRef:
        node = URIRef(url)
        self.g.add((node, RDF.type, FOAF.Document))
        return node

    def contact(self, iri: str, name: str, email: str) -> URIRef:
        node = URIRef(iri)
        self.g.add((node, RDF.type, VCARD.Kind))
        self.g.add((node, RDF.type, VCARD.Organization))
        self.g.set((node, VCARD.fn, Literal(name)))
        mail = email if email.startswith("mailto:") else f"mailto:{email}"
        self.g.set((node, VCARD.hasEmail, URIRef(mail)))
        return node

    def location(self, country: str) -> URIRef | None:
        alpha3 = ALPHA3.get(country.upper())
        if alpha3 is None:
            return None
        node = COUNTRY[alpha3]
        self.g.add((node, RDF.type, DCT.Location))
        self.g.set((node, SKOS.prefLabel, _en(COUNTRY_NAMES.get(country.upper(), country))))
        return node

    def rights(self, tier: str) -> URIRef:
        code, label = ACCESS_RIGHTS.get(tier, ACCESS_RIGHTS["CONTROLLED"])
        node = ACCESS_RIGHT[code]
        self.g.add((node, RDF.type, DCT.RightsStatement))
        self.g.add((node, RDF.type, SKOS.Concept))
        self.g.set((node, SKOS.prefLabel, _en(code.replace("_", " ").lower())))
        self.g.set((node, RDFS.label, _en(label)))
        return node

    def legislation(self) -> URIRef:
        node = URIRef(EHDS)
        self.g.add((node, RDF.type, ELI.LegalResource))
        return node

    def theme(self) -> URIRef:
        scheme = URIRef(str(DATA_THEME).rstrip("/"))
        self.g.add((scheme, RDF.type, SKOS.ConceptScheme))
        self.g.set((scheme, DCT.title, _en("Data theme")))
        return self.concept(str(DATA_THEME.HEAL), "Health", scheme=str(scheme))

    def policy(self, iri: str, target: URIRef, uses: Sequence[Mapping[str, Any]]) -> URIRef:
        """An ODRL offer: using the data is permitted for the DUO purposes (and modifiers)."""
        node = URIRef(iri)
        self.g.add((node, RDF.type, ODRL.Policy))
        self.g.add((node, RDF.type, ODRL.Offer))
        self.g.add((node, ODRL.target, target))
        permission = BNode()
        self.g.add((node, ODRL.permission, permission))
        self.g.add((permission, ODRL.action, ODRL.use))
        self.g.add((permission, ODRL.target, target))
        for use in uses:
            for term in [use, *(use.get("modifiers") or ())]:
                curie = term.get("id")
                if not curie:
                    continue
                concept = self.concept(duo_iri(curie), term.get("label") or curie, notation=curie)
                constraint = BNode()
                self.g.add((permission, ODRL.constraint, constraint))
                self.g.add((constraint, ODRL.leftOperand, ODRL.purpose))
                self.g.add((constraint, ODRL.operator, ODRL.isA))
                self.g.add((constraint, ODRL.rightOperand, concept))
        return node


def _keywords(info: Any, country_name: str | None) -> list[str]:
    given = info.descriptor.get("keywords")
    if isinstance(given, list) and given:
        return [str(k) for k in given]
    words = ["genomics", "human genome variation", "1+ Million Genomes", "GA4GH Beacon"]
    if country_name:
        words.append(country_name)
    if info.descriptor.get("synthetic"):
        words.append("synthetic data")
    return words


def add_services(
    b: _Builder, catalogue: URIRef, publisher: URIRef, contact: URIRef, datasets: Iterable[URIRef]
) -> tuple[URIRef, URIRef]:
    """The Beacon and htsget ``dcat:DataService``s of a node, serving ``datasets``."""
    g, base = b.g, b.base
    beacon = URIRef(f"{base}/api")
    htsget = URIRef(f"{base}/api/htsget/variants")
    served = list(datasets)
    for node, title, description, key, endpoint_doc in (
        (
            beacon,
            "Beacon v2 API",
            "GA4GH Beacon v2: counts and records per dataset, at the tier each dataset allows.",
            "beacon",
            f"{base}/api/openapi.json",
        ),
        (
            htsget,
            "htsget variants endpoint",
            "GA4GH htsget 1.3 over the node's Crypt4GH archive: VCF slices by region, with a "
            "ControlledAccessGrants visa for the dataset.",
            "htsget",
            f"{base}/api/htsget/variants/service-info",
        ),
    ):
        g.add((node, RDF.type, DCAT.DataService))
        g.add((catalogue, DCAT.service, node))
        g.set((node, DCT.title, _en(title)))
        g.set((node, DCT.description, _en(description)))
        g.add((node, DCAT.endpointURL, node))
        g.add((node, DCAT.endpointDescription, URIRef(endpoint_doc)))
        g.add((node, DCT.conformsTo, b.standard(key)))
        if key == "htsget":
            g.add((node, DCT.conformsTo, b.standard("crypt4gh")))
        g.add((node, DCT.publisher, publisher))
        g.add((node, DCAT.contactPoint, contact))
        for ds in served:
            g.add((node, DCAT.servesDataset, ds))
    # rdfs:Resource is what the shapes' ranges ask of endpoint URLs and descriptions (an IRI).
    for node in (beacon, htsget):
        for obj in g.objects(node, DCAT.endpointDescription):
            g.add((obj, RDF.type, RDFS.Resource))
        g.add((node, RDF.type, RDFS.Resource))
    return beacon, htsget


def add_dataset(
    b: _Builder,
    catalogue: URIRef,
    info: Any,
    publisher: Publisher,
    services: tuple[URIRef, URIRef],
    node_publisher: URIRef,
    node_contact: URIRef,
) -> URIRef:
    """One ``dcat:Dataset`` with its distributions, from a catalogue ``DatasetInfo``."""
    g, base = b.g, b.base
    d = info.descriptor
    ds = b.iris.dataset_iri(base, info.id)
    g.add((catalogue, DCAT.dataset, ds))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.set((ds, DCT.title, _en(info.title)))
    g.set((ds, DCT.description, _en(info.description or info.title)))
    g.set((ds, DCT.identifier, Literal(info.id)))
    g.set((ds, DCAT.version, Literal(str(info.version))))
    issued = _dt(d.get("createDateTime")) or _dt(info.created)
    modified = _dt(info.created)
    if issued is not None:
        g.set((ds, DCT.issued, issued))
    if modified is not None:
        g.set((ds, DCT.modified, modified))

    pub = d.get("publisher") if isinstance(d.get("publisher"), dict) else {}
    own = f"{base}{CATALOGUE_PATH}/datasets/{info.id}"
    agent = (
        b.agent(f"{own}#publisher", pub["name"], pub.get("url"))
        if pub.get("name")
        else node_publisher
    )
    g.add((ds, DCT.publisher, agent))
    contact_d = d.get("contact") if isinstance(d.get("contact"), dict) else {}
    contact = (
        b.contact(
            f"{own}#contact", contact_d.get("name") or publisher.contact_name, contact_d["email"]
        )
        if contact_d.get("email")
        else node_contact
    )
    g.add((ds, DCAT.contactPoint, contact))

    g.add((ds, DCAT.theme, b.theme()))
    country = info.country or d.get("country")
    country_name = COUNTRY_NAMES.get(str(country).upper()) if country else None
    for word in _keywords(info, country_name):
        g.add((ds, DCAT.keyword, _en(word)))
    if country and (place := b.location(str(country))) is not None:
        g.add((ds, DCT.spatial, place))
    record_tier = (info.access or {}).get("record", "CONTROLLED")
    g.add((ds, DCT.accessRights, b.rights(record_tier)))
    for key in ("beacon", "htsget", "crypt4gh", "vcf"):
        g.add((ds, DCT.conformsTo, b.standard(key)))
    g.add((ds, DCATAP.applicableLegislation, b.legislation()))
    g.add((ds, DCT.language, LANGUAGE.ENG))
    g.add((LANGUAGE.ENG, RDF.type, DCT.LinguisticSystem))

    # HealthDCAT-AP / GDI metadata model: live size, health category, legal basis.
    n = Literal(int(info.n_individuals), datatype=XSD.nonNegativeInteger)
    g.set((ds, HEALTH.numberOfUniqueIndividuals, n))
    g.set((ds, HEALTH.numberOfRecords, n))
    g.add(
        (
            ds,
            HEALTH.healthCategory,
            b.concept(
                d.get("healthCategory") or publisher.health_category,
                "Human genetic, genomic and proteomic data",
            ),
        )
    )
    g.add((ds, DPV.hasLegalBasis, URIRef(d.get("legalBasis") or publisher.legal_basis)))

    # DUO data-use conditions: an ODRL policy on the dataset and on each distribution.
    uses = list(((info.data_use or {}).get("duoDataUse")) or ())
    policy = b.policy(f"{own}#policy", ds, uses) if uses else None
    if policy is not None:
        g.add((ds, ODRL.hasPolicy, policy))
        g.add((ds, DCT.conformsTo, b.standard("duo")))

    beacon, htsget = services
    for suffix, title, description, access_url, service in (
        (
            "beacon",
            "Beacon v2 queries",
            "Counts and records of this dataset through the node's Beacon v2 API.",
            f"{base}/api/datasets/{info.id}",
            beacon,
        ),
        (
            "htsget",
            "Genotypes (htsget, Crypt4GH)",
            "VCF slices by region through htsget; the archive is Crypt4GH-encrypted.",
            f"{base}/api/htsget/variants/{info.id}",
            htsget,
        ),
    ):
        dist = b.iris.distribution_iri(base, info.id, suffix)
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.set((dist, DCT.title, _en(title)))
        g.set((dist, DCT.description, _en(description)))
        url = URIRef(access_url)
        g.add((url, RDF.type, RDFS.Resource))
        g.set((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.accessService, service))
        g.add((dist, DCT.conformsTo, b.standard(suffix)))
        g.add((dist, DCT.rights, b.rights(record_tier)))
        g.add((dist, DCATAP.applicableLegislation, b.legislation()))
        if policy is not None:
            g.add((dist, ODRL.hasPolicy, policy))
    return ds


def node_catalogue(
    settings: Settings, datasets: Iterable[Any], base_url: str, iris: IriScheme = DEFAULT_IRIS
) -> Graph:
    """The node's whole catalogue graph.

    Args:
        settings: the node's settings (``[beacon]`` names the catalogue, ``[catalogue]`` the
            publisher and defaults).
        datasets: published ``onemg.catalogue.DatasetInfo`` objects (live figures).
        base_url: the node's public base URL (IRIs are minted under it).
        iris: the paths of the catalogue, dataset and distribution resources.
    """
    g = new_graph()
    b = _Builder(g, base_url, iris)
    base = b.base
    publisher = Publisher.from_settings(settings)
    cat = iris.catalogue_iri(base)
    g.add((cat, RDF.type, DCAT.Catalog))
    g.set((cat, DCT.title, _en(settings.beacon.name)))
    g.set(
        (
            cat,
            DCT.description,
            _en(
                f"Datasets of the 1+ Million Genomes node {settings.beacon.beacon_id} "
                f"({settings.beacon.organization_name}), discoverable through GA4GH Beacon v2 and "
                "retrievable through htsget with a data access approval."
            ),
        )
    )
    node_publisher = b.agent(f"{base}{CATALOGUE_PATH}#publisher", publisher.name, publisher.url)
    g.add((cat, DCT.publisher, node_publisher))
    node_contact = b.contact(
        f"{base}{CATALOGUE_PATH}#contact", publisher.contact_name, publisher.contact_email
    )
    g.add((cat, DCAT.contactPoint, node_contact))
    g.add((cat, DCAT.themeTaxonomy, URIRef(str(DATA_THEME).rstrip("/"))))
    g.add((cat, DCT.language, LANGUAGE.ENG))
    g.add((cat, DCATAP.applicableLegislation, b.legislation()))
    g.add((cat, FOAF.homepage, b.document(f"{base}/")))
    infos = sorted(datasets, key=lambda i: i.id)
    services = add_services(
        b, cat, node_publisher, node_contact, [iris.dataset_iri(base, i.id) for i in infos]
    )
    newest = None
    for info in infos:
        add_dataset(b, cat, info, publisher, services, node_publisher, node_contact)
        newest = max(newest or info.created, info.created)
    if newest is not None and (when := _dt(newest)) is not None:
        g.set((cat, DCT.modified, when))
    return g


#: Links :func:`dataset_subgraph` does not follow: they lead back up to the whole catalogue.
_UPWARD = (RDF.type, DCAT.servesDataset, DCT.isPartOf, ODRL.target)


def dataset_subgraph(graph: Graph, dataset: URIRef, stop: Sequence[URIRef] = ()) -> Graph:
    """The part of a catalogue graph describing one resource (a dataset, a distribution):
    everything reachable from it, except through links that lead back up (:data:`_UPWARD`)
    or are in ``stop``."""
    out = new_graph()
    seen: set[Any] = set()
    todo: list[Any] = [dataset]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            if p == DCAT.servesDataset and o != dataset:
                continue  # the other datasets a service serves are not part of this view
            out.add((node, p, o))
            if isinstance(o, URIRef | BNode) and p not in _UPWARD and p not in stop:
                todo.append(o)
    return out

"""Namespaces and fixed IRIs of the DCAT-AP catalogue: EU authority tables, standards, DUO.

Everything here is a published IRI, so that harvesters can match the values without a lookup:
the EU Publications Office authority tables (access rights, countries, data themes), the
specifications a dataset conforms to, and the Data Use Ontology's OBO PURLs.
"""

from __future__ import annotations

from rdflib import RDFS, XSD, Namespace

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCT = Namespace("http://purl.org/dc/terms/")
DPV = Namespace("https://w3id.org/dpv#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
FDP = Namespace("https://w3id.org/fdp/fdp-o#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
LDP = Namespace("http://www.w3.org/ns/ldp#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
PROF = Namespace("http://www.w3.org/ns/dx/prof/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

PREFIXES = {
    "dcat": DCAT,
    "dcatap": DCATAP,
    "dct": DCT,
    "dpv": DPV,
    "eli": ELI,
    "fdp-o": FDP,
    "foaf": FOAF,
    "healthdcatap": HEALTH,
    "ldp": LDP,
    "odrl": ODRL,
    "prof": PROF,
    "skos": SKOS,
    "vcard": VCARD,
    "rdfs": RDFS,
    "xsd": XSD,
}

AUTHORITY = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHT = Namespace(AUTHORITY + "access-right/")
COUNTRY = Namespace(AUTHORITY + "country/")
DATA_THEME = Namespace(AUTHORITY + "data-theme/")
LANGUAGE = Namespace(AUTHORITY + "language/")

#: The European Health Data Space regulation (EU) 2025/327, the GDI nodes' applicable legislation.
EHDS = "http://data.europa.eu/eli/reg/2025/327/oj"

#: The Beacon tier of record-level answers -> the EU access-right authority code and its label.
ACCESS_RIGHTS = {
    "PUBLIC": ("PUBLIC", "Public: record-level data is open to anyone."),
    "REGISTERED": ("RESTRICTED", "Restricted: record-level data needs a registered researcher."),
    "CONTROLLED": (
        "NON_PUBLIC",
        "Non-public: record-level data needs an approved data access "
        "application (a GA4GH ControlledAccessGrants visa).",
    ),
}

#: conformsTo targets: key -> (IRI, title).
STANDARDS = {
    "beacon": ("https://docs.genomebeacons.org/", "GA4GH Beacon v2"),
    "htsget": ("https://samtools.github.io/hts-specs/htsget.html", "GA4GH htsget 1.3"),
    "crypt4gh": ("https://samtools.github.io/hts-specs/crypt4gh.pdf", "GA4GH Crypt4GH 1.0"),
    "vcf": ("https://samtools.github.io/hts-specs/VCFv4.3.pdf", "Variant Call Format 4.3"),
    "duo": ("http://purl.obolibrary.org/obo/duo.owl", "GA4GH Data Use Ontology"),
}

#: ISO 3166-1 alpha-2 -> alpha-3 (the EU country table's codes): the 1+MG signatories, CH, LI.
ALPHA3 = {
    "AT": "AUT",
    "BE": "BEL",
    "BG": "BGR",
    "CH": "CHE",
    "CY": "CYP",
    "CZ": "CZE",
    "DE": "DEU",
    "DK": "DNK",
    "EE": "EST",
    "ES": "ESP",
    "FI": "FIN",
    "FR": "FRA",
    "GB": "GBR",
    "GR": "GRC",
    "HR": "HRV",
    "HU": "HUN",
    "IE": "IRL",
    "IS": "ISL",
    "IT": "ITA",
    "LI": "LIE",
    "LT": "LTU",
    "LU": "LUX",
    "LV": "LVA",
    "MT": "MLT",
    "NL": "NLD",
    "NO": "NOR",
    "PL": "POL",
    "PT": "PRT",
    "RO": "ROU",
    "SE": "SWE",
    "SI": "SVN",
    "SK": "SVK",
}


def duo_iri(curie: str) -> str:
    """``DUO:0000042`` -> ``http://purl.obolibrary.org/obo/DUO_0000042`` (the OBO PURL)."""
    return "http://purl.obolibrary.org/obo/" + curie.replace(":", "_", 1)

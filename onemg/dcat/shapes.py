"""Validation against the official DCAT-AP 3.0.1 SHACL shapes shipped in ``onemg/data/shapes``.

SEMIC publishes the profile's constraints in two files: ``dcat-ap-SHACL.ttl`` (cardinalities,
node kinds, datatypes) and ``ranges.ttl`` (the class of each property's value, ``sh:class``).
The range checks only pass when the data states the class of every value, since SHACL does no
inference of its own. The catalogue builder therefore types every value it links to
(``skos:Concept``, ``dct:Location``, ``foaf:Agent``, ...), and validation runs with no inference
and no extra vocabulary graphs: what a harvester receives is exactly what was checked.

The two files are meant to be loaded together (``ranges.ttl`` lists every property of each node
shape, and most are defined in ``dcat-ap-SHACL.ttl``). Five ``sh:property`` references of the
3.0.1 release are defined in neither file: they carry no constraint, but pyshacl rejects a
reference to a property shape without ``sh:path``, so :func:`dcat_ap_shapes` drops those
references (and only those; :data:`DANGLING` lists them and a test checks the count).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SH

SHAPES_DIR = Path(__file__).parent.parent / "data" / "shapes" / "dcat-ap-3.0.1"
SHAPE_FILES = ("dcat-ap-SHACL.ttl", "ranges.ttl")


@dataclass(frozen=True)
class ValidationResult:
    """pyshacl's verdict: whether the graph conforms, and the report as text and as a graph."""

    conforms: bool
    text: str
    report: Graph


#: Property-shape references of the 3.0.1 release that neither file defines (no triples at all).
DANGLING: list[str] = []


@functools.cache
def dcat_ap_shapes() -> Graph:
    """The DCAT-AP 3.0.1 shapes and range checks, parsed once per process."""
    g = Graph()
    for name in SHAPE_FILES:
        g.parse(SHAPES_DIR / name, format="turtle")
    for node_shape, ref in list(g.subject_objects(SH.property)):
        if next(g.predicate_objects(ref), None) is None:  # referenced, never described
            g.remove((node_shape, SH.property, ref))
            DANGLING.append(str(ref))
    return g


def validate(graph: Graph, shapes: Graph | None = None) -> ValidationResult:
    """Validate ``graph`` against the DCAT-AP 3.0.1 shapes (or other ``shapes``) with pyshacl."""
    import pyshacl  # the import costs ~0.5 s; only validation needs it

    conforms, report, text = pyshacl.validate(
        graph,
        shacl_graph=shapes if shapes is not None else dcat_ap_shapes(),
        inference="none",
        advanced=True,
        allow_warnings=False,
    )
    return ValidationResult(bool(conforms), str(text), report)

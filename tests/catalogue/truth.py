"""Independent ground truth for filters: pure Python over the parsed records."""

from __future__ import annotations

import random

from onemg.catalogue import (
    AlphanumericFilter,
    CustomFilter,
    Filter,
    IndividualRecord,
    OntologyFilter,
)
from onemg.ontology import Ontology
from tests.catalogue.cohort import HPO_POOL, ICD_POOL, PLATFORMS, SAMPLE_TYPES, TISSUES
from tests.catalogue.conftest import YEAR


def truth(f: Filter, rec: IndividualRecord | None, onto: Ontology, country: str) -> bool:
    """Whether ``rec`` (None: a sample without metadata) in ``country`` matches ``f``."""
    if isinstance(f, OntologyFilter):
        sex = {"NCIT:C16576": "female", "NCIT:C20197": "male", "NCIT:C17998": "unknown"}
        if f.id in sex:
            return (rec.sex if rec else "unknown") == sex[f.id]
        if rec is None:
            return False
        wanted = onto.descendants(f.id) if f.include_descendants else {f.id}
        terms = set(rec.term_ids())
        if rec.biosample and rec.biosample.tissue_id:
            terms.add(rec.biosample.tissue_id)
        return bool(terms & wanted)
    if isinstance(f, AlphanumericFilter):
        ops = {
            "=": lambda a, b: a == b,
            "!": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            ">=": lambda a, b: a >= b,
        }
        if f.id == "sex":
            return ops[f.operator](rec.sex if rec else "unknown", f.value)
        if f.id == "country":
            return ops[f.operator](country, f.value)
        year = rec.year_of_birth if rec else None
        if year is None:
            return False
        value = year if f.id == "yearOfBirth" else YEAR - year
        return ops[f.operator](value, int(f.value))
    field, _, value = f.id.partition(":")
    if rec is None or rec.biosample is None:
        return False
    # docs/catalogue.md: sampleType and tissue by id (exact) or label, platform by name; names
    # and labels compare case-insensitively.
    if field == "sampleType":
        bs = rec.biosample
        return _id_or_label(value, bs.sample_type_id, bs.sample_type_label)
    if field == "tissue":
        return _id_or_label(value, rec.biosample.tissue_id, rec.biosample.tissue_label)
    assert field == "platform", f.id
    return (
        rec.sequencing is not None
        and rec.sequencing.platform is not None
        and rec.sequencing.platform.casefold() == value.casefold()
    )


def _id_or_label(value: str, term_id: str | None, label: str | None) -> bool:
    return value == term_id or (label is not None and value.casefold() == label.casefold())


def random_filter(
    rng: random.Random,
    hpo: list[str] | None = None,
    icd: list[str] | None = None,
    platforms: list[str] | None = None,
) -> Filter:
    """A random filter of any kind; term pools default to the test cohort's."""
    kind = rng.random()
    if kind < 0.45:
        extra = [
            "HP:0001250",
            "HP:0000118",
            "ICD10:E84",
            "ICD10:E70-E90",
            "ICD10:IV",
            "ORPHA:586",
            "UBERON:0000178",
            "HP:0000707",
        ]
        term = rng.choice((hpo or HPO_POOL) + (icd or ICD_POOL) + extra)
        return OntologyFilter(term, include_descendants=rng.random() < 0.7)
    if kind < 0.55:
        return OntologyFilter(rng.choice(["NCIT:C16576", "NCIT:C20197", "NCIT:C17998"]))
    if kind < 0.85:
        field = rng.choice(["yearOfBirth", "age"])
        value = rng.randint(1925, 2020) if field == "yearOfBirth" else rng.randint(5, 100)
        return AlphanumericFilter(field, rng.choice(["=", "<", ">", "<=", ">=", "!"]), str(value))
    if kind < 0.92:
        field = rng.choice(["sex", "country"])
        values = ["female", "male", "unknown"] if field == "sex" else ["FI", "EE"]
        return AlphanumericFilter(field, rng.choice(["=", "!"]), rng.choice(values))
    custom = rng.random()
    if custom < 1 / 3:
        return CustomFilter("sampleType:" + rng.choice(SAMPLE_TYPES)[rng.randint(0, 1)])
    if custom < 2 / 3:
        return CustomFilter("tissue:" + rng.choice(TISSUES)[rng.randint(0, 1)])
    return CustomFilter("platform:" + rng.choice(platforms or PLATFORMS))

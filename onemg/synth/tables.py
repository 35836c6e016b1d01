"""The shipped tables synth reads: countries, genes, known variants, background conditions.

Every table lives in ``onemg/data`` with its source named in its header (see ``SOURCES.md``).
Loaders return frozen value objects; nothing is cached at module level, callers load once per run.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

# GRCh38 chromosome lengths: one table, kept with the genome-build check.
from onemg.genomics.assembly import GRCH38_LENGTHS

CHROM_ORDER: tuple[str, ...] = tuple(GRCH38_LENGTHS)


@dataclass(frozen=True)
class Country:
    """One 1+MG signatory and its demographic parameters (see ``countries.tsv``)."""

    code: str
    name: str
    cluster: str
    split: int
    n_split: int
    n_now: int
    duo: str


@dataclass(frozen=True)
class Gene:
    """A gene extent on GRCh38 (1-based, inclusive)."""

    symbol: str
    chrom: str
    start: int
    end: int
    ncbi_gene_id: int


@dataclass(frozen=True)
class Feature:
    """An HPO feature that a disease or condition brings, with its frequency given the condition."""

    hpo: str
    label: str
    frequency: float


@dataclass(frozen=True)
class Disease:
    """A monogenic disease linked to known variants (``known_variants.json``)."""

    key: str
    label: str
    inheritance: str  # "dominant" or "recessive"
    icd10: str
    orpha: str | None
    onset_years: tuple[int, int]
    sex: str | None  # only this sex can be affected (None: both)
    background: float  # rate among non-carriers
    features: tuple[Feature, ...]


@dataclass(frozen=True)
class Effect:
    """Penetrance of one disease for carriers of one variant."""

    disease: str
    heterozygous: float
    biallelic: float


@dataclass(frozen=True)
class KnownVariant:
    """A curated clinically relevant variant, with per-country carrier frequencies."""

    id: str
    gene: str
    chrom: str
    pos: int
    ref: str
    alt: str
    rsid: str
    hgvs_c: str
    hgvs_p: str
    effects: tuple[Effect, ...]
    carrier_frequency: dict[str, Any]

    def carrier_frequency_for(self, country: Country) -> float:
        """Carrier frequency in ``country``: country override, then cluster, then default."""
        table = self.carrier_frequency
        if country.code in table.get("countries", {}):
            return float(table["countries"][country.code])
        if country.cluster in table.get("clusters", {}):
            return float(table["clusters"][country.cluster])
        return float(table["default"])


@dataclass(frozen=True)
class Condition:
    """A common background condition with an age- and sex-dependent prevalence."""

    icd10: str
    label: str
    p_max: float
    a50: float
    scale: float
    sex: dict[str, float]
    onset_min: int
    features: tuple[Feature, ...]


@dataclass(frozen=True)
class KnownVariantTable:
    """Known variants plus the diseases they cause."""

    variants: tuple[KnownVariant, ...]
    diseases: dict[str, Disease]


def _data_text(name: str) -> str:
    return resources.files("onemg").joinpath("data", name).read_text(encoding="utf-8")


def _tsv_rows(name: str) -> list[dict[str, str]]:
    lines = [line for line in _data_text(name).splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def load_countries() -> dict[str, Country]:
    """Load the country table keyed by upper-case ISO code."""
    out: dict[str, Country] = {}
    for row in _tsv_rows("countries.tsv"):
        out[row["code"]] = Country(
            code=row["code"],
            name=row["name"],
            cluster=row["cluster"],
            split=int(row["split"]),
            n_split=int(row["n_split"]),
            n_now=int(row["n_now"]),
            duo=row["duo"],
        )
    return out


def load_genes() -> dict[str, Gene]:
    """Load the gene table keyed by upper-case symbol."""
    out: dict[str, Gene] = {}
    for row in _tsv_rows("genes.tsv"):
        out[row["symbol"].upper()] = Gene(
            symbol=row["symbol"],
            chrom=row["chrom"],
            start=int(row["start"]),
            end=int(row["end"]),
            ncbi_gene_id=int(row["ncbi_gene_id"]),
        )
    return out


def _features(items: list[dict[str, Any]]) -> tuple[Feature, ...]:
    return tuple(Feature(f["hpo"], f["label"], float(f["frequency"])) for f in items)


def load_known_variants() -> KnownVariantTable:
    """Load the curated known-variant table and its diseases."""
    raw = json.loads(_data_text("known_variants.json"))
    diseases = {
        key: Disease(
            key=key,
            label=d["label"],
            inheritance=d["inheritance"],
            icd10=d["icd10"],
            orpha=d.get("orpha"),
            onset_years=(int(d["onset_years"][0]), int(d["onset_years"][1])),
            sex=d.get("sex"),
            background=float(d["background"]),
            features=_features(d["features"]),
        )
        for key, d in raw["diseases"].items()
    }
    variants = tuple(
        KnownVariant(
            id=v["id"],
            gene=v["gene"],
            chrom=v["chrom"],
            pos=int(v["pos"]),
            ref=v["ref"],
            alt=v["alt"],
            rsid=v["rsid"],
            hgvs_c=v["hgvs_c"],
            hgvs_p=v["hgvs_p"],
            effects=tuple(
                Effect(e["disease"], float(e["heterozygous"]), float(e["biallelic"]))
                for e in v["effects"]
            ),
            carrier_frequency=v["carrier_frequency"],
        )
        for v in raw["variants"]
    )
    return KnownVariantTable(variants=variants, diseases=diseases)


def load_conditions() -> tuple[Condition, ...]:
    """Load the background condition table."""
    raw = json.loads(_data_text("conditions.json"))
    return tuple(
        Condition(
            icd10=c["icd10"],
            label=c["label"],
            p_max=float(c["p_max"]),
            a50=float(c["a50"]),
            scale=float(c["scale"]),
            sex={k: float(v) for k, v in c["sex"].items()},
            onset_min=int(c["onset_min"]),
            features=_features(c["features"]),
        )
        for c in raw["conditions"]
    )


def load_duo_labels() -> dict[str, tuple[str, str]]:
    """Map DUO shorthand (e.g. ``GRU``) to ``(id, label)`` from the shared ``duo.tsv``."""
    return {
        row["shorthand"]: (row["id"], row["label"])
        for row in _tsv_rows("duo.tsv")
        if row["shorthand"]
    }

"""Value objects for one individual's health metadata, as parsed from a Phenopacket."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

SEXES = ("female", "male", "unknown")

_DURATION = re.compile(r"P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?"
                       r"(?:(\d+(?:\.\d+)?)D)?(?:T.*)?")


class Annotation(NamedTuple):
    """A disease or phenotypic feature: ontology id, label and age of onset in years (or None)."""

    term_id: str
    label: str
    onset_age_years: float | None


@dataclass(frozen=True)
class BiosampleInfo:
    """The individual's (first) biosample."""

    id: str
    tissue_id: str | None = None
    tissue_label: str | None = None
    sample_type_id: str | None = None
    sample_type_label: str | None = None
    #: ISO date (``YYYY-MM-DD``) of collection.
    collection_date: str | None = None


@dataclass(frozen=True)
class SequencingInfo:
    """Run and analysis facts taken from the biosample's genotype file attributes."""

    run_id: str
    analysis_id: str
    platform: str | None = None
    assembly: str | None = None
    pipeline: str | None = None
    run_date: str | None = None
    analysis_date: str | None = None
    file_uri: str | None = None
    file_format: str | None = None


@dataclass(frozen=True)
class IndividualRecord:
    """One parsed phenopacket: what the catalogue stores about an individual.

    Attributes:
        id: the individual id (= phenopacket id = VCF sample name).
        sex: ``female``, ``male`` or ``unknown``.
        year_of_birth: year from ``subject.dateOfBirth`` (only the year is meaningful).
        diseases: present (not excluded) diseases, in file order.
        features: present (not excluded) phenotypic features, in file order.
        biosample: the first biosample, if any.
        sequencing: run/analysis information, if the biosample names a genotype file.
        line: 1-based line number in the source file (for error messages).
    """

    id: str
    sex: str = "unknown"
    year_of_birth: int | None = None
    diseases: tuple[Annotation, ...] = ()
    features: tuple[Annotation, ...] = ()
    biosample: BiosampleInfo | None = None
    sequencing: SequencingInfo | None = None
    line: int = 0

    def term_ids(self) -> list[str]:
        """Every ontology id this record annotates (diseases, features)."""
        return [a.term_id for a in self.diseases] + [a.term_id for a in self.features]


def duration_years(value: str) -> float | None:
    """Years in an ISO 8601 duration such as ``P34Y`` or ``P2Y6M`` (None if not a duration)."""
    m = _DURATION.fullmatch(value)
    if not m or value == "P":
        return None
    years, months, weeks, days = (float(g) if g else 0.0 for g in m.groups())
    return years + months / 12 + weeks * 7 / 365.25 + days / 365.25


def years_duration(years: float) -> str:
    """ISO 8601 duration for an age in years, in whole years and months (``P34Y`` / ``P2Y6M``)."""
    months_total = round(years * 12)
    y, m = divmod(months_total, 12)
    return f"P{y}Y{m}M" if m else f"P{y}Y"

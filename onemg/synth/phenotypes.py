"""Health metadata (1+MG minimal dataset) for synthetic individuals.

Sex and age follow a European age pyramid. Common conditions (``conditions.json``) occur with a
logistic age curve and a sex factor. Monogenic diseases (``known_variants.json``) occur in
carriers of linked variants at the stated penetrance by genotype -- recessive diseases only in
people with two pathogenic alleles of the gene (homozygous or compound heterozygous) -- and in
non-carriers at the disease's background rate. A disease is only diagnosed once the person has
reached its earliest onset age; onset is drawn between that age and min(latest onset, age).
Every diagnosis brings its HPO features, each at its stated frequency.

All draws are vectorised over individuals; ``build_records`` returns plain data that
``phenopackets.py`` turns into Phenopacket JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from onemg.synth.tables import Condition, Disease, Feature, KnownVariantTable

REFERENCE_YEAR = 2026  # ages are as of 1 January of this year (pinned for determinism)
# Share of the EU population per 5-year age band 0-4 ... 95-99 (rounded, Eurostat 2023 pyramid).
_AGE_BANDS = np.array(
    [4.6, 5.0, 5.2, 5.2, 5.2, 5.6, 6.2, 6.6, 6.8, 7.0,
     7.2, 7.1, 6.5, 5.7, 5.0, 4.0, 2.8, 1.7, 0.7, 0.2]
)  # fmt: skip
FEMALE_SHARE = 0.51


@dataclass
class Diagnosis:
    """One diagnosis of one individual."""

    icd10: str
    label: str
    orpha: str | None
    onset: int  # age in years
    disease_key: str | None = None  # set for monogenic diseases
    cause: str = "background"  # "heterozygous", "biallelic" or "background"


@dataclass
class Person:
    """The synthetic health record of one individual before it becomes a Phenopacket."""

    index: int
    sex: str
    age: int
    diagnoses: list[Diagnosis] = field(default_factory=list)
    features: dict[str, tuple[str, int]] = field(default_factory=dict)  # hpo -> (label, onset)


def _draw_onsets(rng: np.random.Generator, lo: int, hi: np.ndarray) -> np.ndarray:
    return lo + np.floor(rng.random(len(hi)) * (hi - lo + 1)).astype(np.int64)


def _add(
    people: list[Person],
    idx: np.ndarray,
    onsets: np.ndarray,
    make: Diagnosis,
    causes: Sequence[str] | None,
    features: Sequence[Feature],
    rng: np.random.Generator,
) -> None:
    feature_hits = [(f, rng.random(len(idx)) < f.frequency) for f in features]
    for j, (i, onset) in enumerate(zip(idx.tolist(), onsets.tolist(), strict=True)):
        person = people[i]
        person.diagnoses.append(
            Diagnosis(
                make.icd10,
                make.label,
                make.orpha,
                int(onset),
                make.disease_key,
                causes[j] if causes is not None else "background",
            )
        )
        for feature, hits in feature_hits:
            if hits[j]:
                old = person.features.get(feature.hpo)
                if old is None or onset < old[1]:
                    person.features[feature.hpo] = (feature.label, int(onset))


def _background_conditions(
    people: list[Person], sex: np.ndarray, age: np.ndarray, conditions: Sequence[Condition],
    rng: np.random.Generator,
) -> None:  # fmt: skip
    for c in conditions:
        factor = np.where(sex == "FEMALE", c.sex.get("FEMALE", 1.0), c.sex.get("MALE", 1.0))
        p = c.p_max / (1.0 + np.exp(-(age - c.a50) / c.scale)) * factor
        p = np.where(age >= c.onset_min, np.minimum(p, 0.95), 0.0)
        idx = np.flatnonzero(rng.random(len(age)) < p)
        onsets = _draw_onsets(rng, c.onset_min, age[idx])
        _add(people, idx, onsets, Diagnosis(c.icd10, c.label, None, 0), None, c.features, rng)


def disease_penetrance(
    disease: Disease, table: KnownVariantTable, haplotype_alleles: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-individual penetrance of ``disease`` and genotype class.

    Args:
        disease: the disease.
        table: the known-variant table (for the variants' effects).
        haplotype_alleles: variant id -> ``(n, 2)`` bool, does haplotype 0/1 carry it.

    Returns:
        ``(penetrance, cause)``: float array, and str array of ``"heterozygous"``,
        ``"biallelic"`` or ``"background"`` (non-carriers).
    """
    n = len(next(iter(haplotype_alleles.values()))) if haplotype_alleles else 0
    # Per haplotype: the strongest biallelic penetrance among variants it carries (-1 = none).
    hap_biallelic = np.full((n, 2), -1.0)
    het = np.zeros(n)
    for v in table.variants:
        carried = haplotype_alleles.get(v.id)
        effect = next((e for e in v.effects if e.disease == disease.key), None)
        if carried is None or effect is None:
            continue
        hap_biallelic = np.where(
            carried, np.maximum(hap_biallelic, effect.biallelic), hap_biallelic
        )
        het = np.where(carried.any(axis=1), np.maximum(het, effect.heterozygous), het)
    n_haps = (hap_biallelic >= 0).sum(axis=1)
    # Two pathogenic haplotypes: the milder allele limits penetrance (e.g. C282Y/H63D).
    biallelic_pen = np.min(np.where(hap_biallelic >= 0, hap_biallelic, np.inf), axis=1)
    penetrance = np.where(
        n_haps == 2, biallelic_pen, np.where(n_haps == 1, het, disease.background)
    )
    cause = np.where(n_haps == 2, "biallelic", np.where(n_haps == 1, "heterozygous", "background"))
    return penetrance, cause


def _monogenic(
    people: list[Person], sex: np.ndarray, age: np.ndarray, table: KnownVariantTable,
    haplotype_alleles: dict[str, np.ndarray], rng: np.random.Generator,
) -> None:  # fmt: skip
    for disease in table.diseases.values():
        penetrance, cause = disease_penetrance(disease, table, haplotype_alleles)
        if not haplotype_alleles:
            penetrance = np.full(len(age), disease.background)
            cause = np.full(len(age), "background")
        lo, hi = disease.onset_years
        eligible = age >= lo
        if disease.sex is not None:
            eligible &= sex == disease.sex
        idx = np.flatnonzero((rng.random(len(age)) < penetrance) & eligible)
        onsets = _draw_onsets(rng, lo, np.minimum(age[idx], hi))
        make = Diagnosis(disease.icd10, disease.label, disease.orpha, 0, disease.key)
        _add(people, idx, onsets, make, cause[idx].tolist(), disease.features, rng)


def build_records(
    n: int,
    *,
    rng: np.random.Generator,
    conditions: Sequence[Condition],
    table: KnownVariantTable,
    haplotype_alleles: dict[str, np.ndarray],
) -> list[Person]:
    """Draw sex, age, diagnoses and features for ``n`` individuals.

    Args:
        n: number of individuals.
        rng: the random generator for this country.
        conditions: background conditions.
        table: known variants and diseases.
        haplotype_alleles: variant id -> ``(n, 2)`` bool carrier matrix (phased).
    """
    sex = np.where(rng.random(n) < FEMALE_SHARE, "FEMALE", "MALE")
    band = rng.choice(len(_AGE_BANDS), size=n, p=_AGE_BANDS / _AGE_BANDS.sum())
    age = band * 5 + rng.integers(0, 5, size=n)
    people = [Person(i, str(s), int(a)) for i, (s, a) in enumerate(zip(sex, age, strict=True))]
    _background_conditions(people, sex, age, conditions, rng)
    _monogenic(people, sex, age, table, haplotype_alleles, rng)
    for person in people:
        person.diagnoses.sort(key=lambda d: (d.onset, d.icd10))
    return people

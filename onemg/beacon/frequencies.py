"""Allele frequencies of one variant per population (country, and sex within it), under the floor.

A dataset's populations are its country (``FI``) and each sex within it (``FI_F``, ``FI_M``,
``FI_U`` for unknown sex), named as the GDI allele-frequency beacons name them. A dataset whose
individuals come from several countries gets one population per country and one per sex
(``F``, ``M``) across them. Each population carries the Beacon v2 ``PopulationFrequency`` fields
(``population``, ``alleleFrequency``) and the GDI/Genome of Europe count extensions:
``alleleCount`` (AC), ``alleleNumber`` (AN), ``alleleCountHomozygous``,
``alleleCountHeterozygous`` and, on X/Y outside the pseudo-autosomal regions for populations that
hold males, ``alleleCountHemizygous``.

Where the counts come from, with no genotype matrix read: AC and AN per sex and per country are
stored in the variant index at ingest (``strata_ac``/``strata_an``, exact, missing calls and
ploidy included). Heterozygous/homozygous/hemizygous come from the index's carriers per sample
group (sex x country), homozygous or not (:meth:`onemg.genomics.VariantIndex.group_genotypes`),
once the groups are checked to hold the catalogue's individuals (:class:`GroupLayout`). For an
older index, or groups that do not match, they come from the variant's carriers and their
homozygous bits (:meth:`onemg.genomics.VariantIndex.zygosity`) split by the individuals' sex
and country (catalogue sets). Both give the same counts; the first costs nothing per carrier,
which matters for a common variant at a million individuals. A homozygous-flagged male carrier
on X/Y outside the PARs is counted as hemizygous.

The privacy floor ``k`` (when the caller does not hold the CONTROLLED tier on the dataset):

* a population of fewer than ``k`` individuals gives no count at all (AN included);
* the allele group (AC, AF) of a population is given only when AC >= k; the genotype group
  (het, hom, hemi) only when every count of it that applies is >= k (zero included: zero and
  "fewer than k" read alike, as for every Beacon count);
* the parts of a split (the sexes of a country; every population of a multi-country dataset) are
  given together or not at all, per group: one part withheld would otherwise be the whole minus
  the others;
* a withheld group is said so: ``countPrecision: "imprecise"``, ``notReported`` lists the fields,
  ``alleleFrequency`` is 0 (the schema requires a number), and ``countAdjustedTo: ["<k"]`` when
  the population's own AC is below the floor.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from onemg.individual_set import IndividualSet

#: Sex suffixes of population names (GDI convention: ``FR_M``, ``FR_F``).
SEX_SUFFIX: Mapping[str, str] = {"female": "F", "male": "M", "unknown": "U"}
SEXES: tuple[str, ...] = tuple(SEX_SUFFIX)
#: GRCh38 pseudo-autosomal regions (1-based, inclusive): diploid in males.
PAR: Mapping[str, tuple[tuple[int, int], ...]] = {
    "X": ((10_001, 2_781_479), (155_701_383, 156_030_895)),
    "Y": ((10_001, 2_781_479), (56_887_903, 57_217_415)),
}
ALLELE_FIELDS = ("alleleCount", "alleleFrequency")
GENOTYPE_FIELDS = ("alleleCountHeterozygous", "alleleCountHomozygous", "alleleCountHemizygous")


def hemizygous_site(contig: str, pos: int) -> bool:
    """True on X or Y outside the pseudo-autosomal regions (males carry one copy)."""
    if contig not in PAR:
        return False
    return not any(lo <= pos <= hi for lo, hi in PAR[contig])


@dataclass(frozen=True)
class PopulationCounts:
    """Exact counts of one population for one variant (before any floor)."""

    population: str
    individuals: int
    ac: int
    an: int
    het: int
    hom: int
    #: ``None`` where hemizygosity does not apply (autosomes, PARs, no males).
    hemi: int | None
    #: Name of the population this one is a part of (``None`` for a whole).
    part_of: str | None = None

    @property
    def af(self) -> float:
        """AC / AN (0 when nobody was called)."""
        return self.ac / self.an if self.an else 0.0


@dataclass(frozen=True)
class GroupLayout:
    """Where the variant index's sample groups (sex x country) fall in a :class:`Cohort`.

    Attributes:
        sex: ``int64[groups]``, each group's index in ``SEXES``.
        country: ``int64[groups]``, each group's index in ``Cohort.country_sets`` (``-1``: none).
    """

    sex: np.ndarray
    country: np.ndarray

    @classmethod
    def match(cls, cohort: Cohort, groups: Sequence[tuple[str, str]],
              sample_group: np.ndarray) -> GroupLayout | None:
        """The layout, or ``None`` unless every individual's group has its catalogue sex and
        country (an index built from other strata would give other people's counts)."""
        if len(sample_group) != cohort.n or not groups:
            return None
        if any(sex not in SEXES for sex, _ in groups):
            return None
        names = list(cohort.country_sets)
        sex = np.array([SEXES.index(s) for s, _ in groups], dtype=np.int64)
        country = np.array([names.index(c) if c in names else -1 for _, c in groups],
                           dtype=np.int64)
        g = np.asarray(sample_group, dtype=np.int64)
        if g.size and (g.min() < 0 or g.max() >= len(groups)):
            return None
        own = np.full(cohort.n, -1, dtype=np.int64)
        for i, members in enumerate(cohort.country_sets.values()):
            own[members.mask] = i
        if not (np.array_equal(sex[g], cohort.sex_code) and np.array_equal(country[g], own)):
            return None
        return cls(sex, country)

    def by_sex(self, genotypes: np.ndarray, country: int | None = None) -> np.ndarray:
        """``int64[len(SEXES), 2]`` (not / flagged homozygous) from per-group counts, for the
        whole cohort or for one of its countries."""
        sel = slice(None) if country is None else self.country == country
        out = np.zeros((len(SEXES), 2), dtype=np.int64)
        np.add.at(out, self.sex[sel], np.asarray(genotypes, dtype=np.int64)[sel])
        return out


@dataclass(frozen=True)
class Cohort:
    """What :func:`population_counts` needs of a dataset's individuals (built once per version).

    Attributes:
        n: individuals in the dataset.
        sex_code: ``int8[n]``, each individual's index in ``SEXES`` (unknown when in no set).
        sizes: individuals per stratum label (``sex:female``, ``country:FI``).
        country_sets: the individuals of each country present.
        layout: how the variant index's sample groups map onto these individuals (``None``:
            the index has none, or they do not match; counts then come from the carriers).
    """

    n: int
    sex_code: np.ndarray
    sizes: Mapping[str, int]
    country_sets: Mapping[str, IndividualSet]
    layout: GroupLayout | None = None

    @functools.cached_property
    def with_males(self) -> frozenset[str]:
        """The countries that hold at least one male."""
        male = self.sex_code == SEXES.index("male")
        return frozenset(cc for cc, s in self.country_sets.items() if (male & s.mask).any())

    @classmethod
    def from_strata(cls, strata: Mapping[str, IndividualSet], n: int, *,
                    groups: Sequence[tuple[str, str]] | None = None,
                    sample_group: np.ndarray | None = None) -> Cohort:
        """From the catalogue's sets per stratum label (``Catalogue.strata``), and the variant
        index's sample groups when it has them (``VariantIndex.groups``/``sample_group``)."""
        code = np.full(n, SEXES.index("unknown"), dtype=np.int8)
        for i, sex in enumerate(SEXES):
            if (members := strata.get(f"sex:{sex}")) is not None:
                code[members.mask] = i
        sizes = {label: len(s) for label, s in strata.items()}
        sizes.update({f"sex:{sex}": int((code == i).sum()) for i, sex in enumerate(SEXES)})
        countries = {
            label.partition(":")[2]: s
            for label, s in strata.items()
            if label.startswith("country:") and sizes[label]
        }
        cohort = cls(n, code, sizes, dict(sorted(countries.items())))
        if groups is None or sample_group is None:
            return cohort
        return dataclasses.replace(cohort, layout=GroupLayout.match(cohort, groups, sample_group))


def _split(counts: np.ndarray, hemi_site: bool) -> dict[str, tuple[int, int, int | None]]:
    """``{sex: (het, hom, hemi)}`` and ``"all"`` from carriers per sex, not / flagged
    homozygous (``int[len(SEXES), 2]``)."""
    male = SEXES.index("male")
    out: dict[str, tuple[int, int, int | None]] = {}
    for i, sex in enumerate(SEXES):
        het, homs = int(counts[i, 0]), int(counts[i, 1])
        out[sex] = (het, 0, homs) if hemi_site and i == male else (het, homs, None)
    het = int(counts[:, 0].sum())
    hemi = int(counts[male, 1]) if hemi_site else None
    out["all"] = (het, int(counts[:, 1].sum()) - (hemi or 0), hemi)
    return out


def population_counts(
    *,
    contig: str,
    pos: int,
    ac: int,
    an: int,
    strata_counts: Mapping[str, tuple[int, int]],
    cohort: Cohort,
    fallback_name: str,
    carriers: np.ndarray | None = None,
    is_hom: np.ndarray | None = None,
    group_genotypes: np.ndarray | None = None,
) -> list[PopulationCounts]:
    """The exact counts of every population of one variant.

    From ``group_genotypes`` when given (``cohort.layout`` required): a few sums over the
    groups. Otherwise from ``carriers``/``is_hom``: one gather and one ``bincount`` over the
    carriers (plus one per country when a dataset holds several); nothing of size ``n`` is
    built per variant either way.

    Args:
        contig, pos: the variant's contig (``7``, ``X``) and 1-based position.
        ac, an: the variant's overall allele count and number (from the index).
        strata_counts: the index's ``(AC, AN)`` per stratum label (``sex:female``,
            ``country:FI``).
        cohort: the dataset's individuals by sex and country (:class:`Cohort`).
        fallback_name: the population name when no individual has a country.
        carriers, is_hom: the variant's carriers and their homozygous flags.
        group_genotypes: ``int[groups, 2]``, the variant's carriers per index sample group,
            not / flagged homozygous (``VariantIndex.group_genotypes``).

    Raises:
        ValueError: neither the carriers nor usable group counts were given.
    """
    hemi_site = hemizygous_site(contig, pos)
    has_males = cohort.sizes.get("sex:male", 0) > 0
    layout = cohort.layout
    if group_genotypes is not None and layout is not None:
        geno = group_genotypes

        def counts_in(country: int | None) -> np.ndarray:
            return layout.by_sex(geno, country)
    elif carriers is not None and is_hom is not None:
        key = cohort.sex_code[carriers].astype(np.int64) * 2 + is_hom.astype(np.int64)
        country_sets = list(cohort.country_sets.values())

        def counts_in(country: int | None) -> np.ndarray:
            sel = key
            if country is not None:
                members = country_sets[country]
                sel = key[members.mask[carriers]] if carriers.size else key[:0]
            return np.bincount(sel, minlength=2 * len(SEXES)).reshape(len(SEXES), 2)
    else:
        raise ValueError("population_counts needs the carriers and their homozygous flags, or "
                         "group counts with a cohort whose layout matches the index")
    by_sex = _split(counts_in(None), hemi_site)
    n = cohort.n
    countries = list(cohort.country_sets)
    single = len(countries) <= 1 and (not countries or cohort.sizes[f"country:{countries[0]}"] == n)
    out: list[PopulationCounts] = []
    if single:
        whole: str | None = countries[0] if countries else fallback_name
        het, hom, hemi = by_sex["all"]
        out.append(PopulationCounts(whole, n, ac, an, het, hom, hemi if has_males else None))
        prefix = f"{whole}_"
    else:
        whole, prefix = None, ""
        for i, (cc, members) in enumerate(cohort.country_sets.items()):
            het, hom, hemi = _split(counts_in(i), hemi_site)["all"]
            holds_males = cc in cohort.with_males
            c_ac, c_an = strata_counts.get(f"country:{cc}", (0, 0))
            out.append(
                PopulationCounts(
                    cc,
                    len(members),
                    c_ac,
                    c_an,
                    het,
                    hom,
                    hemi if holds_males else None,
                    part_of="all",
                )
            )
    for sex in SEXES:
        size = cohort.sizes.get(f"sex:{sex}", 0)
        if not size:
            continue
        s_ac, s_an = strata_counts.get(f"sex:{sex}", (0, 0))
        het, hom, hemi = by_sex[sex]
        out.append(
            PopulationCounts(
                f"{prefix}{SEX_SUFFIX[sex]}",
                size,
                s_ac,
                s_an,
                het,
                hom,
                hemi,
                part_of=whole or "all",
            )
        )
    return out


def _genotypes(p: PopulationCounts) -> dict[str, int]:
    out = {"alleleCountHeterozygous": p.het, "alleleCountHomozygous": p.hom}
    if p.hemi is not None:
        out["alleleCountHemizygous"] = p.hemi
    return out


def disclose(pops: Sequence[PopulationCounts], *, k: int, exact: bool) -> list[dict[str, Any]]:
    """``PopulationFrequency`` items for ``pops``, with the floor of the module docstring.

    ``exact`` (the caller holds the CONTROLLED tier) gives every count as it is.
    """
    floor = k if (not exact and k > 1) else 0
    small = {p.population for p in pops if p.individuals < floor}
    allele_ok = {p.population: p.population not in small and p.ac >= floor for p in pops}
    geno_ok = {
        p.population: p.population not in small and all(c >= floor for c in _genotypes(p).values())
        for p in pops
    }
    # A split is given per group only when all of its parts are.
    for group in (allele_ok, geno_ok):
        for whole in {p.part_of for p in pops if p.part_of}:
            parts = [p.population for p in pops if p.part_of == whole]
            if not all(group[name] for name in parts):
                for name in parts:
                    group[name] = False
    out = []
    for p in pops:
        item: dict[str, Any] = {"population": p.population}
        withheld: list[str] = []
        if p.population in small:
            item["alleleFrequency"] = 0.0
            withheld = ["alleleNumber", *ALLELE_FIELDS, *_genotypes(p)]
        else:
            item["alleleNumber"] = p.an
            if allele_ok[p.population]:
                item["alleleCount"] = p.ac
                item["alleleFrequency"] = round(p.af, 8)
            else:
                item["alleleFrequency"] = 0.0
                withheld += list(ALLELE_FIELDS)
            if geno_ok[p.population]:
                item.update(_genotypes(p))
            else:
                withheld += list(_genotypes(p))
        if withheld:
            item["countPrecision"] = "imprecise"
            if p.population in small or (p.part_of is None and p.ac < floor):
                item["countAdjustedTo"] = [f"<{k}"]
            item["notReported"] = withheld
            item["notReportedReason"] = (
                f"not reported: a count below {k} in this population, or in another part of "
                "the same split (it would be the whole minus the others)"
            )
        out.append(item)
    return out

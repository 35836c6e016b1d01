"""Small in-memory stand-ins for the catalogue and the variant index (same method names).

They let the Beacon layer be tested on exact, hand-checkable data; integration tests cover the
real catalogue and index over an ingested synthetic cohort.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from onemg.catalogue import (
    AlphanumericFilter,
    CustomFilter,
    OntologyFilter,
    UnknownFilterError,
)
from onemg.errors import NotFoundError
from onemg.genomics import Variant, VariantQuery, normalize_allele
from onemg.individual_set import IndividualSet

# A two-level toy hierarchy: HP:0001250 (seizure) has child HP:0002069.
CHILDREN = {"HP:0001250": {"HP:0002069"}}
TERMS = ("HP:0001250", "HP:0002069", "HP:0000822")
SEX_TERMS = {"NCIT:C16576": "female", "NCIT:C20197": "male"}


@dataclass
class FakeIndex:
    """Variants as (contig, pos, ref, alt) with carriers and homozygous carriers."""

    n_individuals: int
    sites: list[tuple[str, int, str, str]]
    carriers: list[np.ndarray]
    homs: list[np.ndarray]
    sexes: list[str] = field(default_factory=list)
    country: str = "FI"

    @property
    def n_variants(self) -> int:
        return len(self.sites)

    def find(self, q: VariantQuery) -> np.ndarray:
        kind = q.resolved_kind()
        out = []
        ref_q, alt_q, p = q.ref, q.alt, q.start + 1
        if kind == "sequence" and ref_q and alt_q and "N" not in (ref_q, alt_q):
            p, ref_q, alt_q = normalize_allele(p, ref_q, alt_q)
        for row, (contig, pos, ref, alt) in enumerate(self.sites):
            if contig != q.contig:
                continue
            start0, end0 = pos - 1, pos - 1 + len(ref)
            if kind == "sequence":
                ok = pos == p
            elif kind == "range":
                ok = start0 < q.end and end0 > q.start
            else:
                ok = q.start <= start0 <= q.start_max and q.end_min <= end0 <= q.end_max
            if ok and alt_q not in (None, "N") and alt != alt_q:
                ok = False
            if ok and ref_q not in (None, "N") and ref != ref_q:
                ok = False
            if ok and q.variant_type and _vtype(ref, alt) not in _TYPES[q.variant_type]:
                ok = False
            if ok:
                out.append(row)
        return np.asarray(out, dtype=np.int64)

    def lookup(self, internal_id: str) -> int:
        for row, site in enumerate(self.sites):
            if ":".join(map(str, site)) == internal_id:
                return row
        raise NotFoundError(f"variant {internal_id!r} is not in this dataset")

    def variants(self, rows: Any) -> list[Variant]:
        out = []
        for r in np.atleast_1d(np.asarray(rows, dtype=np.int64)).tolist():
            contig, pos, ref, alt = self.sites[r]
            carriers, homs = self.carriers[r], self.homs[r]
            ac = len(carriers) + len(homs)
            an = 2 * self.n_individuals
            strata = {}
            for sex in ("female", "male"):
                members = [i for i in range(self.n_individuals) if self.sexes[i] == sex]
                s_ac = sum(1 for i in carriers if self.sexes[i] == sex) + \
                    sum(1 for i in homs if self.sexes[i] == sex)
                strata[f"sex:{sex}"] = (s_ac, 2 * len(members))
            strata[f"country:{self.country}"] = (ac, an)
            out.append(Variant(r, contig, pos, ref, alt, _vtype(ref, alt), ac, an, ac / an,
                               strata))
        return out

    def zygosity(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        c = self.carriers[row]
        return c, np.isin(c, self.homs[row])

    def carrier_set(self, rows: Any, within: IndividualSet | None = None) -> IndividualSet:
        mask = np.zeros(self.n_individuals, dtype=bool)
        for r in np.atleast_1d(np.asarray(rows, dtype=np.int64)).tolist():
            mask[self.carriers[r]] = True
        s = IndividualSet.from_mask(mask)
        return s & within if within is not None else s

    def count_carriers(self, rows: Any, within: IndividualSet | None = None) -> int:
        return len(self.carrier_set(rows, within))

    def rows_carried_by(self, rows: Any, within: IndividualSet) -> np.ndarray:
        keep = [r for r in np.atleast_1d(np.asarray(rows, dtype=np.int64)).tolist()
                if within.count_in(self.carriers[r]) > 0]
        return np.asarray(keep, dtype=np.int64)


_TYPES = {"SNP": {"SNP"}, "MNP": {"MNP"}, "DEL": {"DEL"}, "INS": {"INS"},
          "INDEL": {"DEL", "INS", "INDEL"}}


def _vtype(ref: str, alt: str) -> str:
    if len(ref) == len(alt):
        return "SNP" if len(ref) == 1 else "MNP"
    if len(ref) == 1:
        return "INS"
    if len(alt) == 1:
        return "DEL"
    return "INDEL"


@dataclass
class FakeDataset:
    """Everything about one fake dataset."""

    id: str
    n: int
    sexes: list[str]
    years: list[int]
    terms: list[set[str]]
    index: FakeIndex
    access: dict[str, str]
    country: str
    version: str = "1"
    title: str = ""
    description: str = ""
    data_path: str = ""

    @property
    def n_individuals(self) -> int:
        return self.n


class FakeCatalogue:
    """The catalogue methods the Beacon calls, over :class:`FakeDataset` objects."""

    def __init__(self, datasets: list[FakeDataset]) -> None:
        self._ds = {d.id: d for d in datasets}
        self.calls = 0

    def datasets(self) -> list[FakeDataset]:
        return [self._ds[k] for k in sorted(self._ds)]

    def individual_set(self, dataset_id: str, filters: list[Any]) -> IndividualSet:
        self.calls += 1
        d = self._ds[dataset_id]
        mask = np.ones(d.n, dtype=bool)
        unknown = []
        for f in filters:
            if isinstance(f, OntologyFilter) and f.id in SEX_TERMS:
                m = np.array([s == SEX_TERMS[f.id] for s in d.sexes])
            elif isinstance(f, OntologyFilter) and f.id in TERMS:
                want = {f.id} | (CHILDREN.get(f.id, set()) if f.include_descendants else set())
                m = np.array([bool(t & want) for t in d.terms])
            elif isinstance(f, AlphanumericFilter) and f.id == "yearOfBirth":
                y = np.array(d.years)
                v = int(f.value)
                m = {"=": y == v, "<": y < v, ">": y > v, "<=": y <= v, ">=": y >= v,
                     "!": y != v}[f.operator]
            elif isinstance(f, AlphanumericFilter) and f.id == "country":
                m = np.full(d.n, (d.country == f.value) == (f.operator == "="))
            elif isinstance(f, CustomFilter) and f.id == "platform:Fake":
                m = np.ones(d.n, dtype=bool)
            else:
                unknown.append(f.id)
                continue
            mask &= m
        if unknown:
            raise UnknownFilterError(f"unknown filter id(s) {unknown}", unknown)
        return IndividualSet.from_mask(mask)

    def _ids(self, dataset_id: str, prefix: str, indices: list[int]) -> list[str]:
        return [f"{dataset_id}-{prefix}{i:03d}" for i in indices]

    def individual_records(self, dataset_id: str, indices: list[int]) -> list[dict]:
        d = self._ds[dataset_id]
        sex = {"female": {"id": "NCIT:C16576", "label": "female"},
               "male": {"id": "NCIT:C20197", "label": "male"}}
        return [{"id": i_id, "sex": sex[d.sexes[i]]}
                for i, i_id in zip(indices, self._ids(dataset_id, "i", indices), strict=True)]

    def biosample_records(self, dataset_id: str, indices: list[int]) -> list[dict]:
        return [{"id": f"{dataset_id}-b{i:03d}", "individualId": f"{dataset_id}-i{i:03d}",
                 "biosampleStatus": {"id": "EFO:0009654", "label": "reference sample"},
                 "sampleOriginType": {"id": "OBI:0001479", "label": "specimen from organism"}}
                for i in indices]

    def run_records(self, dataset_id: str, indices: list[int]) -> list[dict]:
        return [{"id": f"{dataset_id}-r{i:03d}", "biosampleId": f"{dataset_id}-b{i:03d}",
                 "runDate": "2024-04-01"} for i in indices]

    def analysis_records(self, dataset_id: str, indices: list[int]) -> list[dict]:
        return [{"id": f"{dataset_id}-a{i:03d}", "analysisDate": "2024-05-01",
                 "pipelineName": "fake"} for i in indices]

    def index_of(self, dataset_id: str, entry_type: str, record_id: str) -> int:
        prefix = {"individual": "i", "biosample": "b", "run": "r", "analysis": "a"}[entry_type]
        head = f"{dataset_id}-{prefix}"
        if record_id.startswith(head) and record_id[len(head):].isdigit():
            i = int(record_id[len(head):])
            if i < self._ds[dataset_id].n:
                return i
        raise NotFoundError(f"no {entry_type} {record_id}")

    def dataset_records(self) -> list[dict]:
        return [{"id": d.id, "name": d.title or d.id} for d in self.datasets()]

    def cohort_records(self) -> list[dict]:
        return [{"id": d.id, "name": d.title or d.id, "cohortType": "study-defined"}
                for d in self.datasets()]

    def filtering_terms(self, dataset_id: str | None = None) -> list[dict]:
        return [{"type": "ontologyTerm", "id": t, "label": t, "scopes": ["individual"]}
                for t in TERMS]


def make_dataset(ds_id: str, n: int, n_variants: int, seed: int, *, country: str = "FI",
                 access: dict[str, str] | None = None) -> FakeDataset:
    """A random dataset with SNVs, a deletion and an insertion on chromosome 7."""
    rng = random.Random(seed)
    sexes = [rng.choice(["female", "male"]) for _ in range(n)]
    years = [rng.randint(1940, 2010) for _ in range(n)]
    terms = [set(rng.sample(TERMS, rng.choice([0, 0, 1, 2]))) for _ in range(n)]
    sites: list[tuple[str, int, str, str]] = [("7", 1000 + 10 * i, "A", "G")
                                               for i in range(n_variants)]
    sites += [("7", 5000, "ATCT", "A"), ("7", 6000, "C", "CAG"), ("X", 100, "G", "T")]
    carriers, homs = [], []
    for row in range(len(sites)):
        k = [0, 1, 2, 3, 4, 6, 10, n // 2][row % 8]
        c = np.asarray(sorted(rng.sample(range(n), min(k, n))), dtype=np.int32)
        carriers.append(c)
        homs.append(c[: len(c) // 3])
    index = FakeIndex(n, sites, carriers, homs, sexes, country)
    return FakeDataset(ds_id, n, sexes, years, terms, index,
                       access or {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"},
                       country, title=f"Fake {country}")

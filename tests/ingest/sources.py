"""Ingest inputs for tests: a random VCF (tests.genomics.vcfgen) + phenopackets + descriptor."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.genomics.vcfgen import Cohort, write_cohort

#: Terms used by the generated phenopackets (none is a descendant of another).
HPO = ("HP:0001250", "HP:0001627", "HP:0002090")
ICD10 = ("ICD10:E84.0", "ICD10:G40.9", "ICD10:I10")
_PP_SEX = {"female": "FEMALE", "male": "MALE", "unknown": "UNKNOWN_SEX"}


def phenopacket(sample: str, sex: str, hpo: list[str], icd: list[str], year: int) -> dict:
    """A minimal valid Phenopacket v2 following docs/architecture.md conventions."""
    return {
        "id": sample,
        "subject": {"id": sample, "sex": _PP_SEX[sex], "dateOfBirth": f"{year}-01-01T00:00:00Z"},
        "phenotypicFeatures": [{"type": {"id": t, "label": t}} for t in hpo],
        "diseases": [{"term": {"id": t, "label": t}, "onset": {"age": {"iso8601duration": "P30Y"}}}
                     for t in icd],
        "metaData": {"created": "2026-01-01T00:00:00Z", "createdBy": "onemg tests",
                     "phenopacketSchemaVersion": "2.0"},
    }


def make_source(folder: Path, *, dataset_id: str = "test-fi", n: int = 90, records: int = 120,
                seed: int = 1, country: str = "FI") -> tuple[Path, Cohort, dict[str, set[int]]]:
    """Write a synth-like country folder; returns it, the cohort and term -> individual indices."""
    cohort = write_cohort(folder, n_samples=n, n_records=records, seed=seed)
    rng = np.random.default_rng(seed + 100)
    terms: dict[str, set[int]] = {t: set() for t in HPO + ICD10}
    lines = []
    for i, (sample, sex) in enumerate(zip(cohort.samples, cohort.sex, strict=True)):
        hpo = [t for t in HPO if rng.random() < 0.3]
        icd = [t for t in ICD10 if rng.random() < 0.25]
        for t in hpo + icd:
            terms[t].add(i)
        lines.append(json.dumps(phenopacket(sample, sex, hpo, icd, int(rng.integers(1940, 2010)))))
    (folder / "individuals.jsonl").write_text("\n".join(lines) + "\n")
    descriptor = {
        "id": dataset_id, "title": f"test cohort {dataset_id}", "description": "random",
        "country": country, "synthetic": True, "assemblyId": "GRCh38",
        "access": {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"},
        "dataUseConditions": {"duoDataUse": [{"id": "DUO:0000042",
                                              "label": "general research use"}]},
        "files": {"genotypes": cohort.vcf.name, "metadata": "individuals.jsonl"},
    }
    (folder / "dataset.json").write_text(json.dumps(descriptor, indent=1))
    return folder, cohort, terms

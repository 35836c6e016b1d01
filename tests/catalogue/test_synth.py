"""The catalogue on `onemg synth` output (FI/EE/PT), against an independent computation."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from sqlalchemy import Engine

from onemg.catalogue import Catalogue, IndividualRecord, check_terms, parse_phenopackets
from onemg.ontology import Ontology
from tests.beacon_schema import validate
from tests.catalogue.conftest import YEAR
from tests.catalogue.truth import random_filter, truth

COUNTRIES = ("fi", "ee", "pt")
#: The catalogue and, per dataset id, its parsed records and VCF sample order.
Loaded = tuple[Catalogue, dict[str, tuple[list[IndividualRecord], list[str]]]]


def _vcf_samples(path: Path) -> list[str]:
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if line.startswith("#CHROM"):
                return line.rstrip("\n").split("\t")[9:]
    raise AssertionError(f"{path}: no #CHROM header")


@pytest.fixture
def synth_catalogue(synth_cohort: Path, engine: Engine, onto: Ontology) -> Loaded:
    cat = Catalogue(engine, ontology=onto, current_year=YEAR)
    loaded = {}
    for cc in COUNTRIES:
        folder = synth_cohort / cc
        records = parse_phenopackets(folder / "individuals.jsonl")
        check_terms(records, onto)
        samples = _vcf_samples(folder / "genotypes.vcf.gz")
        desc = json.loads((folder / "dataset.json").read_text())
        cat.stage_version(desc, version="1", records=records, sample_ids=samples,
                          data_path=str(folder))
        cat.publish_version(desc["id"], "1")
        loaded[desc["id"]] = (records, samples)
    return cat, loaded


def test_synth_filters_match_independent_computation(synth_catalogue: Loaded,
                                                     onto: Ontology) -> None:
    cat, loaded = synth_catalogue
    assert sorted(loaded) == ["synth-ee-s7", "synth-fi-s7", "synth-pt-s7"]
    rng = random.Random(21)
    for dataset_id, (records, samples) in loaded.items():
        info = cat.dataset(dataset_id)
        assert info.n_individuals == len(samples)
        by_id = {r.id: r for r in records}
        recs = [by_id.get(s) for s in samples]
        hpo = sorted({t for r in records for t in r.term_ids() if t.startswith("HP:")})
        icd = sorted({t for r in records for t in r.term_ids() if t.startswith("ICD10:")})
        platforms = sorted({r.sequencing.platform for r in records if r.sequencing})
        assert hpo
        assert icd
        for _ in range(40):
            filters = [random_filter(rng, hpo, icd, platforms)
                       for _ in range(rng.choice([1, 2]))]
            got = cat.individual_set(dataset_id, filters)
            expected = [i for i, rec in enumerate(recs)
                        if all(truth(f, rec, onto, info.country) for f in filters)]
            assert got.indices.tolist() == expected, (dataset_id, filters)


def test_synth_records_validate(synth_catalogue: Loaded) -> None:
    cat, loaded = synth_catalogue
    for dataset_id in loaded:
        for record in cat.individual_records(dataset_id, range(20)):
            validate(record, "individual")
        for record in cat.biosample_records(dataset_id, range(5)):
            validate(record, "biosample")
        for record in cat.run_records(dataset_id, range(5)):
            validate(record, "run")
        for record in cat.analysis_records(dataset_id, range(5)):
            validate(record, "analysis")
    for record in cat.dataset_records():
        validate(record, "dataset")
    for record in cat.cohort_records():
        validate(record, "cohort")

"""Population structure, spiked-variant frequencies and penetrance against their stated values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from cyvcf2 import VCF

from onemg.synth import synthesize
from onemg.synth.tables import load_known_variants


def _allele_freqs(path: Path) -> tuple[dict[tuple[str, int, str], float], int]:
    freqs = {}
    vcf = VCF(str(path))
    n_haps = 2 * len(vcf.samples)
    for v in vcf:
        for alt, ac in zip(v.ALT, np.atleast_1d(v.INFO["AC"]), strict=True):
            freqs[(v.CHROM, v.POS, alt)] = ac / n_haps
    return freqs, n_haps


def hudson_fst(a: Path, b: Path) -> float:
    """Hudson's FST (ratio of averages, Bhatia et al. 2013) over the union of both sites."""
    fa, na = _allele_freqs(a)
    fb, nb = _allele_freqs(b)
    keys = sorted(set(fa) | set(fb))
    p1 = np.array([fa.get(k, 0.0) for k in keys])
    p2 = np.array([fb.get(k, 0.0) for k in keys])
    num = (p1 - p2) ** 2 - p1 * (1 - p1) / (na - 1) - p2 * (1 - p2) / (nb - 1)
    den = p1 * (1 - p2) + p2 * (1 - p1)
    return float(num.sum() / den.sum())


def test_country_frequencies_differ_more_with_distance(synth_cohort: Path) -> None:
    vcfs = {c: synth_cohort / c / "genotypes.vcf.gz" for c in ("fi", "ee", "pt")}
    fi_ee = hudson_fst(vcfs["fi"], vcfs["ee"])
    fi_pt = hudson_fst(vcfs["fi"], vcfs["pt"])
    ee_pt = hudson_fst(vcfs["ee"], vcfs["pt"])
    assert fi_ee > 0
    assert ee_pt > 0
    # FI and EE share a cluster (NORTHEAST); PT is in SOUTHWEST.
    assert fi_pt > fi_ee


def test_rare_variant_load_is_realistic(synth_cohort: Path) -> None:
    freqs, n_haps = _allele_freqs(synth_cohort / "pt" / "genotypes.vcf.gz")
    ac = np.rint(np.array(list(freqs.values())) * n_haps)
    # Recent exponential growth gives an excess of singletons over the constant-size neutral
    # expectation (share 1 / a_n, a_n = sum_{i<n} 1/i: about 0.16 at n = 300 haplotypes).
    a_n = np.sum(1.0 / np.arange(1, n_haps))
    assert (ac == 1).mean() > 1.5 / a_n


def _boosted_table(carrier_frequency: float):
    table = load_known_variants()
    variants = tuple(
        dataclasses.replace(v, carrier_frequency={"default": carrier_frequency})
        for v in table.variants
    )
    return dataclasses.replace(table, variants=variants)


@pytest.fixture(scope="module")
def boosted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One country, 2000 people, every known variant at carrier frequency 0.3."""
    out = tmp_path_factory.mktemp("boosted")
    synthesize(
        out,
        countries={"DE": 2000},
        seed=11,
        regions=["CFTR", "LDLR", "HFE", "HBB", "BRCA1", "BRCA2"],
        known_variants=_boosted_table(0.3),
    )
    return out / "de"


def _summary(folder: Path) -> list[dict[str, str]]:
    lines = (folder / "truth" / "spiked_variants.tsv").read_text().splitlines()
    keys = lines[0].split("\t")
    return [dict(zip(keys, line.split("\t"), strict=True)) for line in lines[1:]]


def test_spiked_carrier_frequencies_match_request(boosted: Path) -> None:
    n = 2000
    for s in _summary(boosted):
        f = float(s["carrier_frequency"])
        observed = int(s["carriers"]) / n
        sigma = np.sqrt(f * (1 - f) / n)
        assert abs(observed - f) < 4 * sigma, s["variant_id"]


def _diagnoses(folder: Path) -> list[dict[str, str]]:
    lines = (folder / "truth" / "diagnoses.tsv").read_text().splitlines()
    keys = lines[0].split("\t")
    return [dict(zip(keys, line.split("\t"), strict=True)) for line in lines[1:]]


def _people(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    import json

    packets = [json.loads(x) for x in (folder / "individuals.jsonl").read_text().splitlines()]
    age = np.array([2025 - int(p["subject"]["dateOfBirth"][:4]) for p in packets])
    sex = np.array([p["subject"]["sex"] for p in packets])
    return age, sex


def _carriers(folder: Path, variant_ids: set[str], n: int) -> np.ndarray:
    copies = np.zeros((n, 2), dtype=int)
    rows = (folder / "truth" / "spiked_genotypes.tsv").read_text().splitlines()[1:]
    for row in rows:
        fields = row.split("\t")
        if fields[0] in variant_ids:
            a, b = fields[7].split("|")
            copies[int(fields[5])] += (int(a), int(b))
    return copies


def test_dominant_penetrance(boosted: Path) -> None:
    age, _ = _people(boosted)
    n = len(age)
    copies = _carriers(boosted, {"LDLR_D227E", "LDLR_G592E"}, n)
    affected = np.zeros(n, dtype=bool)
    for d in _diagnoses(boosted):
        if d["icd10"] == "E78.0":
            affected[int(d["individual_index"])] = True
    eligible = age >= 5  # earliest onset of familial hypercholesterolaemia in the table
    het = (copies.sum(axis=1) == 1) & eligible
    non = (copies.sum(axis=1) == 0) & eligible
    p = 0.9
    assert abs(affected[het].mean() - p) < 4 * np.sqrt(p * (1 - p) / het.sum())
    assert affected[non].mean() < 0.01  # background 0.002


def test_recessive_disease_only_in_biallelic(boosted: Path) -> None:
    age, _ = _people(boosted)
    n = len(age)
    copies = _carriers(boosted, {"CFTR_F508del"}, n).sum(axis=1)
    cf = np.zeros(n, dtype=bool)
    causes = {}
    for d in _diagnoses(boosted):
        if d["icd10"] == "E84.0":
            cf[int(d["individual_index"])] = True
            causes[int(d["individual_index"])] = d["cause"]
    eligible = age >= 0
    assert cf[(copies == 2) & eligible].all()  # penetrance 1.0
    assert cf[copies == 1].sum() <= 2  # heterozygotes: background 0.0002 only
    assert all(causes[i] == "biallelic" for i in np.flatnonzero(copies == 2))


def test_sex_limited_disease(boosted: Path) -> None:
    _, sex = _people(boosted)
    for d in _diagnoses(boosted):
        if d["icd10"] in ("C50.9", "C56"):
            assert sex[int(d["individual_index"])] == "FEMALE"


def test_single_region_zarr_straight_from_tskit_matches_truth(tmp_path: Path) -> None:
    import zarr

    summary = synthesize(
        tmp_path,
        countries={"FI": 120, "PT": 80},
        seed=3,
        regions=["HFE"],
        fmt="zarr",
        known_variants=_boosted_table(0.3),
    )
    for c in summary.countries:
        root = zarr.open(str(c.folder / "genotypes.vcz"), mode="r")
        assert root.attrs["onemg_synthetic"] == "true"
        assert list(root["contig_id"][:]) == ["chr6"]
        assert list(root["contig_length"][:]) == [170805979]
        assert root["sample_id"][0] == f"{c.code}-s3-000000"
        positions = root["variant_position"][:]
        assert len(positions) == c.variants
        lines = (c.folder / "truth" / "spiked_genotypes.tsv").read_text().splitlines()[1:]
        rows = [r.split("\t") for r in lines]
        for pos in {int(r[2]) for r in rows}:
            (idx,) = np.flatnonzero(positions == pos)
            gt = root["call_genotype"][idx]
            got = {int(i): f"{gt[i, 0]}|{gt[i, 1]}" for i in np.flatnonzero(gt.sum(axis=1))}
            assert got == {int(r[5]): r[7] for r in rows if int(r[2]) == pos}

"""The shared small cohort (FI, EE, PT x 150, seed 7) read back with independent tools."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from cyvcf2 import VCF
from google.protobuf.json_format import Parse
from phenopackets import Phenopacket

CODES = ("fi", "ee", "pt")


def _truth_genotypes(folder: Path) -> dict[tuple[str, int, str], dict[int, str]]:
    rows = (folder / "truth" / "spiked_genotypes.tsv").read_text().splitlines()[1:]
    out: dict[tuple[str, int, str], dict[int, str]] = {}
    for row in rows:
        _vid, chrom, pos, _ref, alt, idx, _iid, gt = row.split("\t")
        out.setdefault((chrom, int(pos), alt), {})[int(idx)] = gt
    return out


def _truth_summary(folder: Path) -> list[dict[str, str]]:
    lines = (folder / "truth" / "spiked_variants.tsv").read_text().splitlines()
    keys = lines[0].split("\t")
    return [dict(zip(keys, line.split("\t"), strict=True)) for line in lines[1:]]


@pytest.mark.parametrize("code", CODES)
def test_layout_and_descriptor(synth_cohort: Path, code: str) -> None:
    folder = synth_cohort / code
    for name in ("genotypes.vcf.gz", "genotypes.vcf.gz.tbi", "individuals.jsonl", "dataset.json"):
        assert (folder / name).is_file(), name
    ds = json.loads((folder / "dataset.json").read_text())
    assert ds["id"] == f"synth-{code}-s7"
    assert ds["country"] == code.upper()
    assert ds["synthetic"] is True
    assert ds["counts"]["individuals"] == 150
    assert ds["access"] == {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"}
    assert ds["dataUseConditions"]["duoDataUse"][0]["id"].startswith("DUO:")
    assert ds["files"] == {"genotypes": "genotypes.vcf.gz", "metadata": "individuals.jsonl"}
    records = subprocess.run(
        ["bcftools", "view", "-H", str(folder / "genotypes.vcf.gz")],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.count("\n")
    assert records == ds["counts"]["variants"] > 500


def test_duo_varies_by_country(synth_cohort: Path) -> None:
    ids = {
        code: json.loads((synth_cohort / code / "dataset.json").read_text())["dataUseConditions"][
            "duoDataUse"
        ][0]["id"]
        for code in CODES
    }
    assert ids == {"fi": "DUO:0000042", "ee": "DUO:0000006", "pt": "DUO:0000007"}


@pytest.mark.parametrize("code", CODES)
def test_vcf_header_labels_synthetic_grch38(synth_cohort: Path, code: str) -> None:
    vcf = VCF(str(synth_cohort / code / "genotypes.vcf.gz"))
    raw = vcf.raw_header
    assert "##onemg_synthetic=true" in raw
    assert "##reference=GRCh38" in raw
    assert "##contig=<ID=chr7,length=159345973,assembly=GRCh38>" in raw
    assert vcf.samples[:2] == [f"{code.upper()}-s7-000000", f"{code.upper()}-s7-000001"]
    assert len(vcf.samples) == 150


@pytest.mark.parametrize("code", CODES)
def test_cyvcf2_genotypes_match_truth(synth_cohort: Path, code: str) -> None:
    folder = synth_cohort / code
    truth = _truth_genotypes(folder)
    summary = _truth_summary(folder)
    spiked_bases = {(s["chrom"], int(s["pos"]) + k) for s in summary for k in range(len(s["ref"]))}
    by_rsid = {s["rsid"]: s for s in summary}
    seen = set()
    for v in VCF(str(folder / "genotypes.vcf.gz")):
        if v.ID is None:
            # Simulated sites overlapping a spiked allele were removed.
            assert (v.CHROM, v.POS) not in spiked_bases
            continue
        s = by_rsid[v.ID]
        assert (v.CHROM, v.POS, v.REF, v.ALT) == (s["chrom"], int(s["pos"]), s["ref"], [s["alt"]])
        gts = np.array(v.genotypes)[:, :2]
        carriers = {int(i): f"{gts[i, 0]}|{gts[i, 1]}" for i in np.flatnonzero(gts.sum(axis=1))}
        assert carriers == truth[(v.CHROM, v.POS, s["alt"])]
        assert v.INFO["AN"] == 300
        assert v.INFO["AC"] == int(gts.sum()) == int(s["alt_alleles"])
        seen.add(v.ID)
    assert seen == {s["rsid"] for s in summary if int(s["alt_alleles"]) > 0}


@pytest.mark.parametrize("code", CODES)
def test_bcftools_query_matches_truth(synth_cohort: Path, code: str) -> None:
    folder = synth_cohort / code
    truth = _truth_genotypes(folder)
    for (chrom, pos, alt), carriers in truth.items():
        out = subprocess.run(
            ["bcftools", "query", "-r", f"{chrom}:{pos}", "-i", f'ALT="{alt}"', "-f", "[%GT\\n]",
             str(folder / "genotypes.vcf.gz")],
            capture_output=True, check=True, text=True,
        ).stdout.split()  # fmt: skip
        assert len(out) == 150
        got = {i: gt for i, gt in enumerate(out) if gt != "0|0"}
        assert got == carriers


@pytest.mark.parametrize("code", CODES)
def test_every_phenopacket_parses_in_sample_order(synth_cohort: Path, code: str) -> None:
    folder = synth_cohort / code
    samples = VCF(str(folder / "genotypes.vcf.gz")).samples
    lines = (folder / "individuals.jsonl").read_text().splitlines()
    assert len(lines) == len(samples)
    for line, sample in zip(lines, samples, strict=True):
        packet = Parse(line, Phenopacket())
        assert packet.id == packet.subject.id == sample
        assert packet.subject.sex in (1, 2)  # FEMALE, MALE
        bio = packet.biosamples[0]
        assert bio.individual_id == sample
        assert bio.files[0].file_attributes["genomeAssembly"] == "GRCh38"
        assert bio.files[0].uri == "genotypes.vcf.gz"
        for d in packet.diseases:
            assert d.term.id.startswith(("ICD10:", "ORPHA:"))
            assert d.onset.age.iso8601duration.startswith("P")


def test_health_records_are_plausible(synth_cohort: Path) -> None:
    packets = [
        json.loads(line)
        for code in CODES
        for line in (synth_cohort / code / "individuals.jsonl").read_text().splitlines()
    ]
    births = np.array([int(p["subject"]["dateOfBirth"][:4]) for p in packets])
    ages = 2025 - births
    codes = [{d["term"]["id"] for d in p.get("diseases", [])} for p in packets]
    hypertension = np.array(["ICD10:I10" in c for c in codes])
    # Hypertension rises with age: far more common over 60 than under 40.
    assert hypertension[ages >= 60].mean() > 2 * hypertension[ages < 40].mean() + 0.05
    females = np.array([p["subject"]["sex"] == "FEMALE" for p in packets])
    prostate = np.array(["ICD10:C61" in c for c in codes])
    assert not prostate[females].any()
    assert 0.3 < females.mean() < 0.7
    assert 0 <= ages.min()
    assert ages.max() < 100

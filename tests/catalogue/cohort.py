"""Small random cohorts written as Phenopacket JSON lines (test data for the catalogue)."""

from __future__ import annotations

import json
import random
from typing import Any

# Seizure family (parent + descendants), asthma, and unrelated terms.
HPO_POOL = ["HP:0001250", "HP:0002069", "HP:0007359", "HP:0002099", "HP:0001631",
            "HP:0000822", "HP:0001513", "HP:0004322", "HP:0012758", "HP:0000717"]
ICD_POOL = ["ICD10:E84.0", "ICD10:E84.1", "ICD10:E84.9", "ICD10:E11.9", "ICD10:I10",
            "ICD10:J45.0", "ICD10:G40.3", "ICD10:C50.9"]
ORPHA_FOR = {"ICD10:E84.0": "ORPHA:586", "ICD10:E84.1": "ORPHA:586", "ICD10:E84.9": "ORPHA:586"}
TISSUES = [("UBERON:0000178", "blood"), ("UBERON:0001836", "saliva")]
SAMPLE_TYPES = [("OBI:0000655", "blood specimen"), ("OBI:0002603", "saliva specimen")]
PLATFORMS = ["Illumina NovaSeq 6000", "MGI DNBSEQ-G400"]


def phenopacket(pid: str, rng: random.Random) -> dict[str, Any]:
    """One random but valid Phenopacket following the synth conventions."""
    sex = rng.choice(["FEMALE", "MALE", "FEMALE", "MALE", "UNKNOWN_SEX"])
    subject: dict[str, Any] = {"id": pid, "sex": sex}
    if rng.random() < 0.9:
        subject["dateOfBirth"] = f"{rng.randint(1930, 2015)}-01-01T00:00:00Z"
    diseases = []
    for code in rng.sample(ICD_POOL, rng.choice([0, 0, 1, 1, 2])):
        onset = {"age": {"iso8601duration": f"P{rng.randint(1, 70)}Y"}}
        diseases.append({"term": {"id": code, "label": code}, "onset": onset})
        if code in ORPHA_FOR:
            diseases.append({"term": {"id": ORPHA_FOR[code], "label": "Cystic fibrosis"},
                             "onset": onset})
    features = []
    for term in rng.sample(HPO_POOL, rng.choice([0, 1, 1, 2, 3])):
        feature: dict[str, Any] = {"type": {"id": term, "label": term}}
        if rng.random() < 0.5:
            feature["onset"] = {"age": {"iso8601duration": f"P{rng.randint(0, 60)}Y"}}
        if rng.random() < 0.1:
            feature["excluded"] = True
        features.append(feature)
    tissue = rng.choice(TISSUES)
    stype = SAMPLE_TYPES[TISSUES.index(tissue)]
    biosample = {
        "id": f"{pid}-bs", "individualId": pid,
        "sampledTissue": {"id": tissue[0], "label": tissue[1]},
        "sampleType": {"id": stype[0], "label": stype[1]},
        "timeOfCollection": {"timestamp": f"20{rng.randint(10, 24)}-03-04T00:00:00Z"},
        "files": [{"uri": "genotypes.vcf.gz", "fileAttributes": {
            "genomeAssembly": "GRCh38", "fileFormat": "VCF", "platform": rng.choice(PLATFORMS),
            "pipeline": "onemg-synth-1", "runDate": "2024-04-01", "analysisDate": "2024-05-01"}}],
    }
    return {"id": pid, "subject": subject, "diseases": diseases, "phenotypicFeatures": features,
            "biosamples": [biosample],
            "metaData": {"created": "2026-01-01T00:00:00Z", "createdBy": "tests",
                         "phenopacketSchemaVersion": "2.0"}}


def cohort_lines(prefix: str, n: int, seed: int) -> list[str]:
    """``n`` phenopacket JSON lines with ids ``<prefix>-000000`` ..."""
    rng = random.Random(seed)
    return [json.dumps(phenopacket(f"{prefix}-{i:06d}", rng)) for i in range(n)]


def descriptor(dataset_id: str, country: str) -> dict[str, Any]:
    """A dataset descriptor like the one `onemg synth` writes."""
    return {"id": dataset_id, "title": f"Synthetic {country} cohort",
            "description": "random test cohort", "country": country, "synthetic": True,
            "createDateTime": "2026-01-01T00:00:00Z", "assemblyId": "GRCh38",
            "dataUseConditions": {"duoDataUse": [
                {"id": "DUO:0000042", "label": "general research use",
                 "modifiers": [{"id": "DUO:0000045", "label": "not for profit use only"}]}]},
            "access": {"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"}}

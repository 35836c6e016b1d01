"""Turn synthetic health records into GA4GH Phenopacket v2 JSON (conventions: docs/architecture.md).

The JSON uses protobuf's camelCase field names, so each line parses with
``google.protobuf.json_format.Parse(line, phenopackets.Phenopacket())``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from onemg.synth.phenotypes import REFERENCE_YEAR, Person

CREATED = f"{REFERENCE_YEAR}-01-01T00:00:00Z"

_RESOURCES = [
    ("hp", "human phenotype ontology", "HP", "http://purl.obolibrary.org/obo/HP_", "hpo3"),
    ("icd10", "WHO ICD-10", "ICD10", "https://icd.who.int/browse10/2019/en#/", "2019"),
    ("ordo", "Orphanet Rare Disease Ontology", "ORPHA", "http://www.orpha.net/ORDO/Orphanet_",
     "4.4"),
    ("uberon", "Uber-anatomy ontology", "UBERON", "http://purl.obolibrary.org/obo/UBERON_", "2024"),
    ("obi", "Ontology for Biomedical Investigations", "OBI", "http://purl.obolibrary.org/obo/OBI_",
     "2024"),
    ("ncbitaxon", "NCBI organismal classification", "NCBITaxon",
     "http://purl.obolibrary.org/obo/NCBITaxon_", "2024"),
]  # fmt: skip
_TISSUES = [("UBERON:0000178", "blood"), ("UBERON:0001836", "saliva")]
_PLATFORMS = ["Illumina NovaSeq 6000", "Illumina NovaSeq X Plus", "MGI DNBSEQ-T7"]
_PIPELINES = [
    "nf-core/sarek 3.4.0 (BWA-MEM2, GATK 4.5 HaplotypeCaller) [simulated: onemg synth]",
    "nf-core/sarek 3.2.3 (BWA-MEM, DeepVariant 1.5) [simulated: onemg synth]",
    "DRAGEN 4.2 germline [simulated: onemg synth]",
]


@dataclass(frozen=True)
class SequencingContext:
    """Country-level sequencing facts shared by every biosample of a dataset."""

    genotype_file: str  # file name relative to the country folder
    file_format: str  # VCF, BCF or VCZ
    platform: str
    pipeline: str
    meta_data: dict[str, Any]  # the same metaData block for every phenopacket (built once)


def sequencing_context(
    country_index: int, genotype_file: str, file_format: str
) -> SequencingContext:
    """Pick a platform and pipeline for a country (varies by country, fixed per dataset)."""
    meta_data = {
        "created": CREATED,
        "createdBy": "onemg synth (synthetic data)",
        "resources": [
            {
                "id": rid,
                "name": name,
                "namespacePrefix": prefix,
                "url": url,
                "iriPrefix": url,
                "version": version,
            }
            for rid, name, prefix, url, version in _RESOURCES
        ],  # fmt: skip
        "phenopacketSchemaVersion": "2.0",
    }
    return SequencingContext(
        genotype_file,
        file_format,
        _PLATFORMS[country_index % len(_PLATFORMS)],
        _PIPELINES[country_index % len(_PIPELINES)],
        meta_data,
    )


def _age(years: int) -> dict[str, Any]:
    return {"age": {"iso8601duration": f"P{years}Y"}}


def _date(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def phenopacket(
    person: Person,
    individual_id: str,
    context: SequencingContext,
    draws: np.ndarray,
) -> dict[str, Any]:
    """One Phenopacket v2 as a JSON-ready dict.

    ``draws`` holds four uniform numbers in [0, 1) (collection date, sequencing and analysis
    delays, tissue), drawn for all individuals at once because per-call draws dominate at 1M.
    """
    birth_year = REFERENCE_YEAR - 1 - person.age
    # Collected 2015 .. Sep 2025 (never before birth); sequencing and analysis follow, all before
    # the pinned creation date 2026-01-01.
    first = dt.date(max(2015, birth_year), 1, 1)
    collected = first + dt.timedelta(days=int(draws[0] * ((dt.date(2025, 9, 30) - first).days + 1)))
    run = collected + dt.timedelta(days=14 + int(draws[1] * 46))
    analysed = run + dt.timedelta(days=3 + int(draws[2] * 27))
    tissue = _TISSUES[0] if draws[3] < 0.9 else _TISSUES[1]
    diseases: list[dict[str, Any]] = []
    for d in person.diagnoses:
        diseases.append(
            {"term": {"id": f"ICD10:{d.icd10}", "label": d.label}, "onset": _age(d.onset)}
        )
        if d.orpha:
            diseases.append({"term": {"id": d.orpha, "label": d.label}, "onset": _age(d.onset)})
    features = [
        {"type": {"id": hpo, "label": label}, "onset": _age(onset)}
        for hpo, (label, onset) in sorted(person.features.items())
    ]
    packet: dict[str, Any] = {
        "id": individual_id,
        "subject": {
            "id": individual_id,
            "dateOfBirth": f"{birth_year}-01-01T00:00:00Z",
            "sex": person.sex,
            "taxonomy": {"id": "NCBITaxon:9606", "label": "Homo sapiens"},
        },
    }
    if features:
        packet["phenotypicFeatures"] = features
    if diseases:
        packet["diseases"] = diseases
    packet["biosamples"] = [
        {
            "id": f"{individual_id}-B1",
            "individualId": individual_id,
            "sampledTissue": {"id": tissue[0], "label": tissue[1]},
            "sampleType": {"id": "OBI:0001051", "label": "DNA extract"},
            "timeOfCollection": {"timestamp": _date(collected)},
            "files": [
                {
                    "uri": context.genotype_file,
                    "individualToFileIdentifiers": {individual_id: individual_id},
                    "fileAttributes": {
                        "genomeAssembly": "GRCh38",
                        "fileFormat": context.file_format,
                        "platform": context.platform,
                        "pipeline": context.pipeline,
                        "runDate": run.isoformat(),
                        "analysisDate": analysed.isoformat(),
                    },
                }
            ],
        }
    ]
    packet["metaData"] = context.meta_data
    return packet


def to_jsonl_line(packet: dict[str, Any]) -> bytes:
    """Compact, key-order-stable JSON line (UTF-8)."""
    return orjson.dumps(packet) + b"\n"

"""Beacon ``genomicVariation`` records built from indexed variants.

A record carries the allele as a ``LegacyVariation`` with a VRS 1.3 ``SequenceLocation``, its HGVS
id, ``frequencyInPopulations`` (per country and sex, :mod:`onemg.beacon.frequencies`) and, only
for callers holding the CONTROLLED tier, ``caseLevelData`` (which samples carry it, with zygosity).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from onemg.genomics import Variant

_REFSEQ_VERSION = {
    1: 11, 2: 12, 3: 12, 4: 12, 5: 10, 6: 12, 7: 14, 8: 11, 9: 12, 10: 11, 11: 10, 12: 12,
    13: 11, 14: 9, 15: 10, 16: 10, 17: 11, 18: 10, 19: 10, 20: 11, 21: 9, 22: 11, 23: 11, 24: 10,
}
HETEROZYGOUS = {"id": "GENO:0000135", "label": "heterozygous"}
HOMOZYGOUS = {"id": "GENO:0000136", "label": "homozygous"}
GERMLINE = {"id": "SO:0001778", "label": "germline variant"}


def refseq(contig: str) -> str:
    """GRCh38 RefSeq accession of a canonical contig name (``7`` -> ``NC_000007.14``)."""
    if contig == "MT":
        return "NC_012920.1"
    number = {"X": 23, "Y": 24}.get(contig) or int(contig)
    return f"NC_{number:06d}.{_REFSEQ_VERSION[number]}"


def hgvs(v: Variant) -> str:
    """HGVS ``g.`` id of a normalised VCF allele (positions 1-based, as HGVS wants)."""
    acc, pos, ref, alt = refseq(v.contig), v.pos, v.ref, v.alt
    if len(ref) == 1 and len(alt) == 1:
        return f"{acc}:g.{pos}{ref}>{alt}"
    if len(alt) == 1 and ref[0] == alt[0]:
        first, last = pos + 1, pos + len(ref) - 1
        return f"{acc}:g.{first}del" if first == last else f"{acc}:g.{first}_{last}del"
    if len(ref) == 1 and alt[0] == ref[0]:
        return f"{acc}:g.{pos}_{pos + 1}ins{alt[1:]}"
    last = pos + len(ref) - 1
    span = f"{pos}" if last == pos else f"{pos}_{last}"
    return f"{acc}:g.{span}delins{alt}"


def frequencies(populations: list[dict[str, Any]], *, dataset_id: str, source: str,
                version: str) -> dict[str, Any]:
    """One ``FrequencyInPopulations`` item for the dataset (populations from
    :func:`onemg.beacon.frequencies.disclose`)."""
    return {"source": source, "sourceReference": f"urn:onemg:dataset:{dataset_id}",
            "version": version, "frequencies": populations}


def case_level(
    carriers: Sequence[int],
    is_hom: Sequence[bool],
    samples: Mapping[int, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """``caseLevelData`` for carriers, ``samples`` mapping index -> biosample record."""
    out = []
    for idx, hom in zip(carriers, is_hom, strict=True):
        sample = samples.get(int(idx))
        if sample is None:
            continue
        entry = {"biosampleId": sample["id"], "zygosity": HOMOZYGOUS if hom else HETEROZYGOUS,
                 "alleleOrigin": GERMLINE}
        if sample.get("individualId"):
            entry["individualId"] = sample["individualId"]
        out.append(entry)
    return out


def variant_record(v: Variant, *, frequency: dict[str, Any],
                   cases: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A ``genomicVariation`` default-schema record."""
    start = v.pos - 1  # VRS/Beacon intervals are 0-based, end-exclusive
    record: dict[str, Any] = {
        "variantInternalId": v.internal_id,
        "variation": {
            "variantType": v.variant_type,
            "referenceBases": v.ref,
            "alternateBases": v.alt,
            "location": {
                "type": "SequenceLocation",
                "sequence_id": f"refseq:{refseq(v.contig)}",
                "interval": {
                    "type": "SequenceInterval",
                    "start": {"type": "Number", "value": start},
                    "end": {"type": "Number", "value": start + len(v.ref)},
                },
            },
        },
        "identifiers": {"genomicHGVSId": hgvs(v)},
        "frequencyInPopulations": [frequency],
    }
    if cases is not None:
        record["caseLevelData"] = cases
    return record

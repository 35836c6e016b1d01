"""Variant normalisation shared by ingest and query: contig names, allele trimming, splitting.

The contract (docs/architecture.md, "Coordinates and variants"): contigs are named ``1..22, X, Y,
MT``; multi-allelic records are split into one row per ALT; each (pos, ref, alt) is made
parsimonious by trimming the common suffix, then the common prefix, keeping one anchor base when
an allele would become empty. No reference FASTA is available to a node, so left-alignment goes as
far as the alleles' own sequence allows: trimming the suffix first is what moves a repeat-unit
indel to its leftmost place *within* the record. Where the base before the record continues the
repeat, a reference-aware tool (``bcftools norm -f``) would shift further left; ingest and query
both use this function, so they always agree with each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from onemg.errors import InvalidInputError

#: Canonical contig names, in sort order.
CONTIGS: tuple[str, ...] = tuple([str(i) for i in range(1, 23)] + ["X", "Y", "MT"])
CONTIG_RANK: dict[str, int] = {name: i for i, name in enumerate(CONTIGS)}

# GRCh38 RefSeq accessions of the primary assembly (NC_000001.11 .. NC_000024.10, NC_012920.1).
_REFSEQ_VERSION = {
    1: 11, 2: 12, 3: 12, 4: 12, 5: 10, 6: 12, 7: 14, 8: 11, 9: 12, 10: 11, 11: 10, 12: 12,
    13: 11, 14: 9, 15: 10, 16: 10, 17: 11, 18: 10, 19: 10, 20: 11, 21: 9, 22: 11, 23: 11, 24: 10,
}
_REFSEQ_RE = re.compile(r"^NC_0000(\d\d)(?:\.(\d+))?$")
_BASES_RE = re.compile(r"^[ACGTN]+$")

#: Variant type codes stored in the index (``uint8``) and their names.
VARIANT_TYPES: tuple[str, ...] = ("SNP", "MNP", "INS", "DEL", "INDEL")


def normalize_contig(name: str) -> str:
    """Map a contig alias to its canonical GRCh38 name.

    Args:
        name: ``chr7``, ``7``, ``NC_000007.14``, ``refseq:NC_000007.14``, ``chrM``, ``MT`` ...

    Returns:
        One of :data:`CONTIGS`.

    Raises:
        InvalidInputError: the name is not a primary GRCh38 chromosome.
    """
    raw = str(name).strip()
    text = raw
    if text.lower().startswith("refseq:"):
        text = text[len("refseq:"):]
    match = _REFSEQ_RE.match(text)
    if match:
        number = int(match.group(1))
        if number in _REFSEQ_VERSION and match.group(2) in (None, str(_REFSEQ_VERSION[number])):
            return CONTIGS[number - 1] if number <= 22 else ("X" if number == 23 else "Y")
    if text == "NC_012920.1" or text == "NC_012920":
        return "MT"
    if text[:3].lower() == "chr":
        text = text[3:]
    upper = text.upper()
    if upper in ("M", "MT"):
        return "MT"
    if upper in ("X", "Y"):
        return upper
    if text.isdigit() and 1 <= int(text) <= 22 and not text.startswith("0"):
        return text
    raise InvalidInputError(
        f"unknown contig {raw!r}: use a GRCh38 primary chromosome as 1..22, X, Y, MT, "
        "chr1, NC_000001.11 or refseq:NC_000001.11"
    )


def is_symbolic(alt: str) -> bool:
    """True for alleles a Beacon index cannot represent: ``<DEL>``, breakends, ``*``, ``.``."""
    return (not alt or alt in (".", "*") or alt.startswith("<") or "[" in alt or "]" in alt)


def normalize_allele(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Trim and left-align one bi-allelic variant as far as its own alleles allow.

    Args:
        pos: 1-based position of the first base of ``ref``.
        ref: reference allele (A, C, G, T, N; case-insensitive).
        alt: alternate allele, same alphabet.

    Returns:
        ``(pos, ref, alt)`` with the common suffix removed, then the common prefix, keeping at
        least one base in each allele (the anchor base of an indel).

    Raises:
        InvalidInputError: an allele is empty, symbolic, not made of A/C/G/T/N, or equals ref.
    """
    ref_u = ref.upper()
    alt_u = alt.upper()
    if not _BASES_RE.match(ref_u) or not _BASES_RE.match(alt_u):
        raise InvalidInputError(
            f"alleles {ref!r}>{alt!r} at position {pos}: alleles must be non-empty strings of "
            "A, C, G, T, N (symbolic alleles such as <DEL> and '*' are not indexed)"
        )
    if ref_u == alt_u:
        raise InvalidInputError(f"alleles {ref!r}>{alt!r} at position {pos}: ALT equals REF")
    if pos < 1:
        raise InvalidInputError(f"position {pos} is not a 1-based position (must be >= 1)")
    # Suffix first: this is what slides a repeat-unit indel to its leftmost place in the record.
    end_r, end_a = len(ref_u), len(alt_u)
    while end_r > 1 and end_a > 1 and ref_u[end_r - 1] == alt_u[end_a - 1]:
        end_r -= 1
        end_a -= 1
    start = 0
    while end_r - start > 1 and end_a - start > 1 and ref_u[start] == alt_u[start]:
        start += 1
    return pos + start, ref_u[start:end_r], alt_u[start:end_a]


def variant_type(ref: str, alt: str) -> str:
    """Classify a *normalised* allele pair: SNP, MNP, INS, DEL or INDEL (complex)."""
    if len(ref) == len(alt):
        return "SNP" if len(ref) == 1 else "MNP"
    if len(ref) == 1 and alt[0] == ref[0]:
        return "INS"
    if len(alt) == 1 and ref[0] == alt[0]:
        return "DEL"
    return "INDEL"


@dataclass(frozen=True)
class SplitAllele:
    """One ALT of a (possibly multi-allelic) record after normalisation."""

    allele_index: int  # index of the ALT in the record's allele list (1 = first ALT)
    pos: int
    ref: str
    alt: str


def split_record(pos: int, ref: str, alts: list[str] | tuple[str, ...]) -> tuple[
        list[SplitAllele], int]:
    """Split a record into normalised bi-allelic rows.

    Args:
        pos: 1-based VCF position.
        ref: VCF REF.
        alts: the ALT alleles in record order (empty strings, as fill, are ignored).

    Returns:
        The normalised rows and the number of ALTs skipped (symbolic, ``*``, invalid bases or
        equal to REF); the caller reports the skip count as a warning.
    """
    rows: list[SplitAllele] = []
    skipped = 0
    for k, alt in enumerate(alts, start=1):
        if alt == "":
            continue
        if is_symbolic(alt):
            skipped += 1
            continue
        try:
            p, r, a = normalize_allele(pos, ref, alt)
        except InvalidInputError:
            skipped += 1
            continue
        rows.append(SplitAllele(k, p, r, a))
    return rows, skipped

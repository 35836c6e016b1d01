"""Normalisation: hand cases and agreement with ``bcftools norm -m-any -f`` on random records."""

from __future__ import annotations

from pathlib import Path

import pytest

from onemg.errors import InvalidInputError
from onemg.genomics.normalize import (
    normalize_allele,
    normalize_contig,
    split_record,
    variant_type,
)
from tests.genomics.vcfgen import truth, write_cohort


@pytest.mark.parametrize(
    ("name", "expected"),
    [("chr7", "7"), ("7", "7"), ("NC_000007.14", "7"), ("refseq:NC_000007.14", "7"),
     ("chrX", "X"), ("x", "X"), ("NC_000023.11", "X"), ("NC_000024.10", "Y"), ("chrM", "MT"),
     ("MT", "MT"), ("M", "MT"), ("NC_012920.1", "MT"), ("22", "22"), ("CHR22", "22")],
)
def test_contig_aliases(name: str, expected: str) -> None:
    assert normalize_contig(name) == expected


@pytest.mark.parametrize("name", ["chr23", "0", "07", "GL000220.1", "NC_000007.13", "chrUn", ""])
def test_unknown_contig_is_an_error(name: str) -> None:
    with pytest.raises(InvalidInputError, match="unknown contig"):
        normalize_contig(name)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((100, "A", "G"), (100, "A", "G")),  # SNP untouched
        ((100, "ACGT", "ACCT"), (102, "G", "C")),  # padded SNP trimmed both sides
        ((100, "ACGT", "AGCT"), (101, "CG", "GC")),  # MNP
        ((100, "CAGAG", "CAG"), (100, "CAG", "C")),  # repeat deletion moved left in the record
        ((100, "GCACA", "GCA"), (100, "GCA", "G")),
        ((100, "CAT", "CTT"), (101, "A", "T")),  # split ALT of a multi-allelic record
        ((100, "A", "AT"), (100, "A", "AT")),  # insertion keeps its anchor
        ((100, "ATTT", "ATTTT"), (100, "A", "AT")),  # insertion slid to the anchor
        ((100, "AAC", "AGTT"), (101, "AC", "GTT")),  # complex: prefix trimmed only
        ((5, "acgt", "a"), (5, "ACGT", "A")),  # case folded
    ],
)
def test_normalize_allele(given: tuple, expected: tuple) -> None:
    assert normalize_allele(*given) == expected


@pytest.mark.parametrize(("ref", "alt"), [("A", "A"), ("A", "<DEL>"), ("A", "*"), ("", "A"),
                                          ("A", "X")])
def test_bad_alleles_rejected(ref: str, alt: str) -> None:
    with pytest.raises(InvalidInputError, match="alleles|ALT equals REF"):
        normalize_allele(10, ref, alt)


def test_split_record_skips_symbolic_and_counts_them() -> None:
    rows, skipped = split_record(100, "CAT", ["C", "CTT", "*", "<DEL>", ""])
    assert [(r.allele_index, r.pos, r.ref, r.alt) for r in rows] == [
        (1, 100, "CAT", "C"), (2, 101, "A", "T")]
    assert skipped == 2


@pytest.mark.parametrize(
    ("ref", "alt", "kind"),
    [("A", "G", "SNP"), ("AC", "GT", "MNP"), ("A", "AT", "INS"), ("AT", "A", "DEL"),
     ("AC", "GTT", "INDEL")],
)
def test_variant_type(ref: str, alt: str, kind: str) -> None:
    assert variant_type(ref, alt) == kind


def test_agrees_with_bcftools_norm(tmp_path: Path) -> None:
    """Every ALT of random (multi-allelic, padded) records normalises as bcftools does."""
    import cyvcf2

    cohort = write_cohort(tmp_path, n_samples=4, n_records=300, seed=7)
    expected = {}
    for row in truth(cohort, tmp_path):
        expected.setdefault(row.record_id, set()).add((row.pos, row.ref, row.alt))
    checked = 0
    for v in cyvcf2.VCF(str(cohort.vcf)):
        rows, skipped = split_record(v.POS, v.REF, v.ALT)
        assert skipped == 0
        assert {(r.pos, r.ref, r.alt) for r in rows} == expected[v.CHROM + ":" + v.ID], v.ID
        checked += len(rows)
    assert checked > 300

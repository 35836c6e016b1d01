"""Region parsing: gene symbols, intervals, merging and errors."""

from __future__ import annotations

import pytest

from onemg.errors import InvalidInputError
from onemg.synth.regions import parse_regions
from onemg.synth.tables import load_genes


@pytest.fixture(scope="module")
def genes():
    return load_genes()


def test_defaults_are_the_six_genes_plus_bulk(genes) -> None:
    regions = parse_regions(None, genes)
    assert [r.name for r in regions] == [
        "HFE", "CFTR", "HBB", "BRCA2", "BRCA1", "LDLR", "chr22:30000001-31000000",
    ]  # fmt: skip
    cftr = regions[1]
    assert (cftr.chrom, cftr.start, cftr.end) == ("7", 117480025, 117668664)
    assert regions[-1].length == 1_000_000


@pytest.mark.parametrize("spec", ["chr7:1000-2000", "7:1000-2000", "CHR7:1000-2000"])
def test_interval_forms(genes, spec: str) -> None:
    (region,) = parse_regions([spec], genes)
    assert (region.chrom, region.start, region.end) == ("7", 1000, 2000)


def test_gene_symbols_are_case_insensitive_and_overlaps_merge(genes) -> None:
    regions = parse_regions(["cftr", "chr7:117600000-117700000", "hbb"], genes)
    assert [(r.chrom, r.start, r.end) for r in regions] == [
        ("7", 117480025, 117700000),
        ("11", 5225464, 5227071),
    ]
    assert regions[0].name == "CFTR+chr7:117600000-117700000"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("NOPE1", "unknown gene 'NOPE1'"),
        ("chr7:5-1", "out of range"),
        ("chr7:0-10", "out of range"),
        ("chr23:1-10", "unknown chromosome"),
        ("chrY:1-100", "diploid autosomes and X"),
        ("chr7-1-10", "malformed region"),
    ],
)
def test_bad_regions(genes, spec: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_regions([spec], genes)

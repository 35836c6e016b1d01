"""Ingest refuses what would silently corrupt a node: another genome build, a bad descriptor."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from onemg.cli import main
from onemg.errors import InvalidInputError
from onemg.genomics.assembly import check_grch38, parse_header, wrong_build_evidence
from onemg.ingest import resolve_inputs
from onemg.ingest.descriptor import validate_descriptor
from tests.ingest.grch37 import PHASE3_META, silent, with_chr_prefix
from tests.ingest.sources import make_source


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder, _, _ = make_source(tmp_path_factory.mktemp("src") / "fi", n=12, records=20, seed=3)
    return folder


def _with_header(src: Path, dest: Path, meta: str) -> Path:
    """A copy of the source folder whose VCF carries ``meta`` instead of its own meta lines."""
    shutil.copytree(src, dest)
    lines = gzip.open(dest / "cohort.vcf.gz", "rt").read().splitlines()
    body = [line for line in lines if not line.startswith("##")]
    (dest / "cohort.vcf").write_text(meta + "\n" + "\n".join(body) + "\n")
    for name in ("cohort.vcf.gz", "cohort.vcf.gz.tbi"):
        (dest / name).unlink()
    desc = json.loads((dest / "dataset.json").read_text())
    desc["files"]["genotypes"] = "cohort.vcf"
    (dest / "dataset.json").write_text(json.dumps(desc))
    return dest


def test_real_grch37_header_refused_naming_the_reference(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    src = _with_header(source, tmp_path / "src", with_chr_prefix(PHASE3_META))
    node = tmp_path / "node"
    assert main(["ingest", "--data-dir", str(node), str(src)]) == 2
    err = capsys.readouterr().err
    assert "not on GRCh38" in err
    assert "hs37d5.fa.gz" in err
    assert "bcftools +liftover" in err
    assert "CrossMap" in err
    assert not node.exists()  # a refused ingest leaves no node directory behind


def test_silent_grch37_header_decided_by_contig_lengths(source: Path, tmp_path: Path) -> None:
    meta = silent(with_chr_prefix(PHASE3_META))
    assert "##reference" not in meta
    assert "assembly=" not in meta
    src = _with_header(source, tmp_path / "src", meta)
    with pytest.raises(
        InvalidInputError,
        match=r"contig lengths are those of GRCh37 "
        r"\(chr1 length 249250621",
    ):
        check_grch38(src / "cohort.vcf", "vcf")


def test_grch38_header_and_test_headers_accepted(source: Path) -> None:
    check_grch38(source / "cohort.vcf.gz", "vcf")  # short test contigs: no evidence either way
    grch38 = "\n".join(
        f"##contig=<ID=chr{c},length={n}>"
        for c, n in (("1", 248956422), ("2", 242193529), ("M", 16569))
    )
    assert wrong_build_evidence(*parse_header(grch38)) is None
    # the mitochondrion (rCRS) is the same in both builds and decides nothing
    assert wrong_build_evidence(None, parse_header("##contig=<ID=MT,length=16569>")[1]) is None
    assert "hg19 chrM" in wrong_build_evidence(
        None, parse_header("##contig=<ID=chrM,length=16571>")[1]
    )


def test_descriptor_assembly_other_than_grch38_refused(source: Path, tmp_path: Path) -> None:
    desc = json.loads((source / "dataset.json").read_text())
    for build in ("GRCh37", "hg19", "b37"):
        bad = tmp_path / "dataset.json"
        bad.write_text(json.dumps({**desc, "assemblyId": build}))
        with pytest.raises(
            InvalidInputError,
            match=r"`assemblyId`: this node serves GRCh38 "
            r"only .*bcftools \+liftover.*CrossMap.*found '" + build,
        ):
            resolve_inputs(source_dir=source, descriptor=bad)
    for ok in ("GRCh38", "hg38", "GCF_000001405.40"):
        validate_descriptor({**desc, "assemblyId": ok}, "dataset.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"access": {"count": "PUBLICK"}},
            r"`access.count`: 'PUBLICK' is not one of PUBLIC, REGISTERED, CONTROLLED",
        ),
        ({"country": None}, r"`country`: required but missing \(ISO 3166-1 alpha-2"),
        ({"country": "Finland"}, r"`country`: .*found 'Finland'"),
        ({"acess": {"count": "PUBLIC"}}, r"`acess`: unknown key \(a typo\?\); known keys: id, "),
        ({"access": {"counts": "PUBLIC"}}, r"`access.counts`: unknown key"),
    ],
)
def test_descriptor_errors_name_the_field(
    source: Path, tmp_path: Path, change: dict, message: str
) -> None:
    desc = json.loads((source / "dataset.json").read_text())
    desc.update(change)
    desc = {k: v for k, v in desc.items() if v is not None}
    bad = tmp_path / "dataset.json"
    bad.write_text(json.dumps(desc))
    with pytest.raises(InvalidInputError, match=str(bad) + ": .*" + message):
        resolve_inputs(source_dir=source, descriptor=bad)


def test_descriptor_tiers_normalised(source: Path) -> None:
    desc = json.loads((source / "dataset.json").read_text())
    out = validate_descriptor({**desc, "access": {"count": "registered"}}, "dataset.json")
    assert out["access"] == {"boolean": "PUBLIC", "count": "REGISTERED", "record": "CONTROLLED"}
    out = validate_descriptor({**desc, "access": {"differencing": "registered"}}, "x")
    assert out["access"]["differencing"] == "REGISTERED"

"""The one-pass VCF -> VCF Zarr route against bio2zarr's own explode/encode route.

bio2zarr's two-pass route is the reference: the one-pass store must hold the same arrays (same
dtypes, shapes, values, fill and missing sentinels) and attributes, and the index built during
the conversion must be byte-identical to one rebuilt from the finished store.
"""

from __future__ import annotations

import filecmp
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zarr
from bio2zarr import constants
from bio2zarr import vcf as b2z

from onemg.errors import InvalidInputError
from onemg.genomics import build_index, convert_and_index, sample_ids
from onemg.genomics.vcf_stream import NotStreamableError, StreamedVcf, convert_one_pass
from tests.genomics.vcfgen import write_cohort

INT_FILL = constants.INT_FILL

HEADER = """##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=q10,Description="Quality below 10">
##contig=<ID=chr1,length=1000>
##contig=<ID=chr2,length=500>
##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count">
##INFO=<ID=AN,Number=1,Type=Integer,Description="Allele number">
##INFO=<ID=DB,Number=0,Type=Flag,Description="In a database">
##INFO=<ID=AF,Number=A,Type=Float,Description="Frequency">
##INFO=<ID=NOTE,Number=.,Type=String,Description="Free text">
##INFO=<ID=END,Number=1,Type=Integer,Description="End">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	A	B	C
"""
#: Multi-allelic, missing and half-missing calls, phased and unphased, a haploid record, a
#: symbolic allele with END, no-ALT, FILTER lists, missing QUAL and INFO of every type.
# ruff: noqa: E501
RECORDS = """\
chr1	5	rs1	AC	A,G	.	PASS	AC=1,2;AN=4;DB;AF=0.25,0.5;NOTE=a,bb	GT	0|1	2/2	./.
chr1	9	.	A	T	12.5	.	AN=6	GT	0/0	1|1	.|1
chr1	9	rs2;rs3	A	C,AT,G	3	q10	AC=1,.,0	GT	3/1	0/2	1/.
chr2	7	.	A	<DEL>	30	q10	END=20;AC=300	GT	0	.	1
chr2	9	.	A	.	30	q10;PASS	AC=.	GT	0/0	0/0	0/0
"""


def _bgzip(text: str, path: Path, *, index: bool = True) -> Path:
    path.write_text(text)
    subprocess.run(["bgzip", "-f", str(path)], check=True)
    if index:
        subprocess.run(["tabix", "-f", "-p", "vcf", f"{path}.gz"], check=True)
    return Path(f"{path}.gz")


def _reference_store(src: Path, dest: Path, tmp: Path, **kw: int) -> None:
    b2z.explode(str(tmp / "icf"), [str(src)], worker_processes=0)
    b2z.encode(str(tmp / "icf"), str(dest), worker_processes=0, **kw)


def _haploid_records(store: zarr.Group) -> np.ndarray | None:
    """Records whose calls are all of ploidy 1 in a store with room for two alleles per call."""
    gt = store["call_genotype"][:]
    return (gt[..., 1] == INT_FILL).all(axis=1) if gt.shape[-1] > 1 else None


def _assert_same_store(a: Path, b: Path) -> None:
    x, y = zarr.open_group(str(a), mode="r"), zarr.open_group(str(b), mode="r")
    assert sorted(x.array_keys()) == sorted(y.array_keys())
    for name in y.array_keys():
        u, v = x[name][:], y[name][:]
        assert (u.dtype, u.shape) == (v.dtype, v.shape), name
        haploid = _haploid_records(y) if name == "call_genotype_phased" else None
        if haploid is not None:
            # The reference's phase of a call in an all-haploid record of a mixed-ploidy store
            # is undefined: cyvcf2's Genotypes.array() (bio2zarr's explode uses it) reads it
            # from _raw[sample * ploidy + 1], i.e. the next sample's first allele, and for the
            # last sample 4 bytes past the GT buffer: leftover heap bytes, so the test was
            # flaky. Inside the buffer it is always False (a first allele never carries the
            # phase bit); the one-pass decoder writes False for all of them. (A haploid call in
            # a record with diploid calls reads htslib's vector-end padding: True in both.)
            assert not u[haploid].any(), "all-haploid records in a mixed store are unphased"
            u, v = u[~haploid], v[~haploid]
        if u.dtype.kind == "f":  # missing and fill are distinct NaN payloads: compare bits
            u, v = u.view(f"i{u.dtype.itemsize}"), v.view(f"i{v.dtype.itemsize}")
        np.testing.assert_array_equal(u, v, err_msg=name)
    assert dict(x.attrs) == dict(y.attrs)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("stream")
    return write_cohort(
        d, n_samples=70, n_records=240, seed=11, haploid_contig="chr2", star_every=7
    ).vcf


def test_same_store_as_bio2zarr_on_edge_cases(tmp_path: Path) -> None:
    src = _bgzip(HEADER + RECORDS, tmp_path / "edge.vcf")
    convert_one_pass(src, tmp_path / "one.vcz")
    _reference_store(src, tmp_path / "ref.vcz", tmp_path)
    _assert_same_store(tmp_path / "one.vcz", tmp_path / "ref.vcz")


@pytest.mark.parametrize("fmt", ["vcf.gz", "bcf"])
def test_same_store_as_bio2zarr_on_random_cohort(cohort: Path, tmp_path: Path, fmt: str) -> None:
    src = cohort
    if fmt == "bcf":
        src = tmp_path / "cohort.bcf"
        subprocess.run(["bcftools", "view", "-Ob", "-o", str(src), str(cohort)], check=True)
        subprocess.run(["bcftools", "index", str(src)], check=True)
    # Small chunks and partitions: many chunk and partition boundaries.
    convert_one_pass(src, tmp_path / "one.vcz", variants_chunk_size=16, samples_chunk_size=32)
    _reference_store(
        src, tmp_path / "ref.vcz", tmp_path, variants_chunk_size=16, samples_chunk_size=32
    )
    _assert_same_store(tmp_path / "one.vcz", tmp_path / "ref.vcz")


def test_sample_subset_matches_bio2zarr(cohort: Path, tmp_path: Path) -> None:
    keep = sample_ids(cohort)[5:60:3]
    convert_one_pass(cohort, tmp_path / "one.vcz", keep_samples=keep, scratch=tmp_path / "s")
    sub = tmp_path / "sub.bcf"
    subprocess.run(
        [
            "bcftools",
            "view",
            "--no-version",
            "-I",
            "-s",
            ",".join(keep),
            "-Ob",
            "-o",
            str(sub),
            str(cohort),
        ],
        check=True,
    )
    subprocess.run(["bcftools", "index", str(sub)], check=True)
    _reference_store(sub, tmp_path / "ref.vcz", tmp_path)
    _assert_same_store(tmp_path / "one.vcz", tmp_path / "ref.vcz")


def test_index_built_during_conversion_equals_rebuild(cohort: Path, tmp_path: Path) -> None:
    n = len(sample_ids(cohort))
    sex = ["female", "male", "unknown"] * (n // 3) + ["female"] * (n % 3)
    country = ["FI" if i % 4 else "EE" for i in range(n)]
    progress: list[tuple[int, int]] = []
    summary = convert_and_index(
        cohort,
        tmp_path / "g.vcz",
        tmp_path / "live",
        sex=sex,
        country=country,
        staging=tmp_path / "st",
        variants_chunk_size=16,
        progress=lambda d, t: progress.append((d, t)),
    )
    again = build_index(tmp_path / "g.vcz", tmp_path / "rebuilt")
    assert summary == again
    records = zarr.open_group(str(tmp_path / "g.vcz"), mode="r")["variant_position"].shape[0]
    assert progress
    assert progress[-1][0] == progress[-1][1] == -(-records // 16) > 1
    files = sorted(
        p.relative_to(tmp_path / "live")
        for p in (tmp_path / "live").rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    assert files
    for f in files:
        assert filecmp.cmp(tmp_path / "live" / f, tmp_path / "rebuilt" / f, shallow=False), f
    strata = zarr.open_group(str(tmp_path / "g.vcz"), mode="r")
    assert strata["sample_sex"][:].tolist() == sex


def test_unsorted_input_is_refused(tmp_path: Path) -> None:
    lines = RECORDS.splitlines()
    src = _bgzip(
        HEADER + "\n".join([lines[1], lines[0], *lines[2:]]) + "\n",
        tmp_path / "unsorted.vcf",
        index=False,
    )
    with pytest.raises(
        InvalidInputError, match=r"record 2 \(chr1:5\) is not sorted.*bcftools sort"
    ):
        convert_one_pass(src, tmp_path / "x.vcz")
    assert not (tmp_path / "x.vcz").exists()


def test_undefined_filter_is_refused(tmp_path: Path) -> None:
    src = _bgzip(
        HEADER.replace('##FILTER=<ID=q10,Description="Quality below 10">\n', "") + RECORDS,
        tmp_path / "f.vcf",
    )
    with pytest.raises(InvalidInputError, match=r"FILTER value\(s\) \['q10'\].*##FILTER"):
        convert_one_pass(src, tmp_path / "x.vcz")


def test_ploidy_above_two_is_refused(tmp_path: Path) -> None:
    src = _bgzip(HEADER + RECORDS.replace("0|1\t2/2", "0|1|1\t2/2"), tmp_path / "p.vcf")
    with pytest.raises(InvalidInputError, match=r"chr1:5 has ploidy 3"):
        convert_one_pass(src, tmp_path / "x.vcz")


def test_contig_without_header_line_takes_the_two_pass_route(tmp_path: Path) -> None:
    # Unindexed: with a tabix index htslib fills in the missing contig line itself.
    src = _bgzip(
        HEADER.replace("##contig=<ID=chr2,length=500>\n", "") + RECORDS,
        tmp_path / "c.vcf",
        index=False,
    )
    with pytest.raises(NotStreamableError):
        StreamedVcf(src)
    convert_and_index(
        src,
        tmp_path / "g.vcz",
        tmp_path / "index",
        sex=["female"] * 3,
        country=["FI"] * 3,
        staging=tmp_path / "st",
    )
    assert zarr.open_group(str(tmp_path / "g.vcz"), mode="r")["contig_id"][:].tolist() == [
        "chr1",
        "chr2",
    ]


def test_truncated_file_names_the_file(cohort: Path, tmp_path: Path) -> None:
    data = cohort.read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: len(data) - 200])  # the header block intact, the last one not
    with pytest.raises(InvalidInputError, match="cut.vcf.gz"):
        convert_and_index(
            cut,
            tmp_path / "g.vcz",
            tmp_path / "index",
            sex=["female"] * 70,
            country=["FI"] * 70,
            staging=tmp_path / "st",
        )


def test_plain_text_vcf_streams(tmp_path: Path) -> None:
    plain = tmp_path / "edge.vcf"
    plain.write_text(HEADER + RECORDS)
    convert_one_pass(plain, tmp_path / "one.vcz")
    src = _bgzip(HEADER + RECORDS, tmp_path / "ref.vcf")
    _reference_store(src, tmp_path / "ref.vcz", tmp_path)
    _assert_same_store(tmp_path / "one.vcz", tmp_path / "ref.vcz")


def test_decode_calls_matches_cyvcf2(tmp_path: Path) -> None:
    from cyvcf2 import VCF

    from onemg.genomics.vcf_stream import decode_calls

    mixed = (
        "chr1\t5\t.\tA\tG,T\t.\t.\t.\tGT\t0\t0/1\t./1\n"
        "chr1\t6\t.\tA\tG\t.\t.\t.\tGT\t.|.\t1|.\t2\n"
        "chr1\t7\t.\tA\tG\t.\t.\t.\tGT\t0|1\t.\t0/1/1\n"
    )
    src = _bgzip(
        HEADER + RECORDS + mixed.replace("chr1\t", "chr2\t"), tmp_path / "m.vcf", index=False
    )
    seen = 0
    for v in VCF(str(src)):
        want = v.genotype.array()
        k = want.shape[1] - 1
        raw = v.format("GT", int)
        np.testing.assert_array_equal(decode_calls(raw), want[:, :k])
        if k > 1:
            np.testing.assert_array_equal((raw[:, 1] & 1).astype(bool), want[:, k].astype(bool))
        # For k == 1 cyvcf2's phase column reads past the GT buffer (see _assert_same_store).
        seen += 1
    assert seen == 8


def test_other_format_fields_take_the_two_pass_route(tmp_path: Path) -> None:
    header = HEADER.replace(
        "##FORMAT=<ID=GT",
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n##FORMAT=<ID=GT',
    )
    # DP left out of the sample columns: trailing FORMAT fields may be dropped.
    records = RECORDS.replace("\tGT\t", "\tGT:DP\t")
    src = _bgzip(header + records, tmp_path / "dp.vcf")
    with pytest.raises(NotStreamableError, match=r"FORMAT fields \['DP'\]"):
        StreamedVcf(src)
    convert_and_index(
        src,
        tmp_path / "g.vcz",
        tmp_path / "index",
        sex=["female"] * 3,
        country=["FI"] * 3,
        staging=tmp_path / "st",
    )
    root = zarr.open_group(str(tmp_path / "g.vcz"), mode="r")
    assert "call_DP" in root
    assert (tmp_path / "index" / "manifest.json").exists()

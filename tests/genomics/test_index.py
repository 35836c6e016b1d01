"""The Beacon index against cyvcf2 over the ``bcftools norm``-split VCF (independent truth)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import zarr

from onemg.errors import InvalidInputError, NotFoundError
from onemg.genomics import (
    VariantIndex,
    VariantQuery,
    build_index,
    convert_genotypes,
    gene_region,
    write_sample_strata,
)
from onemg.individual_set import IndividualSet
from tests.genomics.vcfgen import Cohort, TruthRow, truth, write_cohort

N = 160


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cohort, list[TruthRow], Path]:
    """A random cohort converted with small chunks (many chunks, sparse and dense rows)."""
    d = tmp_path_factory.mktemp("index")
    cohort = write_cohort(
        d, n_samples=N, n_records=300, seed=3, haploid_contig="chr2", star_every=9
    )
    vcz = d / "g.vcz"
    convert_genotypes(
        cohort.vcf, vcz, staging=d / "staging", variants_chunk_size=40, samples_chunk_size=48
    )
    country = ["FI" if i % 3 else "EE" for i in range(N)]
    write_sample_strata(vcz, sex=cohort.sex, country=country)
    build_index(vcz, d / "index")
    return cohort, truth(cohort, d), d / "index"


@pytest.fixture(scope="module")
def index(built: tuple) -> VariantIndex:
    return VariantIndex.open(built[2])


def _key(row: TruthRow) -> tuple[str, int, str, str]:
    return row.record_id.split(":")[0].removeprefix("chr"), row.pos, row.ref, row.alt


def test_every_variant_counts_and_carriers_match(built: tuple, index: VariantIndex) -> None:
    cohort, rows, _ = built
    assert index.n_individuals == N
    assert index.n_variants == len(rows)
    sex = np.array(cohort.sex)
    for t in rows:
        contig, pos, ref, alt = _key(t)
        r = index.lookup(f"{contig}:{pos}:{ref}:{alt}")
        v = index.variants([r])[0]
        assert (v.ac, v.an) == (t.ac, t.an), t
        carriers, is_hom = index.zygosity(r)
        assert set(carriers.tolist()) == t.carriers
        assert set(carriers[is_hom].tolist()) == t.homs, t
        assert index.carrier_count(r) == len(t.carriers)
        fem = np.flatnonzero(sex == "female")
        alt_counts, called_counts = np.array(t.alt_counts), np.array(t.called_counts)
        for s in ("female", "male", "unknown"):
            members = sex == s
            want = (alt_counts[members].sum(), called_counts[members].sum())
            assert v.strata[f"sex:{s}"] == want, (s, t)
        assert index.count_carriers(r, IndividualSet.from_indices(fem, N)) == len(
            t.carriers & set(fem.tolist())
        )


def test_strata_sum_to_totals(index: VariantIndex) -> None:
    for v in index.variants(range(index.n_variants)):
        sexes = [v.strata[f"sex:{s}"] for s in ("female", "male", "unknown")]
        assert sum(a for a, _ in sexes) == v.ac
        assert sum(b for _, b in sexes) == v.an
        assert v.strata["country:FI"][0] + v.strata["country:EE"][0] == v.ac
        assert v.af == pytest.approx(v.ac / v.an)


def test_rows_sorted_and_both_storage_kinds_used(index: VariantIndex) -> None:
    vs = index.variants(range(index.n_variants))
    keys = [(int(v.contig), v.pos) for v in vs]
    assert keys == sorted(keys)
    counts = [index.carrier_count(v.row) for v in vs]
    assert max(counts) >= N / 32 > min(counts)


@pytest.mark.parametrize("seed", range(6))
def test_random_filters_and_unions(built: tuple, index: VariantIndex, seed: int) -> None:
    _, rows, _ = built
    rng = np.random.default_rng(seed)
    within = IndividualSet.from_mask(rng.random(N) < rng.uniform(0.05, 0.9))
    wanted = set(within.indices.tolist())
    by_key = {_key(t): t for t in rows}
    for _ in range(20):
        picks = rng.choice(len(rows), size=int(rng.integers(1, 6)), replace=False)
        keys = [_key(rows[i]) for i in picks]
        ids = [index.lookup(":".join(map(str, k))) for k in keys]
        union = set().union(*(by_key[k].carriers for k in keys))
        assert index.count_carriers(ids) == len(union)
        assert index.count_carriers(ids, within) == len(union & wanted)
        assert set(index.carrier_set(ids, within).indices.tolist()) == union & wanted
        got = set(index.rows_carried_by(ids, within).tolist())
        assert got == {i for i, k in zip(ids, keys, strict=True) if by_key[k].carriers & wanted}


def test_sequence_query_normalises_the_request(index: VariantIndex) -> None:
    v = next(x for x in index.variants(range(index.n_variants)) if x.variant_type == "DEL")
    padded_ref, padded_alt = v.ref + "GT", v.alt + "GT"
    rows = index.find(
        VariantQuery(f"chr{v.contig}", start=v.pos - 1, ref=padded_ref, alt=padded_alt)
    )
    assert rows.tolist() == [v.row]
    assert index.variants(rows)[0].internal_id == f"{v.contig}:{v.pos}:{v.ref}:{v.alt}"
    assert index.find(VariantQuery(v.contig, start=v.pos - 1, ref="N", alt=v.alt)).size >= 1


def test_range_bracket_and_type_filters(index: VariantIndex) -> None:
    vs = [v for v in index.variants(range(index.n_variants)) if v.contig == "1"]
    start, end = vs[10].pos - 1 + 1, vs[40].pos + 5
    want = [v.row for v in vs if v.pos - 1 < end and v.pos - 1 + len(v.ref) > start]
    assert index.find(VariantQuery("1", start=start, end=end)).tolist() == want
    dels = index.find(VariantQuery("1", start=start, end=end, variant_type="DEL")).tolist()
    assert dels == [r for r in want if index.variants([r])[0].variant_type == "DEL"]
    indels = index.find(VariantQuery("1", start=start, end=end, variant_type="INDEL"))
    assert set(dels) <= set(indels.tolist())
    snv = index.find(VariantQuery("1", start=start, end=end, variant_type="SNV")).tolist()
    assert all(index.variants([r])[0].variant_type == "SNP" for r in snv)
    alt = vs[20].alt
    assert index.find(VariantQuery("1", start=start, end=end, alt=alt)).tolist() == [
        v.row for v in vs if v.row in want and v.alt == alt
    ]
    # bracket: starts in [s, s2], ends (0-based exclusive) in [e1, e2]
    b = index.find(VariantQuery("1", start=start, start_max=end, end_min=0, end_max=10**9))
    assert b.tolist() == [v.row for v in vs if start <= v.pos - 1 <= end]
    d = vs[15]
    e0 = d.pos - 1 + len(d.ref)
    b = index.find(VariantQuery("1", start=d.pos - 1, start_max=d.pos - 1, end_min=e0, end_max=e0))
    assert d.row in b.tolist()


def test_errors(index: VariantIndex, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="not in this dataset"):
        index.lookup("1:1:A:T")
    with pytest.raises(InvalidInputError, match="contig:pos:ref:alt"):
        index.lookup("1-1-A-T")
    with pytest.raises(InvalidInputError, match="unknown contig"):
        index.find(VariantQuery("chrZ", start=1, end=2))
    with pytest.raises(InvalidInputError, match="variant type"):
        index.find(VariantQuery("1", start=1, end=2, variant_type="CNV"))
    with pytest.raises(InvalidInputError, match="does not match this dataset"):
        index.count_carriers([0, 1], IndividualSet.all(N + 1))
    with pytest.raises(NotFoundError, match="variant rows must be"):
        index.count_carriers([0, index.n_variants])
    with pytest.raises(NotFoundError, match="onemg index rebuild"):
        VariantIndex.open(tmp_path)
    assert index.find(VariantQuery("Y", start=1, end=10**6)).size == 0


def test_vcz_is_a_spec_store_with_strata(built: tuple) -> None:
    root = zarr.open_group(str(built[2].parent / "g.vcz"), mode="r")
    assert root["sample_sex"].shape == (N,)
    assert root.attrs["vcf_zarr_version"]
    assert "region_index" in root


def test_rebuild_is_identical(built: tuple, index: VariantIndex, tmp_path: Path) -> None:
    build_index(built[2].parent / "g.vcz", tmp_path / "again")
    other = VariantIndex.open(tmp_path / "again")
    for name in ("pos", "ac", "an", "strata_ac"):
        np.testing.assert_array_equal(
            np.load(tmp_path / "again" / f"{name}.npy"), np.load(built[2] / f"{name}.npy")
        )
    for r in range(0, other.n_variants, 7):
        np.testing.assert_array_equal(other.carriers(r), index.carriers(r))


def test_gene_region() -> None:
    contig, start, end = gene_region("cftr")
    assert contig == "7"
    assert 0 < start < end
    with pytest.raises(NotFoundError, match="NOSUCHGENE"):
        gene_region("NOSUCHGENE")


def test_malformed_vcf_names_file_and_line(tmp_path: Path) -> None:
    cohort = write_cohort(tmp_path / "c", n_samples=5, n_records=20, seed=1)
    import gzip

    lines = gzip.open(cohort.vcf, "rt").read().splitlines()
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines[first + 3] = "\t".join(lines[first + 3].split("\t")[:-1])  # drop one sample column
    bad = tmp_path / "bad.vcf"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInputError, match=rf"bad.vcf:{first + 4}: 13 tab-separated"):
        convert_genotypes(bad, tmp_path / "o.vcz", staging=tmp_path / "st")


def test_vcztools_reads_the_store_back(built: tuple, tmp_path: Path) -> None:
    """The VCF Zarr (with onemg's extra sample arrays) stays readable by vcztools."""
    import shutil
    import subprocess

    vcztools = shutil.which("vcztools") or str(Path(sys.executable).parent / "vcztools")
    out = tmp_path / "back.vcf"
    with open(out, "w") as fh:
        subprocess.run([vcztools, "view", str(built[2].parent / "g.vcz")], stdout=fh, check=True)
    fmt = "%CHROM %POS %REF %ALT [%GT ]\n"

    def query(path: Path) -> str:
        return subprocess.run(
            ["bcftools", "query", "-f", fmt, str(path)], capture_output=True, text=True, check=True
        ).stdout

    assert query(out) == query(built[0].vcf)


def test_group_genotypes_are_the_carriers_counted_by_sex_and_country(
    built: tuple, index: VariantIndex
) -> None:
    cohort, _, _ = built
    country = ["FI" if i % 3 else "EE" for i in range(N)]
    assert index.groups is not None
    assert index.sample_group is not None
    # Each individual sits in the group of its own sex and country.
    assert [index.groups[g] for g in index.sample_group.tolist()] == list(
        zip(cohort.sex, country, strict=True))
    group = np.asarray(index.sample_group, dtype=np.int64)
    for r in range(index.n_variants):
        carriers, is_hom = index.zygosity(r)
        want = np.zeros((len(index.groups), 2), dtype=np.int64)
        np.add.at(want, (group[carriers], is_hom.astype(np.int64)), 1)
        np.testing.assert_array_equal(index.group_genotypes(r), want, err_msg=str(r))


def test_an_index_without_group_counts_says_how_to_get_them(
    built: tuple, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(built[2], old)
    (old / "group_genotypes.npy").unlink()
    (old / "sample_group.npy").unlink()
    legacy = VariantIndex.open(old)
    assert legacy.groups is None
    assert legacy.sample_group is None
    with pytest.raises(NotFoundError, match="onemg index rebuild"):
        legacy.group_genotypes(0)

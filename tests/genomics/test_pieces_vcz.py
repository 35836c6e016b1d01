"""``build_vcz_from_pieces``: one VCF Zarr from several tree sequences (two contigs, a gap),
against the VCF route (onemg's VCF writer, then bio2zarr's ``vcf2zarr``), in this process and
on a Dask LocalCluster; killed workers and bad input leave nothing behind."""

from __future__ import annotations

from pathlib import Path

import msprime
import numpy as np
import pytest
import zarr

from onemg.compute import ComputeFailedError
from onemg.errors import ConflictError, InvalidInputError
from onemg.genomics import TreesPiece, build_vcz_from_pieces
from onemg.settings import ComputeSettings
from onemg.synth import vcf, vcz
from onemg.synth.genomes import Piece
from onemg.synth.regions import Region
from onemg.synth.tables import GRCH38_LENGTHS
from tests.genomics.test_dask_builds import _Killer

pytestmark = pytest.mark.slow

N = 40
#: Two pieces of chr7 with a gap between them, then one of chr13.
REGIONS = (
    Region(name="a", chrom="7", start=117_000_001, end=117_040_000),
    Region(name="b", chrom="7", start=117_100_001, end=117_130_000),
    Region(name="c", chrom="13", start=32_300_001, end=32_330_000),
)
CONTIGS = [(f"chr{c}", n) for c, n in GRCH38_LENGTHS.items()]
ARRAYS = ("call_genotype", "call_genotype_mask", "call_genotype_phased", "contig_id",
          "contig_length", "sample_id", "variant_allele", "variant_contig", "variant_id",
          "variant_id_mask", "variant_length", "variant_position")  # fmt: skip


def _ids() -> list[str]:
    return [f"S{i:03d}" for i in range(N)]


@pytest.fixture(scope="module")
def pieces(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Piece], list[TreesPiece]]:
    """High mutation rates (JC69: recurrent and back mutations, so multi-allelic sites and
    alleles that no sample carries in the end)."""
    folder = tmp_path_factory.mktemp("pieces")
    out, files = [], []
    for k, r in enumerate(REGIONS):
        anc = msprime.sim_ancestry(N, sequence_length=r.length, recombination_rate=1e-8,
                                   population_size=1e4, random_seed=10 + k)  # fmt: skip
        ts = msprime.sim_mutations(anc, rate=2e-7, random_seed=20 + k)
        path = folder / f"{r.name}.trees"
        ts.dump(path)
        out.append(Piece(r, ts))
        files.append(TreesPiece(path, f"chr{r.chrom}", r.start))
    return out, files


@pytest.fixture(scope="module")
def dense(pieces, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    """The old dense route: VCF (``onemg.synth.vcf``), then bio2zarr's vcf2zarr."""
    folder = tmp_path_factory.mktemp("dense")
    ts_pieces, _ = pieces
    first = ts_pieces[0]
    pos = first.region.start + int(first.ts.site(first.ts.num_sites // 2).position)
    cohort = vcf.CohortFile("XX", folder / "g.vcf.gz", tuple(_ids()), ())
    vcf.write_cohorts(ts_pieces, [cohort], [np.arange(2 * N, dtype=np.int32)], fmt="vcf",
                      variant_ids={("7", pos): "rs1"})  # fmt: skip
    vcz.vcf_to_zarr(cohort.path, folder / "g.vcz")
    return folder / "g.vcz"


def _variant_ids(dense: Path) -> dict[tuple[str, int], str]:
    root = zarr.open_group(str(dense), mode="r")
    i = list(root["variant_id"][:]).index("rs1")
    return {("chr7", int(root["variant_position"][i])): "rs1"}


@pytest.mark.parametrize("workers", [0, 2])
def test_pieces_store_equals_the_vcf_route(pieces, dense: Path, tmp_path: Path,  # noqa: ANN001
                                           workers: int) -> None:  # fmt: skip
    ts_pieces, files = pieces
    absent = 0  # records whose tskit alleles include one no sample carries
    for p in ts_pieces:
        for var in p.ts.variants():
            counts = np.bincount(var.genotypes, minlength=len(var.alleles))
            absent += bool(counts[1:].any() and not counts[1:].all())
    assert absent > 0
    out = tmp_path / "s.vcz"
    summary = build_vcz_from_pieces(
        files, out, sample_ids=_ids(), contigs=CONTIGS, variant_ids=_variant_ids(dense),
        compute=ComputeSettings(workers=workers, memory_limit="1GiB"), variants_chunk_size=200,
        attrs={"onemg_synthetic": "true"},
    )  # fmt: skip
    want = zarr.open_group(str(dense), mode="r")
    got = zarr.open_group(str(out), mode="r")
    assert summary.n_variants == want["variant_position"].shape[0] > 1000
    assert summary.n_partitions == (1 if workers == 0 else 8)
    for name in ARRAYS:
        a, b = np.asarray(want[name][:]), np.asarray(got[name][:])
        assert (a.dtype, a.shape) == (b.dtype, b.shape), name
        assert np.array_equal(a, b), name
    contigs = np.asarray(got["contig_id"][:])[np.asarray(got["variant_contig"][:])]
    assert set(contigs.tolist()) == {"chr7", "chr13"}
    assert (np.asarray(got["variant_allele"][:])[:, 2] != "").any()  # multi-allelic records
    assert got.attrs["onemg_synthetic"] == "true"
    assert [p.name for p in tmp_path.iterdir()] == ["s.vcz"]  # no scratch left behind


def test_pieces_refuses_bad_input(pieces, tmp_path: Path) -> None:  # noqa: ANN001
    _, files = pieces
    with pytest.raises(InvalidInputError, match="genome order"):
        build_vcz_from_pieces(files[::-1], tmp_path / "a.vcz", sample_ids=_ids(),
                              contigs=CONTIGS)  # fmt: skip
    with pytest.raises(InvalidInputError, match="not in contigs"):
        build_vcz_from_pieces(files, tmp_path / "b.vcz", sample_ids=_ids(),
                              contigs=[("chr7", 10**8)])  # fmt: skip
    with pytest.raises(InvalidInputError, match="40 individuals in the tree sequence for 39"):
        build_vcz_from_pieces(files, tmp_path / "c.vcz", sample_ids=_ids()[:-1])
    with pytest.raises(InvalidInputError, match="no tree sequences"):
        build_vcz_from_pieces([], tmp_path / "d.vcz", sample_ids=_ids())
    (tmp_path / "e.vcz").mkdir()
    with pytest.raises(ConflictError, match="already exists"):
        build_vcz_from_pieces(files, tmp_path / "e.vcz", sample_ids=_ids())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.vcz"]


def test_pieces_killed_workers_publish_nothing(pieces, tmp_path: Path) -> None:  # noqa: ANN001
    _, files = pieces
    out = tmp_path / "out" / "s.vcz"

    def started() -> bool:
        return any(out.parent.glob(".s.vcz.partial-*/store.vcz/wip/partitions/*"))

    never_retry = ComputeSettings(workers=2, memory_limit="1GiB", allowed_failures=0)
    with _Killer(started) as k, pytest.raises(ComputeFailedError, match="Nothing was published"):
        build_vcz_from_pieces(files, out, sample_ids=_ids(), contigs=CONTIGS,
                              variants_chunk_size=16, compute=never_retry)  # fmt: skip
    assert k.killed
    assert list(out.parent.iterdir()) == []  # neither the store nor its scratch folder

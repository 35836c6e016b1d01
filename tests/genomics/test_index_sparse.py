"""The carrier-list index builder writes the same index as the VCF Zarr path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from onemg.genomics import VariantIndex, build_index, convert_genotypes, write_sample_strata
from onemg.genomics.index_sparse import CarrierBatch, build_index_from_carriers


def test_same_index_as_from_vcf(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n, n_sites = 40, 60
    pos = np.sort(rng.choice(np.arange(100, 10_000), size=n_sites, replace=False))
    ref = rng.choice(list("ACGT"), size=n_sites).tolist()
    alt = ["CGTA"["ACGT".index(r)] for r in ref]
    haps = [np.flatnonzero(rng.random(2 * n) < rng.choice([0.01, 0.05, 0.3, 0.7]))
            for _ in range(n_sites)]
    sex = rng.choice(["female", "male", "unknown"], size=n).tolist()
    country = ["EE" if i % 4 else "LV" for i in range(n)]
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=20000>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
             + "\t".join(f"s{i}" for i in range(n))]
    for p, r, a, h in zip(pos, ref, alt, haps, strict=True):
        g = np.zeros(2 * n, int)
        g[h] = 1
        lines.append(f"chr1\t{p}\t.\t{r}\t{a}\t.\t.\t.\tGT\t"
                     + "\t".join(f"{g[2 * i]}|{g[2 * i + 1]}" for i in range(n)))
    vcf = tmp_path / "x.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    subprocess.run(["bgzip", str(vcf)], check=True)
    convert_genotypes(tmp_path / "x.vcf.gz", tmp_path / "x.vcz", staging=tmp_path / "st",
                      variants_chunk_size=16)
    write_sample_strata(tmp_path / "x.vcz", sex=sex, country=country)
    build_index(tmp_path / "x.vcz", tmp_path / "a")
    offsets = np.zeros(n_sites + 1, np.int64)
    np.cumsum([h.size for h in haps], out=offsets[1:])
    batches = [CarrierBatch("chr1", pos[i:i + 25], ref[i:i + 25], alt[i:i + 25],
                            offsets[i:i + 26] - offsets[i],
                            np.concatenate(haps[i:i + 25])) for i in range(0, n_sites, 25)]
    build_index_from_carriers(tmp_path / "b", batches, n=n, sample_sex=sex,
                              sample_country=country)
    for name in ("pos", "end", "ac", "an", "strata_ac", "strata_an", "vtype", "group_genotypes",
                 "sample_group"):
        np.testing.assert_array_equal(np.load(tmp_path / "a" / f"{name}.npy"),
                                      np.load(tmp_path / "b" / f"{name}.npy"), err_msg=name)
    a, b = VariantIndex.open(tmp_path / "a"), VariantIndex.open(tmp_path / "b")
    for row in range(n_sites):
        for x, y in zip(a.zygosity(row), b.zygosity(row), strict=True):
            np.testing.assert_array_equal(x, y)

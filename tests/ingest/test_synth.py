"""Ingest the synth engineer's cohorts (CLI shorthand) and check the spiked-variant truth."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from onemg.cli import main
from onemg.errors import NotFoundError
from onemg.genomics import VariantIndex, VariantQuery, gene_region
from onemg.ingest import open_catalogue


@pytest.mark.slow
def test_three_countries_into_one_node_match_spiked_truth(
    synth_cohort: Path, tmp_path: Path
) -> None:
    node = tmp_path / "node"
    for cc in ("fi", "ee", "pt"):
        assert main(["ingest", "--data-dir", str(node), str(synth_cohort / cc)]) == 0
    cat = open_catalogue(f"sqlite:///{node / 'node.db'}")
    assert [d.id for d in cat.datasets()] == ["synth-ee-s7", "synth-fi-s7", "synth-pt-s7"]
    absent = 0
    for cc in ("fi", "ee", "pt"):
        info = cat.dataset(f"synth-{cc}-s7")
        index = VariantIndex.open(node / info.data_path / "index")
        assert index.n_individuals == info.n_individuals
        with open(synth_cohort / cc / "truth" / "spiked_variants.tsv") as fh:
            spiked = list(csv.DictReader(fh, delimiter="\t"))
        with open(synth_cohort / cc / "truth" / "spiked_genotypes.tsv") as fh:
            carriers: dict[str, set[int]] = {}
            for g in csv.DictReader(fh, delimiter="\t"):
                carriers.setdefault(g["variant_id"], set()).add(int(g["individual_index"]))
        seen = {True: 0, False: 0}
        for s in spiked:
            q = VariantQuery(s["chrom"], start=int(s["pos"]) - 1, ref=s["ref"], alt=s["alt"])
            rows = index.find(q)
            want = carriers.get(s["variant_id"], set())
            assert int(s["carriers"]) == len(want), s["variant_id"]
            seen[bool(want)] += 1
            if not want:
                # No carrier in this country: a monomorphic site, which the VCF leaves out,
                # so the node must not know the variant (a Beacon "no", not AC=0).
                assert rows.size == 0, s["variant_id"]
                assert int(s["alt_alleles"]) == 0
                continue
            assert rows.size == 1, s["variant_id"]
            assert set(index.carriers(int(rows[0])).tolist()) == want
            assert index.variants(rows)[0].ac == int(s["alt_alleles"])
        assert seen[True] >= 2, cc  # HFE C282Y and H63D are common in every synth country
        absent += seen[False]
        # gene queries find the spiked variants inside their gene
        contig, start, end = gene_region("CFTR")
        assert index.find(VariantQuery(contig, start=start, end=end)).size > 0
    assert absent > 0  # rare spikes (BRCA1/2, LDLR at 0.1 %) miss some 150-person cohorts
    with pytest.raises(NotFoundError):
        cat.dataset("synth-xx-s7")

"""The held-out reference panel: same simulation as the cohort, nobody shared with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cyvcf2 import VCF

from onemg.errors import InvalidInputError
from onemg.synth import synthesize
from onemg.synth.panel import panel_dir, read_panel


@pytest.fixture(scope="module")
def synth_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("panel")
    synthesize(
        out,
        countries=["FI"],
        individuals=150,
        held_out=120,
        seed=3,
        regions=["chr22:30000001-30400000"],
        workers=1,
    )
    return out


def test_panel_is_written_next_to_the_cohort(synth_out: Path) -> None:
    panel = read_panel(panel_dir(synth_out, "FI"))
    assert panel.individuals == 120
    assert len(VCF(str(synth_out / "fi" / "genotypes.vcf.gz")).samples) == 150
    # frequencies.tsv agrees with panel.npz, line by line.
    lines = (panel_dir(synth_out, "FI") / "frequencies.tsv").read_text().splitlines()[1:]
    assert len(lines) == panel.sites
    ac = panel.allele_counts()
    for line, key, count in zip(lines[:50], panel.keys()[:50], ac[:50], strict=True):
        c, p, r, a, ac_text, an, _ = line.split("\t")
        assert (c, int(p), r, a) == key
        assert int(ac_text) == count
        assert int(an) == 240


def test_panel_matches_the_cohorts_population(synth_out: Path) -> None:
    panel = read_panel(panel_dir(synth_out, "FI"))
    p_af = dict(zip(panel.keys(), panel.allele_counts() / 240, strict=True))
    shared, cohort_af = [], []
    for var in VCF(str(synth_out / "fi" / "genotypes.vcf.gz")):
        for alt, ac in zip(var.ALT, np.atleast_1d(var.INFO["AC"]), strict=True):
            key = (var.CHROM.removeprefix("chr"), var.POS, var.REF, alt)
            if key in p_af:
                shared.append(p_af[key])
                cohort_af.append(ac / (2 * 150))
    # Same trees: most common alleles are shared and their frequencies agree closely.
    assert len(shared) > 0.5 * len([k for k, f in p_af.items() if f > 0.05])
    assert np.corrcoef(shared, cohort_af)[0, 1] > 0.9


def test_panel_individuals_are_not_cohort_members(synth_out: Path) -> None:
    panel = read_panel(panel_dir(synth_out, "FI"))
    rows = {k: i for i, k in enumerate(panel.keys())}
    dosages = panel.dosages(range(panel.individuals))
    vcf = VCF(str(synth_out / "fi" / "genotypes.vcf.gz"))
    cohort_rows, cohort_g = [], []
    for var in vcf:
        g = var.genotype.array()[:, :2]
        for a, alt in enumerate(var.ALT, start=1):
            key = (var.CHROM.removeprefix("chr"), var.POS, var.REF, alt)
            if key in rows:
                cohort_rows.append(rows[key])
                cohort_g.append((g == a).sum(axis=1))
    cohort = np.array(cohort_g).T  # (150, shared alleles)
    panel_part = dosages[:, cohort_rows]
    # No panel genome equals any cohort genome on the shared alleles.
    same = (panel_part[:, None, :] == cohort[None, :, :]).all(axis=2)
    assert not same.any()


def test_dosages_and_without_against_a_naive_count(synth_out: Path) -> None:
    panel = read_panel(panel_dir(synth_out, "FI"))
    d = panel.dosages([0, 7])
    for k, person in enumerate((0, 7)):
        naive = [int(((panel.carriers(r) // 2) == person).sum()) for r in range(panel.sites)]
        assert d[k].tolist() == naive
    rest = panel.without([0, 7])
    assert rest.individuals == 118
    assert rest.allele_counts().tolist() == (panel.allele_counts() - d.sum(axis=0)).tolist()
    assert rest.dosages([0])[0].tolist() == panel.dosages([1])[0].tolist()


def test_missing_panel_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="--held-out"):
        read_panel(tmp_path)

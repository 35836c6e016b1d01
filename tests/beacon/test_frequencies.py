"""Allele frequencies per country and sex (``frequencyInPopulations``) against cyvcf2.

The truth is computed independently: cyvcf2 reads the same VCF the node ingested, and the
populations come from the test's own sex/country table (``DatasetSpec``), never from onemg.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cyvcf2
import httpx
import numpy as np
import pytest

from onemg.beacon.frequencies import (
    SEXES,
    Cohort,
    PopulationCounts,
    disclose,
    hemizygous_site,
    population_counts,
)
from onemg.individual_set import IndividualSet
from tests.beacon.conftest import auth, serve
from tests.beacon.node_data import DatasetSpec, write_source
from tests.beacon_schema import validate, validate_beacon_response

SUFFIX = {"female": "F", "male": "M"}
COUNT_FIELDS = (
    "alleleCount",
    "alleleNumber",
    "alleleCountHeterozygous",
    "alleleCountHomozygous",
    "alleleCountHemizygous",
)


def truth(spec: DatasetSpec, folder: Path) -> dict[str, dict[str, dict[str, float]]]:
    """{variant key: {population: counts}} from cyvcf2 over the written VCF."""
    write_source(spec, folder)
    vcf = cyvcf2.VCF(str(folder / "genotypes.vcf.gz"))
    samples = list(vcf.samples)
    assert samples == [spec.individual_id(i) for i in range(spec.n)]
    out: dict[str, dict[str, dict[str, float]]] = {}
    for rec, written in zip(vcf, spec.records, strict=True):
        for allele, site in enumerate(written.sites, start=1):
            pops: dict[str, dict[str, float]] = {}
            hemi_site = site.contig in ("X", "Y") and hemizygous_site(site.contig, rec.POS)
            for name, members in [(spec.country, range(spec.n))] + [
                (
                    f"{spec.country}_{SUFFIX[sex]}",
                    [i for i in range(spec.n) if spec.sexes[i] == sex],
                )
                for sex in SUFFIX
            ]:
                ac = an = het = hom = hemi = 0
                for i in members:
                    gt = [a for a in rec.genotypes[i][:-1] if a >= 0]
                    an += len(gt)
                    copies = gt.count(allele)
                    ac += copies
                    if copies and copies == len(gt):
                        if hemi_site and spec.sexes[i] == "male":
                            hemi += 1
                        else:
                            hom += 1
                    elif copies:
                        het += 1
                counts = {
                    "alleleCount": ac,
                    "alleleNumber": an,
                    "alleleCountHeterozygous": het,
                    "alleleCountHomozygous": hom,
                    "alleleFrequency": ac / an,
                }
                if hemi_site and any(spec.sexes[i] == "male" for i in members):
                    counts["alleleCountHemizygous"] = hemi
                pops[name] = counts
            out[site.key] = pops
    return out


def listed(body: dict, dataset_id: str) -> dict[str, dict[str, dict]]:
    """{variant id: {population: item}} of a count answer's ``variantFrequencies``."""
    [rs] = [s for s in body["response"]["resultSets"] if s["id"] == dataset_id]
    out = {}
    for record in rs["info"]["variantFrequencies"]:
        validate(record, "genomicVariant")
        [fip] = record["frequencyInPopulations"]
        out[record["variantInternalId"]] = {f["population"]: f for f in fip["frequencies"]}
    return out


async def test_exact_frequencies_match_cyvcf2(
    make_app,
    node_specs: list[DatasetSpec],  # noqa: ANN001
    tmp_path: Path,
) -> None:
    fi = node_specs[0]
    expected = truth(fi, tmp_path / "fi")
    async with serve(make_app(k=5)) as client:
        got: dict[str, dict[str, dict]] = {}
        for contig, start, end in (("7", 0, 10_000), ("X", 0, 1000)):
            r = await client.get(
                f"/api/g_variants?requestedGranularity=count&referenceName={contig}"
                f"&start={start}&end={end}&datasetIds=ds-fi&limit=50",
                headers=auth("granted-fi"),
            )
            assert r.status_code == 200, r.text
            validate_beacon_response(r.json())
            got |= listed(r.json(), "ds-fi")
    # Every variant is listed (even those nobody carries), with exact counts: the CONTROLLED
    # tier is held.
    assert set(got) == set(expected)
    for key, pops in got.items():
        assert list(pops) == ["FI", "FI_F", "FI_M"], key
        for name, item in pops.items():
            want = expected[key][name]
            assert {f: item.get(f) for f in want} == pytest.approx(want), (key, name)
            assert "notReported" not in item
    # The X variant outside the PARs: homozygous-looking men are hemizygous, women are not.
    x = got["X:100:G:T"]
    assert "alleleCountHemizygous" in x["FI_M"]
    assert "alleleCountHemizygous" in x["FI"]
    assert "alleleCountHemizygous" not in x["FI_F"]
    assert "alleleCountHemizygous" not in got["7:5000:ATCT:A"]["FI"]


async def test_floored_frequencies_never_give_a_small_count(
    make_app, node_specs: list[DatasetSpec], tmp_path: Path
) -> None:  # noqa: ANN001
    fi, k = node_specs[0], 5
    expected = truth(fi, tmp_path / "fi")
    carriers = {s.key: len(s.carriers) for s in fi.sites}
    async with serve(make_app(k=k)) as client:
        r = await client.get(
            "/api/g_variants?requestedGranularity=count&referenceName=7"
            "&start=0&end=10000&datasetIds=ds-fi&limit=50"
        )
        assert r.status_code == 200, r.text
        validate_beacon_response(r.json())
        got = listed(r.json(), "ds-fi")
    # Only variants carried by >= k individuals are listed: the others' existence is hidden.
    assert set(got) == {key for key, c in carriers.items() if c >= k and key.startswith("7:")}
    assert got, "the test data must hold variants above the floor"
    some_withheld = some_given = False
    for key, pops in got.items():
        for name, item in pops.items():
            want = expected[key][name]
            for field in COUNT_FIELDS:
                if field in item:
                    # Anything given is exact, and (AN aside) never below the floor.
                    assert item[field] == want[field], (key, name, field)
                    if field != "alleleNumber":
                        assert item[field] >= k, (key, name, field)
                        some_given = True
            if item.get("notReported"):
                some_withheld = True
                assert item["countPrecision"] == "imprecise"
                # alleleFrequency is required by the schema: a placeholder 0 when withheld.
                assert all(f not in item for f in item["notReported"] if f != "alleleFrequency")
                if "alleleFrequency" in item["notReported"]:
                    assert item["alleleFrequency"] == 0
        # The sexes of a country are given together or not at all (per group of fields).
        for field in ("alleleCount", "alleleCountHomozygous"):
            assert ("FI_F" in pops and field in pops["FI_F"]) == (field in pops["FI_M"]), key
    assert some_withheld
    assert some_given


async def test_filters_do_not_change_the_frequency_list(client: httpx.AsyncClient) -> None:
    # A filter down to a handful must not reveal which variants that handful carries.
    base = (
        "/api/g_variants?requestedGranularity=count&referenceName=7&start=0&end=10000"
        "&datasetIds=ds-fi&limit=50"
    )
    plain = (await client.get(base)).json()
    narrowed = (await client.get(base + "&filters=HP:0000822")).json()
    assert listed(plain, "ds-fi").keys() == listed(narrowed, "ds-fi").keys()


def pop(
    name: str,
    *,
    n: int = 20,
    ac: int = 10,
    het: int = 6,
    hom: int = 2,
    hemi: int | None = None,
    part_of: str | None = None,
) -> PopulationCounts:
    return PopulationCounts(name, n, ac, 2 * n, het, hom, hemi, part_of=part_of)


def test_disclose_suppresses_complementary_parts() -> None:
    pops = [
        pop("FI", ac=12, het=8, hom=2),
        pop("FI_F", ac=9, het=5, hom=2, part_of="FI"),
        pop("FI_M", ac=3, het=3, hom=0, part_of="FI"),
    ]
    items = {i["population"]: i for i in disclose(pops, k=5, exact=False)}
    assert items["FI"]["alleleCount"] == 12
    # FI_M's AC (3) is below the floor, so FI_F's is withheld too (12 - 9 would give it).
    assert "alleleCount" not in items["FI_F"]
    assert "alleleCount" not in items["FI_M"]
    assert items["FI_M"]["alleleFrequency"] == 0.0
    assert items["FI_F"]["alleleNumber"] == 40
    assert all("alleleCountHomozygous" not in i for i in items.values())  # hom 2 < 5
    exact = {i["population"]: i for i in disclose(pops, k=5, exact=True)}
    assert exact["FI_M"]["alleleCount"] == 3
    assert "notReported" not in exact["FI_M"]


def test_disclose_small_population_gives_nothing() -> None:
    items = disclose(
        [
            pop("FI", n=30, ac=30, het=10, hom=10),
            pop("FI_U", n=3, ac=6, het=0, hom=3, part_of="FI"),
        ],
        k=5,
        exact=False,
    )
    small = items[1]
    assert small["countAdjustedTo"] == ["<5"]
    assert not any(f in small for f in COUNT_FIELDS)


def test_population_counts_split_by_sex_and_zygosity() -> None:
    # Six people, men at 1, 3, 5; carriers 0 (hom), 1 (hom: hemizygous on X), 2, 3 (het).
    sexes = np.array(["female", "male"] * 3)
    strata = {
        "sex:female": IndividualSet.from_mask(sexes == "female"),
        "sex:male": IndividualSet.from_mask(sexes == "male"),
        "country:EE": IndividualSet.all(6),
    }
    carriers, is_hom = np.array([0, 1, 2, 3]), np.array([True, True, False, False])
    args = dict(
        ac=6,
        an=9,
        strata_counts={"sex:female": (3, 6), "sex:male": (3, 3)},
        carriers=carriers,
        is_hom=is_hom,
        cohort=Cohort.from_strata(strata, 6),
        fallback_name="x",
    )
    on_x = {p.population: p for p in population_counts(contig="X", pos=100, **args)}
    assert (on_x["EE"].het, on_x["EE"].hom, on_x["EE"].hemi) == (2, 1, 1)
    assert (on_x["EE_M"].het, on_x["EE_M"].hom, on_x["EE_M"].hemi) == (1, 0, 1)
    assert (on_x["EE_F"].het, on_x["EE_F"].hom, on_x["EE_F"].hemi) == (1, 1, None)
    assert on_x["EE_M"].part_of == "EE"
    assert on_x["EE_M"].ac == 3
    on_7 = {p.population: p for p in population_counts(contig="7", pos=100, **args)}
    assert (on_7["EE_M"].hom, on_7["EE_M"].hemi) == (1, None)


def test_population_counts_of_a_multi_country_dataset() -> None:
    # Four people: FI woman 0 (het), FI man 1 (hom), EE woman 2 (hom), EE man 3 (no call).
    mask = np.array
    strata = {
        "sex:female": IndividualSet.from_mask(mask([True, False, True, False])),
        "sex:male": IndividualSet.from_mask(mask([False, True, False, True])),
        "country:FI": IndividualSet.from_mask(mask([True, True, False, False])),
        "country:EE": IndividualSet.from_mask(mask([False, False, True, True])),
    }
    pops = population_counts(
        contig="7",
        pos=100,
        ac=5,
        an=8,
        carriers=np.array([0, 1, 2]),
        is_hom=np.array([False, True, True]),
        cohort=Cohort.from_strata(strata, 4),
        strata_counts={
            "country:FI": (3, 4),
            "country:EE": (2, 4),
            "sex:female": (3, 4),
            "sex:male": (2, 4),
        },
        fallback_name="x",
    )
    got = {p.population: (p.individuals, p.ac, p.het, p.hom, p.part_of) for p in pops}
    assert got == {
        "EE": (2, 2, 0, 1, "all"),
        "FI": (2, 3, 1, 1, "all"),
        "F": (2, 3, 1, 1, "all"),
        "M": (2, 2, 0, 1, "all"),
    }


@pytest.mark.parametrize(
    ("contig", "pos", "hemi"),
    [
        ("X", 100, True),
        ("X", 10_001, False),
        ("X", 2_781_480, True),
        ("Y", 56_887_903, False),
        ("7", 100, False),
    ],
)
def test_hemizygous_sites(contig: str, pos: int, hemi: bool) -> None:
    assert hemizygous_site(contig, pos) is hemi



async def test_group_counts_serve_what_the_carriers_serve(make_app, node_store,  # noqa: ANN001
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """The ingested index's sample groups hold the catalogue's people, and the answers built
    from them are the answers built from the carriers, for every listed variant."""
    assert node_store.cohort("ds-fi").layout is not None
    urls = [f"/api/g_variants?requestedGranularity=count&referenceName={contig}&start=0"
            f"&end={end}&datasetIds=ds-fi&limit=50" for contig, end in (("7", 10_000), ("X", 1000))]

    async def bodies() -> list[dict]:
        out = []
        async with serve(make_app(k=5, store=node_store)) as client:
            for url in urls:
                for who in ("granted-fi", None):
                    r = await client.get(url, headers=auth(who) if who else {})
                    assert r.status_code == 200, r.text
                    out.append(r.json()["response"])
        return out

    fast = await bodies()
    plain = node_store.cohort

    def without_layout(dataset_id: str) -> Cohort:
        return dataclasses.replace(plain(dataset_id), layout=None)

    monkeypatch.setattr(node_store, "cohort", without_layout)
    assert sum(len(rs["info"]["variantFrequencies"]) for b in fast
               for rs in b["resultSets"]) > 20
    assert await bodies() == fast

def _random_cohort(rng: np.random.Generator, n: int, countries: list[str]
                   ) -> tuple[dict[str, IndividualSet], list[tuple[str, str]], np.ndarray]:
    """Catalogue strata and the index's (sex x country) groups of the same individuals."""
    sex = rng.choice(list(SEXES), size=n)
    country = rng.choice(countries, size=n)
    strata = {f"sex:{s}": IndividualSet.from_mask(sex == s) for s in SEXES}
    strata.update({f"country:{c}": IndividualSet.from_mask(country == c) for c in countries})
    groups = sorted({(str(s), str(c)) for s, c in zip(sex, country, strict=True)})
    sample_group = np.array([groups.index((str(s), str(c)))
                             for s, c in zip(sex, country, strict=True)], dtype=np.int16)
    return strata, groups, sample_group


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("countries", [["FI"], ["FI", "EE", "LV"]])
@pytest.mark.parametrize("contig", ["7", "X"])
def test_group_counts_give_the_carriers_counts(seed: int, countries: list[str],
                                               contig: str) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    strata, groups, sample_group = _random_cohort(rng, n, countries)
    cohort = Cohort.from_strata(strata, n, groups=groups, sample_group=sample_group)
    assert cohort.layout is not None
    carriers = np.flatnonzero(rng.random(n) < 0.3)
    is_hom = rng.random(carriers.size) < 0.4
    geno = np.zeros((len(groups), 2), dtype=np.int64)
    np.add.at(geno, (sample_group[carriers].astype(np.int64), is_hom.astype(np.int64)), 1)
    args = dict(contig=contig, pos=5_000_000, ac=99, an=600, strata_counts={}, cohort=cohort,
                fallback_name="x")
    slow = population_counts(carriers=carriers, is_hom=is_hom, **args)
    fast = population_counts(group_genotypes=geno, **args)
    assert fast == slow
    assert any(p.het and p.hom for p in fast)


def test_groups_that_do_not_hold_the_catalogues_people_are_not_used() -> None:
    # An index built for other strata (a re-ingest with corrected sexes, another cohort)
    # would put other people's genotypes in each population: the carriers are used instead.
    rng = np.random.default_rng(1)
    strata, groups, sample_group = _random_cohort(rng, 50, ["FI", "EE"])
    swapped = sample_group.copy()
    other = next(i for i in range(50) if groups[swapped[i]][0] != groups[swapped[0]][0])
    swapped[[0, other]] = swapped[[other, 0]]
    assert Cohort.from_strata(strata, 50, groups=groups, sample_group=swapped).layout is None
    assert Cohort.from_strata(strata, 50, groups=groups, sample_group=sample_group[:49]
                              ).layout is None
    renamed = [(s, "SE" if c == "EE" else c) for s, c in groups]
    assert Cohort.from_strata(strata, 50, groups=renamed, sample_group=sample_group
                              ).layout is None
    assert Cohort.from_strata(strata, 50).layout is None
    with pytest.raises(ValueError, match="carriers"):
        population_counts(contig="7", pos=1, ac=0, an=100, strata_counts={},
                          cohort=Cohort.from_strata(strata, 50), fallback_name="x",
                          group_genotypes=np.zeros((len(groups), 2), dtype=np.int64))

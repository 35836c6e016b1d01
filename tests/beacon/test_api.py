"""The Beacon API over a real ingested node with known data (tests/beacon/node_data.py): shapes
(schema-valid), semantics, tiers, privacy, errors. Expectations come from the data specs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from onemg.settings import AccessSettings
from onemg.testing import MemoryAuditSink
from tests.beacon.conftest import auth, serve
from tests.beacon.node_data import DEL, GTC_SEIZURE, HYPERTENSION, SEIZURE, DatasetSpec
from tests.beacon_schema import validate, validate_beacon_response

FRAMEWORK = {
    "/api": "beaconInfoResponse",
    "/api/info": "beaconInfoResponse",
    "/api/service-info": "ga4gh-service-info-1-0-0-schema",
    "/api/configuration": "beaconConfigurationResponse",
    "/api/map": "beaconMapResponse",
    "/api/entry_types": "beaconEntryTypesResponse",
    "/api/filtering_terms": "beaconFilteringTermsResponse",
    "/api/individuals/filtering_terms": "beaconFilteringTermsResponse",
    "/api/datasets/ds-fi/filtering_terms": "beaconFilteringTermsResponse",
    "/api/cohorts/ds-ee/filtering_terms": "beaconFilteringTermsResponse",
}


async def get_ok(client: httpx.AsyncClient, url: str, **kwargs: object) -> dict:
    r = await client.get(url, **kwargs)
    assert r.status_code == 200, r.text
    body = r.json()
    validate_beacon_response(body)
    return body


@pytest.mark.parametrize(("path", "schema"), FRAMEWORK.items())
async def test_framework_endpoints_validate(client: httpx.AsyncClient, path: str,
                                            schema: str) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    validate(r.json(), schema)


async def test_map_lists_every_entry_type_and_lookup(client: httpx.AsyncClient) -> None:
    sets = (await client.get("/api/map")).json()["response"]["endpointSets"]
    assert set(sets) == {"individual", "biosample", "genomicVariant", "analysis", "run",
                         "dataset", "cohort"}
    urls = {e["url"] for s in sets.values() for e in s["endpoints"].values()}
    # Absolute URLs start with the configured public_url, whatever Host the client sent.
    origin = AccessSettings().public_url.rstrip("/")
    assert f"{origin}/api/g_variants/{{id}}/individuals" in urls
    assert f"{origin}/api/datasets/{{id}}/individuals" in urls
    # Every advertised URL answers (with a real id substituted); anonymous callers get the
    # one refusal on per-record paths (issue 11 §1).
    for url in sorted(urls):
        path = url.removeprefix(origin).replace("{id}", "ds-fi")
        r = await client.get(path)
        per_record = path.split("/")[2] in ("individuals", "biosamples", "runs", "analyses") \
            and path.count("/") >= 3
        # "ds-fi" is no variant id: a 400 under /g_variants.
        allowed = (400,) if path.startswith("/api/g_variants/") else (200, 404)
        assert r.status_code in ((403,) if per_record else allowed), (path, r.text)


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/api/openapi.json")).json()
    assert "/api/g_variants/{id}/individuals" in doc["paths"]
    assert set(doc["paths"]["/api/individuals"]) == {"get", "post"}
    assert (await client.get("/api/docs")).status_code == 200


async def test_server_timing_header(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/individuals")
    assert r.headers["server-timing"].startswith("app;dur=")


async def test_boolean_default_and_count(client: httpx.AsyncClient,
                                         node_specs: list[DatasetSpec]) -> None:
    body = await get_ok(client, "/api/individuals")
    assert body["meta"]["returnedGranularity"] == "boolean"
    assert body["responseSummary"] == {"exists": True}
    body = await get_ok(client, "/api/individuals?requestedGranularity=count")
    assert body["responseSummary"]["numTotalResults"] == sum(d.n for d in node_specs) == 70
    assert {s["id"]: s["resultsCount"] for s in body["response"]["resultSets"]} == \
        {d.id: d.n for d in node_specs} == {"ds-fi": 40, "ds-ee": 30}


async def test_anonymous_record_request_is_downgraded(client: httpx.AsyncClient,
                                                      audit: MemoryAuditSink) -> None:
    body = await get_ok(client, "/api/individuals?requestedGranularity=record")
    assert body["meta"]["returnedGranularity"] == "count"
    assert body["meta"]["receivedRequestSummary"]["requestedGranularity"] == "record"
    assert all(s["results"] == [] for s in body["response"]["resultSets"])
    # Every decision is audited per dataset in scope, anonymous ones too.
    assert {(e["resource"], e["result"], e["user"]) for e in audit.entries} == \
        {("dataset:ds-fi/individuals", "downgraded", "anonymous"),
         ("dataset:ds-ee/individuals", "downgraded", "anonymous")}
    audit.entries.clear()
    await get_ok(client, "/api/individuals?requestedGranularity=count", headers=auth("researcher"))
    assert {(e["resource"], e["result"], e["user"]) for e in audit.entries} == \
        {("dataset:ds-fi/individuals", "granted", "u-1"),
         ("dataset:ds-ee/individuals", "granted", "u-1")}


async def test_controlled_principal_gets_records(client: httpx.AsyncClient) -> None:
    body = await get_ok(client, "/api/individuals?requestedGranularity=record&limit=3",
                        headers=auth("granted-all"))
    assert body["meta"]["returnedGranularity"] == "record"
    for rs in body["response"]["resultSets"]:
        assert len(rs["results"]) == 3
    # Page 2 of size 3 starts at record 3 (skip counts pages).
    body2 = await get_ok(client, "/api/individuals?requestedGranularity=record&limit=3&skip=1",
                         headers=auth("granted-all"))
    assert body2["response"]["resultSets"][0]["results"][0]["id"].endswith("003")


async def test_authenticated_but_insufficient_is_403(client: httpx.AsyncClient,
                                                     audit: MemoryAuditSink) -> None:
    r = await client.get("/api/individuals?requestedGranularity=record",
                         headers=auth("granted-fi"))
    assert r.status_code == 403
    validate(r.json(), "beaconErrorResponse")
    assert "ds-ee" in r.json()["error"]["errorMessage"]
    assert any(e["result"] == "denied" and e["resource"] == "dataset:ds-ee/individuals"
               for e in audit.entries)
    # Scoping the request to the granted dataset works.
    body = await get_ok(client, "/api/individuals?requestedGranularity=record&datasetIds=ds-fi",
                        headers=auth("granted-fi"))
    assert body["meta"]["returnedGranularity"] == "record"


async def test_bad_token_is_401(client: httpx.AsyncClient) -> None:
    for headers in (auth("forged"), {"Authorization": "Basic abc"}):
        r = await client.get("/api/individuals", headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        validate(r.json(), "beaconErrorResponse")


async def test_privacy_floor_on_counts(make_app, node_specs: list[DatasetSpec]) -> None:  # noqa: ANN001
    fi = node_specs[0]
    # Find a variant with 1..4 carriers in ds-fi only (scope with datasetIds).
    site = next(s for s in fi.sites if 0 < len(s.carriers) < 5)
    url = (f"/api/individuals?requestedGranularity=count&datasetIds=ds-fi&referenceName="
           f"{site.contig}&start={site.pos - 1}&referenceBases={site.ref}"
           f"&alternateBases={site.alt}")
    # A variant nobody in ds-fi carries: the same answer (issue 11 §1: 0 and 1..k-1 alike).
    absent = (f"/api/individuals?requestedGranularity=count&datasetIds=ds-fi&referenceName="
              f"{site.contig}&start={site.pos - 1}&referenceBases={site.ref}&alternateBases=T")
    assert not any(s.key == f"{site.contig}:{site.pos}:{site.ref}:T" for s in fi.sites)
    async with serve(make_app(k=5)) as c:
        body = await get_ok(c, url)
        s = body["responseSummary"]
        assert s == {"exists": False, "numTotalResults": 0, "countPrecision": "imprecise",
                     "countAdjustedTo": ["<5"]}
        everything = await get_ok(c, url + "&includeResultsetResponses=ALL")
        rs = everything["response"]["resultSets"][0]
        assert (rs["exists"], rs["resultsCount"], rs["countPrecision"]) == (
            False, 0, "imprecise")
        for granularity in ("count", "boolean"):
            small = await get_ok(c, url.replace("count", granularity))
            none = await get_ok(c, absent.replace("count", granularity))
            assert small["responseSummary"] == none["responseSummary"]
            assert small["response"] == none["response"] if "response" in small else True
        # Record level (CONTROLLED) is exact.
        body = await get_ok(c, url.replace("count", "record"), headers=auth("granted-fi"))
        assert body["responseSummary"]["numTotalResults"] == len(site.carriers)
    async with serve(make_app(k=1)) as c:
        body = await get_ok(c, url)
        assert body["responseSummary"]["numTotalResults"] == len(site.carriers)
        assert body["responseSummary"]["countPrecision"] == "exact"


async def test_variant_lookup_is_floored_by_carriers_not_rows(  # noqa: ANN201
        make_app, node_specs: list[DatasetSpec]):  # noqa: ANN001
    # A single-variant /g_variants lookup counts one row: the floor must look at the people
    # carrying it, or every lookup below the record tier would read "no" (issue 17).
    fi = node_specs[0]
    common = next(s for s in fi.sites if len(s.carriers) >= 5)
    rare = next(s for s in fi.sites if 0 < len(s.carriers) < 5)

    def url(site) -> str:  # noqa: ANN001
        return (f"/api/g_variants?requestedGranularity=count&datasetIds=ds-fi&referenceName="
                f"{site.contig}&start={site.pos - 1}&referenceBases={site.ref}"
                f"&alternateBases={site.alt}")

    async with serve(make_app(k=5)) as c:
        body = await get_ok(c, url(common))
        assert body["responseSummary"] == {"exists": True, "numTotalResults": 1,
                                           "countPrecision": "exact"}
        boolean = await get_ok(c, url(common).replace("=count", "=boolean"))
        assert boolean["responseSummary"]["exists"] is True
        body = await get_ok(c, url(rare))
        assert body["responseSummary"] == {"exists": False, "numTotalResults": 0,
                                           "countPrecision": "imprecise",
                                           "countAdjustedTo": ["<5"]}


async def test_absent_variant_id_reads_like_a_rare_one(make_app,  # noqa: ANN001
                                                       node_specs: list[DatasetSpec]) -> None:
    # A 404 for an absent variant id beside a floored 200 for a rare present one would say
    # which alleles a dataset holds (found by the issue 17 differencing attack).
    rare = next(s for s in node_specs[0].sites if 0 < len(s.carriers) < 5)
    absent = f"{rare.contig}:{rare.pos}:{rare.ref}:T"
    assert not any(s.key == absent for d in node_specs for s in d.sites)
    async with serve(make_app(k=5)) as c:
        for tail in ("/individuals?requestedGranularity=count", "?requestedGranularity=count",
                     "/individuals?requestedGranularity=boolean"):
            bodies = [await get_ok(c, f"/api/g_variants/{key}{tail}&datasetIds=ds-fi")
                      for key in (rare.key, absent)]
            assert bodies[0]["responseSummary"] == bodies[1]["responseSummary"], tail
            assert bodies[0]["responseSummary"]["exists"] is False


async def test_total_is_sum_of_reported_counts(make_app) -> None:  # noqa: ANN001
    # An exact total would let a caller subtract the large dataset's exact count.
    async with serve(make_app(k=5)) as c:
        body = await get_ok(c, "/api/individuals?requestedGranularity=count"
                               "&includeResultsetResponses=ALL&referenceName=7&start=1009"
                               "&alternateBases=G")
    sets = body["response"]["resultSets"]
    assert body["responseSummary"]["numTotalResults"] == sum(s["resultsCount"] for s in sets)


async def test_zero_count_is_false_and_floored(client: httpx.AsyncClient) -> None:
    body = await get_ok(client, "/api/individuals?requestedGranularity=count&referenceName=7"
                                "&start=999&alternateBases=G&includeResultsetResponses=ALL")
    # Two datasets, each "fewer than 5": the true total is within 0..8.
    assert body["responseSummary"] == {"exists": False, "numTotalResults": 0,
                                       "countPrecision": "imprecise",
                                       "countAdjustedTo": ["0-8"]}
    assert {s["exists"] for s in body["response"]["resultSets"]} == {False}
    # Holding the record tier, a zero is an exact zero.
    body = await get_ok(client, "/api/individuals?requestedGranularity=count&referenceName=7"
                                "&start=999&alternateBases=G&datasetIds=ds-fi",
                        headers=auth("granted-fi"))
    assert body["responseSummary"] == {"exists": False, "numTotalResults": 0,
                                       "countPrecision": "exact"}


async def test_include_resultset_responses(make_app, node_specs: list[DatasetSpec]  # noqa: ANN001
                                           ) -> None:
    fi, ee = node_specs
    assert fi.site("7:1210:A:G").carriers
    assert not any(s.pos in range(1201, 1211) for s in ee.sites)
    base = "/api/g_variants?requestedGranularity=count&referenceName=7&start=1200&end=1210"
    # chr7:1210 A>G exists only in ds-fi (30 SNVs) and not in ds-ee (20 SNVs); one variant
    # is below the privacy floor, so this runs with k=1.
    async with serve(make_app(k=1)) as client:
        hit = await get_ok(client, base)
        assert [s["id"] for s in hit["response"]["resultSets"]] == ["ds-fi"]
        miss = await get_ok(client, base + "&includeResultsetResponses=MISS")
        assert [s["id"] for s in miss["response"]["resultSets"]] == ["ds-ee"]
        everything = await get_ok(client, base + "&includeResultsetResponses=ALL")
        assert len(everything["response"]["resultSets"]) == 2
        none = await get_ok(client, base + "&includeResultsetResponses=NONE")
        assert none["response"]["resultSets"] == []


async def test_g_variant_records(client: httpx.AsyncClient,
                                 node_specs: list[DatasetSpec]) -> None:
    body = await get_ok(client, "/api/g_variants?requestedGranularity=record&referenceName=7"
                                "&start=4999&end=5000&datasetIds=ds-fi",
                        headers=auth("granted-fi"))
    [rec] = body["response"]["resultSets"][0]["results"]
    assert rec["variantInternalId"] == "7:5000:ATCT:A"
    assert rec["identifiers"]["genomicHGVSId"] == "NC_000007.14:g.5001_5003del"
    freqs = rec["frequencyInPopulations"][0]["frequencies"]
    assert [f["population"] for f in freqs] == ["FI", "FI_F", "FI_M"]
    # Allele counts from the written genotypes: carriers + homozygotes (ALT/ALT count twice).
    site = node_specs[0].site(DEL)
    female = {i for i, s in enumerate(node_specs[0].sexes) if s == "female"}
    assert freqs[0]["alleleCount"] == len(site.carriers) + len(site.homs)
    assert freqs[1]["alleleCount"] == len(site.carriers & female) + len(site.homs & female)
    assert freqs[0]["alleleNumber"] == 2 * node_specs[0].n
    cases = {c["biosampleId"]: c["zygosity"]["id"] for c in rec["caseLevelData"]}
    assert cases == {f"ds-fi-b{i:03d}": "GENO:0000136" if i in site.homs else "GENO:0000135"
                     for i in site.carriers}


async def test_g_variant_records_without_control_have_no_case_data(
        make_app, open_node_dir: Path) -> None:  # noqa: ANN001
    # ds-open publishes records to everyone: anonymous callers get records, not case data.
    async with serve(make_app(node=open_node_dir)) as c:
        body = await get_ok(c, "/api/g_variants?requestedGranularity=record&referenceName=7"
                               "&start=4999&end=5000")
    assert body["meta"]["returnedGranularity"] == "record"
    recs = [r for s in body["response"]["resultSets"] for r in s["results"]]
    assert [r["variantInternalId"] for r in recs] == [DEL]
    assert all("caseLevelData" not in r for r in recs)
    # Without CONTROLLED the counts are floored (k=5): the deletion's ALT count is 12 (5 in
    # women, 7 in men), given; its 2 homozygotes are below the floor, so no genotype counts.
    [freqs] = [r["frequencyInPopulations"][0]["frequencies"] for r in recs]
    assert [(f["population"], f["alleleCount"]) for f in freqs] == [
        ("FI", 12), ("FI_F", 5), ("FI_M", 7)]
    assert all("alleleCountHomozygous" not in f and f["countPrecision"] == "imprecise"
               for f in freqs)


@pytest.mark.parametrize("form", [
    "NC_000007.14:g.5001_5003del", "chr7:g.5001_5003delTCT", "7:g.6000_6001insAG",
    "7:g.1020A>G",
])
async def test_hgvs_short_forms(client: httpx.AsyncClient, form: str) -> None:
    body = await get_ok(client, f"/api/g_variants?requestedGranularity=count"
                                f"&datasetIds=ds-fi&genomicAlleleShortForm={form}",
                        headers=auth("granted-fi"))
    assert body["responseSummary"]["exists"] is True


async def test_bracket_and_type_queries(client: httpx.AsyncClient,
                                        node_specs: list[DatasetSpec]) -> None:
    body = await get_ok(client, "/api/g_variants?requestedGranularity=record&datasetIds=ds-fi"
                                "&referenceName=NC_000007.14&start=4990,5000&end=5003,5010"
                                "&variantType=DEL", headers=auth("granted-fi"))
    ids = [r["variantInternalId"] for r in body["response"]["resultSets"][0]["results"]]
    assert ids == ["7:5000:ATCT:A"]
    body = await get_ok(client, "/api/g_variants?requestedGranularity=record&datasetIds=ds-fi"
                                "&referenceName=7&start=0&end=100000&variantType=EFO:0030070",
                        headers=auth("granted-fi"))
    # The insertion (DUP -> INS), written padded inside a multi-allelic record.
    assert [s.key for s in node_specs[0].sites if s.vtype == "INS"] == ["7:6000:C:CAG"]
    assert body["responseSummary"]["numTotalResults"] == 1


async def test_cross_entry_individuals_with_variant_and_filter(
        client: httpx.AsyncClient, node_specs: list[DatasetSpec]) -> None:
    fi = node_specs[0]
    site = fi.site("7:1070:A:G")  # start 1069, n//2 carriers
    females = {i for i, s in enumerate(fi.sexes) if s == "female"}
    want = sorted(site.carriers & females)
    assert len(want) >= 5
    body = await client.post("/api/individuals", headers=auth("granted-fi"), json={
        "meta": {"apiVersion": "v2.0.0"},
        "query": {"requestParameters": {"g_variant": {
            "referenceName": "chr7", "start": [1069], "alternateBases": "G"},
            "datasets": {"datasetIds": ["ds-fi"]}},
            "filters": [{"id": "NCIT:C16576"}], "requestedGranularity": "record",
            "pagination": {"skip": 0, "limit": 50}}})
    assert body.status_code == 200, body.text
    data = body.json()
    validate_beacon_response(data)
    got = [r["id"] for r in data["response"]["resultSets"][0]["results"]]
    assert got == [f"ds-fi-i{i:03d}" for i in want]


@pytest.mark.parametrize(("filters", "terms"), [
    ("HP:0001250", {SEIZURE, GTC_SEIZURE}),  # descendants included by default
    ("HP:0002069", {GTC_SEIZURE}),
    ("HP:0000822", {HYPERTENSION}),
])
async def test_phenotype_filter_records(client: httpx.AsyncClient, node_specs: list[DatasetSpec],
                                        filters: str, terms: set[str]) -> None:
    body = await get_ok(client, f"/api/individuals?requestedGranularity=record&limit=50"
                                f"&filters={filters}", headers=auth("granted-all"))
    got = {rs["id"]: [r["id"] for r in rs["results"]] for rs in body["response"]["resultSets"]}
    want = {d.id: [d.individual_id(i) for i, t in enumerate(d.hpo) if t & terms]
            for d in node_specs}
    assert got == want


async def test_phenotype_and_disease_and_year_counts(client: httpx.AsyncClient,
                                                     node_specs: list[DatasetSpec]) -> None:
    fi = node_specs[0]
    url = ("/api/individuals?requestedGranularity=count&datasetIds=ds-fi"
           "&filters=ICD10:E84.0,yearOfBirth>=1960")
    # A range filter needs the record tier (issue 11 §5: differencing through ranges).
    assert (await client.get(url)).status_code == 403
    body = await get_ok(client, url, headers=auth("granted-fi"))
    want = [i for i in range(fi.n) if "ICD10:E84.0" in fi.icd[i] and fi.years[i] >= 1960]
    assert len(want) >= 5
    assert body["responseSummary"]["numTotalResults"] == len(want)
    # An equality filter stays public, floored.
    year = fi.years[want[0]]
    body = await get_ok(client, "/api/individuals?requestedGranularity=count&datasetIds=ds-fi"
                                f"&filters=yearOfBirth={year}")
    n = sum(1 for y in fi.years if y == year)
    assert body["responseSummary"]["numTotalResults"] == (n if n >= 5 else 0)


async def test_cross_entry_g_variants_with_filter(client: httpx.AsyncClient,
                                                  node_specs: list[DatasetSpec]) -> None:
    fi = node_specs[0]
    males = {i for i, s in enumerate(fi.sexes) if s == "male"}
    want = [s.key for s in fi.sites if s.carriers & males]
    body = await get_ok(client, "/api/g_variants?requestedGranularity=count&datasetIds=ds-fi"
                                "&filters=NCIT:C20197", headers=auth("granted-fi"))
    assert body["responseSummary"]["numTotalResults"] == len(want)


@pytest.mark.parametrize(("path", "entity", "n"), [
    ("/api/individuals/ds-fi-i007/biosamples", "biosample", 1),
    ("/api/biosamples/ds-fi-b007/runs", "run", 1),
    ("/api/biosamples/ds-fi-b007/analyses", "analysis", 1),
    ("/api/runs/ds-fi-r007/analyses", "analysis", 1),
    ("/api/individuals/ds-fi-i007", "individual", 1),
    ("/api/g_variants/7:5000:ATCT:A/individuals", "individual", None),
    ("/api/datasets/ds-ee/individuals", "individual", 30),
    ("/api/cohorts/ds-ee/individuals", "individual", 30),
])
async def test_lookups(client: httpx.AsyncClient, node_specs: list[DatasetSpec], path: str,
                       entity: str, n: int | None) -> None:
    body = await get_ok(client, path + "?requestedGranularity=record&limit=50",
                        headers=auth("granted-all"))
    assert body["meta"]["returnedSchemas"][0]["entityType"] == entity
    if n is None:
        n = sum(len(d.site(DEL).carriers) for d in node_specs)
    assert body["responseSummary"]["numTotalResults"] == n


async def test_individual_g_variants_lookup(client: httpx.AsyncClient,
                                            node_specs: list[DatasetSpec]) -> None:
    fi = node_specs[0]
    want = [s.key for s in fi.sites if 7 in s.carriers]
    # Individual 7 is 1/2 at the multi-allelic chr7:6000 record: it carries both ALTs.
    assert {"7:6000:C:CAG", "7:6000:C:T"} <= set(want)
    body = await get_ok(client, "/api/individuals/ds-fi-i007/g_variants?requestedGranularity="
                                "record&limit=50", headers=auth("granted-fi"))
    assert body["responseSummary"]["numTotalResults"] == len(want)
    got = [r["variantInternalId"] for rs in body["response"]["resultSets"] for r in rs["results"]]
    assert sorted(got) == sorted(want)


async def test_collections(client: httpx.AsyncClient) -> None:
    body = await get_ok(client, "/api/datasets")
    assert [d["id"] for d in body["response"]["collections"]] == ["ds-ee", "ds-fi"]
    body = await get_ok(client, "/api/datasets/ds-fi")
    assert [d["id"] for d in body["response"]["collections"]] == ["ds-fi"]
    body = await get_ok(client, "/api/cohorts?requestedGranularity=count")
    assert body["responseSummary"]["numTotalResults"] == 2


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    ("get", "/api/individuals/nobody", {}, 403),
    ("get", "/api/individuals/nobody", {"headers": auth("granted-all")}, 404),
    ("get", "/api/g_variants/7:1:A", {}, 400),
    ("get", "/api/datasets/nope", {}, 404),
    ("get", "/api/individuals?datasetIds=nope", {}, 404),
    ("get", "/api/nothing-here", {}, 404),
    ("get", "/api/individuals?filters=HP:9999999", {}, 400),
    ("get", "/api/individuals?requestedGranularity=everything", {}, 400),
    ("get", "/api/individuals?skip=-1", {}, 400),
    ("get", "/api/g_variants?referenceName=chr99&start=1&alternateBases=A", {}, 400),
    ("get", "/api/g_variants?referenceName=7&start=abc&alternateBases=A", {}, 400),
    ("get", "/api/g_variants?referenceName=7&start=10&end=5", {}, 400),
    ("get", "/api/g_variants?referenceName=7&start=10&alternateBases=Z", {}, 400),
    ("get", "/api/g_variants?assemblyId=GRCh37&referenceName=7&start=1&alternateBases=A", {},
     400),
    ("get", "/api/g_variants?genomicAlleleShortForm=rs12345", {}, 400),
    ("get", "/api/g_variants?geneId=NOTAGENE", {}, 400),
    ("post", "/api/individuals", {"content": b"{not json"}, 400),
    ("post", "/api/individuals", {"json": {"query": {"pagination": {"skip": "x"}}}}, 400),
    ("post", "/api/individuals", {"json": {"query": {"filters": [{"id": 5}]}}}, 400),
    ("post", "/api/individuals", {"json": []}, 400),
])
async def test_errors_are_beacon_error_responses(client: httpx.AsyncClient, method: str,
                                                 path: str, kwargs: dict, status: int) -> None:
    r = await getattr(client, method)(path, **kwargs)
    assert r.status_code == status, r.text
    body = r.json()
    validate(body, "beaconErrorResponse")
    assert body["error"]["errorCode"] == status


async def test_tolerant_request_forms(client: httpx.AsyncClient) -> None:
    flat = {"meta": {"apiVersion": "v2.0.0"}, "query": {"requestParameters": {
        "referenceName": "refseq:NC_000007.14", "start": "1069", "alternateBases": "G"},
        "requestedGranularity": "COUNT"}}
    nested = {"query": {"requestParameters": {"g_variant": {
        "referenceName": "7", "start": 1069, "alternateBases": "G"}}},
        "requestedGranularity": "count"}
    counts = []
    for body in (flat, nested):
        r = await client.post("/api/individuals", json=body)
        assert r.status_code == 200, r.text
        validate_beacon_response(r.json())
        counts.append(r.json()["responseSummary"]["numTotalResults"])
    assert counts[0] == counts[1] > 0
    r = await client.post("/api/individuals")  # no body at all: defaults
    assert r.status_code == 200


async def test_unknown_filter_in_some_datasets_warns(make_app, node_store,  # noqa: ANN001
                                                    node_specs: list[DatasetSpec]) -> None:
    # The real catalogue knows the same terms in every dataset, so a term missing from one
    # dataset is injected: the real catalogue answers everything else.
    calls = node_store.catalogue

    class Partial:
        def __getattr__(self, name: str) -> object:
            return getattr(calls, name)

        def individual_set(self, dataset_id: str, filters: list) -> object:
            if dataset_id == "ds-ee":
                from onemg.catalogue import UnknownFilterError
                raise UnknownFilterError("HP:0001250 unknown in ds-ee", ["HP:0001250"])
            return calls.individual_set(dataset_id, filters)

    node_store.catalogue = Partial()
    async with serve(make_app(store=node_store)) as c:
        body = await get_ok(c, "/api/individuals?requestedGranularity=count&filters=HP:0001250"
                               "&includeResultsetResponses=ALL")
    # HP:0001250 includes its descendant HP:0002069 by default.
    want = sum(1 for t in node_specs[0].hpo if t & {SEIZURE, GTC_SEIZURE})
    assert "warnings" in body["info"]
    got = {s["id"]: (s["exists"], s["resultsCount"]) for s in body["response"]["resultSets"]}
    assert got == {"ds-ee": (False, 0), "ds-fi": (True, want)}


async def test_empty_node_answers(make_app, tmp_path: Path) -> None:  # noqa: ANN001
    # A node data dir where nothing has been ingested yet.
    async with serve(make_app(node=tmp_path)) as c:
        body = await get_ok(c, "/api/individuals?requestedGranularity=count")
        assert body["meta"]["returnedGranularity"] == "count"
        assert body["responseSummary"]["numTotalResults"] == 0
        body = await get_ok(c, "/api/datasets")
        assert body["response"]["collections"] == []

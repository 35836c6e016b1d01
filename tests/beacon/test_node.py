"""The Beacon over a real ingested node (synth FI/EE/PT x 150, seed 7), checked against an
independent computation: cyvcf2 over each VCF plus the phenopackets."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cyvcf2 import VCF

from onemg.security import Principal
from onemg.settings import load_settings
from onemg.testing import MemoryAuditSink
from onemg.web.node_app import create_node_app
from tests.beacon.conftest import TokenVerifier, auth, serve
from tests.beacon_schema import validate_beacon_response

pytestmark = pytest.mark.slow
COUNTRIES = ("fi", "ee", "pt")


@dataclass
class Truth:
    """What one country's files say, computed without onemg."""

    dataset_id: str
    ids: list[str]
    sex: dict[str, str]
    year: dict[str, int]
    hpo: dict[str, set[str]]
    #: (contig, pos, ref, alt) -> carrier ids, for every ALT allele as written in the VCF.
    carriers: dict[tuple[str, int, str, str], set[str]] = field(default_factory=dict)


def _truth(folder: Path) -> Truth:
    desc = json.loads((folder / "dataset.json").read_text())
    sex, year, hpo, ids = {}, {}, {}, []
    for line in (folder / "individuals.jsonl").read_text().splitlines():
        p = json.loads(line)
        pid = p["id"]
        ids.append(pid)
        sex[pid] = p["subject"].get("sex", "")
        dob = p["subject"].get("dateOfBirth")
        if dob:
            year[pid] = int(dob[:4])
        hpo[pid] = {f["type"]["id"] for f in p.get("phenotypicFeatures", [])
                    if not f.get("excluded")}
    truth = Truth(desc["id"], ids, sex, year, hpo)
    vcf = VCF(str(folder / "genotypes.vcf.gz"))
    samples = vcf.samples
    for rec in vcf:
        gts = rec.genotypes
        for k, alt in enumerate(rec.ALT, start=1):
            who = {samples[i] for i, g in enumerate(gts) if k in g[:-1]}
            if who:
                truth.carriers[(rec.CHROM.removeprefix("chr"), rec.POS, rec.REF, alt)] = who
    vcf.close()
    return truth


@pytest.fixture(scope="session")
def truths(synth_cohort: Path) -> dict[str, Truth]:
    """The independent computation, per dataset id."""
    out = [_truth(synth_cohort / cc) for cc in COUNTRIES]
    return {t.dataset_id: t for t in out}


@pytest.fixture
async def node_client(beacon_node: Path, truths: dict[str, Truth]
                      ) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real node; token 'all' holds CONTROLLED on every dataset."""
    tokens = {"all": Principal(subject="u-9", registered=True, datasets=frozenset(truths))}
    app = create_node_app(load_settings(beacon_node), verifier=TokenVerifier(tokens),
                          audit=MemoryAuditSink())
    async with serve(app) as c:
        yield c


async def _json(client: httpx.AsyncClient, url: str, **kw: object) -> dict:
    r = await client.get(url, **kw)
    assert r.status_code == 200, r.text
    body = r.json()
    validate_beacon_response(body)
    return body


async def test_variant_carriers_match_vcf(node_client: httpx.AsyncClient,
                                          truths: dict[str, Truth]) -> None:
    rng = random.Random(3)
    for ds, truth in truths.items():
        snvs = [k for k in truth.carriers if len(k[2]) == len(k[3]) == 1]
        for contig, pos, ref, alt in rng.sample(snvs, 12):
            want = truth.carriers[(contig, pos, ref, alt)]
            body = await _json(node_client, f"/api/individuals?requestedGranularity=record"
                               f"&datasetIds={ds}&referenceName=chr{contig}&start={pos - 1}"
                               f"&referenceBases={ref}&alternateBases={alt}&limit=0",
                               headers=auth("all"))
            got = {r["id"] for rs in body["response"]["resultSets"] for r in rs["results"]}
            assert got == want, (ds, contig, pos, ref, alt)
            assert body["responseSummary"]["numTotalResults"] == len(want)


async def test_variant_and_filters_match(node_client: httpx.AsyncClient,
                                         truths: dict[str, Truth]) -> None:
    rng = random.Random(5)
    for ds, truth in truths.items():
        common = [k for k, v in truth.carriers.items() if len(v) >= 8 and len(k[2]) == 1
                  and len(k[3]) == 1]
        for contig, pos, ref, alt in rng.sample(common, 6):
            year = rng.randint(1950, 2000)
            want = {i for i in truth.carriers[(contig, pos, ref, alt)]
                    if truth.sex[i] == "FEMALE" and truth.year.get(i, 0) > year}
            body = await _json(node_client, f"/api/individuals?requestedGranularity=count"
                               f"&datasetIds={ds}&referenceName={contig}&start={pos - 1}"
                               f"&alternateBases={alt}&filters=NCIT:C16576,yearOfBirth>{year}",
                               headers=auth("all"))
            # A CONTROLLED caller could list the records: its counts are exact.
            n = body["responseSummary"]["numTotalResults"]
            assert n == len(want)


async def test_phenotype_filter_records(node_client: httpx.AsyncClient,
                                        truths: dict[str, Truth]) -> None:
    for ds, truth in truths.items():
        counts: dict[str, int] = {}
        for terms in truth.hpo.values():
            for t in terms:
                counts[t] = counts.get(t, 0) + 1
        term = max(counts, key=counts.get)
        want = {i for i, terms in truth.hpo.items() if term in terms}
        r = await node_client.post("/api/individuals", headers=auth("all"), json={
            "meta": {"apiVersion": "v2.0.0"},
            "query": {"filters": [{"id": term, "includeDescendantTerms": False}],
                      "requestParameters": {"datasets": {"datasetIds": [ds]}},
                      "requestedGranularity": "record", "pagination": {"limit": 0}}})
        assert r.status_code == 200, r.text
        body = r.json()
        validate_beacon_response(body)
        got = {x["id"] for rs in body["response"]["resultSets"] for x in rs["results"]}
        assert got == want


async def test_range_counts_match(node_client: httpx.AsyncClient,
                                  truths: dict[str, Truth]) -> None:
    from onemg.genomics import normalize_allele

    for ds, truth in truths.items():
        keys = sorted(truth.carriers)
        contig, pos = keys[len(keys) // 2][:2]
        lo, hi = pos - 5000, pos + 20000
        want = set()
        for c, p, ref, alt in keys:
            if c != contig:
                continue
            q, r2, _ = normalize_allele(p, ref, alt)
            if q - 1 < hi and q - 1 + len(r2) > lo:
                want.add((c, p, ref, alt))
        body = await _json(node_client, f"/api/g_variants?requestedGranularity=record&limit=0"
                           f"&datasetIds={ds}&referenceName={contig}&start={lo}&end={hi}",
                           headers=auth("all"))
        assert body["responseSummary"]["numTotalResults"] == len(want)
        for rec in body["response"]["resultSets"][0]["results"]:
            assert rec["caseLevelData"], rec["variantInternalId"]
            freqs = rec["frequencyInPopulations"][0]["frequencies"]
            assert freqs[0]["alleleCount"] > 0


async def test_public_view_and_lookups(node_client: httpx.AsyncClient,
                                       truths: dict[str, Truth]) -> None:
    body = await _json(node_client, "/api/individuals?requestedGranularity=record")
    assert body["meta"]["returnedGranularity"] == "count"
    assert body["responseSummary"]["numTotalResults"] == sum(len(t.ids) for t in truths.values())
    ds, truth = next(iter(truths.items()))
    pid = truth.ids[3]
    body = await _json(node_client, f"/api/individuals/{pid}?requestedGranularity=record",
                       headers=auth("all"))
    assert [r["id"] for r in body["response"]["resultSets"][0]["results"]] == [pid]
    body = await _json(node_client, f"/api/individuals/{pid}/biosamples?requestedGranularity="
                       "record", headers=auth("all"))
    assert body["response"]["resultSets"][0]["results"][0]["individualId"] == pid
    for url in ("/api/datasets", "/api/cohorts", f"/api/datasets/{ds}"):
        await _json(node_client, url)
    r = await node_client.get("/api/filtering_terms")
    assert r.status_code == 200
    assert r.json()["response"]["filteringTerms"]

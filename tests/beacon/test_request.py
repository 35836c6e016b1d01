"""Request parsing: bodies, query strings, filters and variant parameters."""

from __future__ import annotations

import pytest

from onemg.beacon.variants import AlleleCheck, parse_variant
from onemg.catalogue import AlphanumericFilter, CustomFilter, OntologyFilter
from onemg.errors import InvalidInputError
from onemg.protocol.filters import parse_filters
from onemg.protocol.request import BeaconRequestBody, from_body, from_query_string
from tests.beacon_schema import validate


def body(data: dict) -> BeaconRequestBody:
    return BeaconRequestBody.model_validate(data)


def test_minimal_and_max_examples_parse() -> None:
    req = from_body(body({"meta": {"apiVersion": "v2.0.0"}}), max_page=100)
    assert (req.granularity, req.include, req.skip, req.limit) == ("boolean", "HIT", 0, 10)
    validate({"meta": {"apiVersion": "v2.0.0"}}, "beaconRequestBody")
    full = {"meta": {"apiVersion": "v2.0.0", "requestedSchemas": [
        {"entityType": "individual", "schema": "ga4gh-beacon-individual-v2.0.0"}]},
        "query": {"requestParameters": {"datasets": {"datasetIds": ["a", "b"]}},
                  "filters": [{"id": "HP:0001250", "includeDescendantTerms": False},
                              {"id": "age", "operator": ">=", "value": "P40Y"}],
                  "includeResultsetResponses": "ALL",
                  "pagination": {"skip": 2, "limit": 8}, "requestedGranularity": "record",
                  "testMode": True}}
    validate(full, "beaconRequestBody")
    req = from_body(body(full), max_page=100)
    assert req.dataset_ids == ("a", "b")
    assert req.offset == 16  # skip counts pages
    assert OntologyFilter("HP:0001250", False) in req.filters
    assert AlphanumericFilter("age", ">=", "P40Y") in req.filters
    assert req.test_mode
    assert req.include == "ALL"
    assert req.requested_schemas[0]["entityType"] == "individual"


def test_limits_are_clamped() -> None:
    req = from_body(body({"query": {"pagination": {"limit": 0}}}), max_page=100)
    assert req.limit == 100
    req = from_body(body({"query": {"pagination": {"limit": 10**6}}}), max_page=100)
    assert req.limit == 100


@pytest.mark.parametrize("where", ["query", "top"])
def test_granularity_beside_query(where: str) -> None:
    data = {"query": {"requestedGranularity": "Count"}} if where == "query" else \
        {"requestedGranularity": "count"}
    assert from_body(body(data), max_page=10).granularity == "count"


@pytest.mark.parametrize("datasets", [
    {"datasetIds": ["x"]}, ["x"], "x",
])
def test_dataset_id_forms(datasets: object) -> None:
    for key in ("datasets", "datasetIds"):
        req = from_body(body({"query": {"requestParameters": {key: datasets}}}), max_page=10)
        assert req.dataset_ids == ("x",)


def test_query_string() -> None:
    req = from_query_string({"requestedGranularity": "COUNT", "skip": "1", "limit": "5",
                             "datasetIds": "a,b", "referenceName": "7", "start": "5,9"},
                            ["NCIT:C16576,HP:0001250", "age>=P40Y"], max_page=50)
    assert req.granularity == "count"
    assert req.offset == 5
    assert req.dataset_ids == ("a", "b")
    assert req.variant_params == {"referenceName": "7", "start": "5,9"}
    assert len(req.filters) == 3
    with pytest.raises(InvalidInputError, match="limit must be"):
        from_query_string({"limit": "-3"}, [], max_page=50)
    with pytest.raises(InvalidInputError, match="includeResultsetResponses"):
        from_query_string({"includeResultsetResponses": "SOME"}, [], max_page=50)


def test_filter_forms() -> None:
    parsed = parse_filters(["HP:0001250", {"id": "sampleType:OBI:0000655"},
                            {"id": "demographic.ethnicity:asian"}, "yearOfBirth<1970",
                            {"id": "country", "operator": "!=", "value": "FI"}])
    assert OntologyFilter("HP:0001250") in parsed
    assert CustomFilter("sampleType:OBI:0000655") in parsed
    assert CustomFilter("demographic.ethnicity:asian") in parsed
    assert AlphanumericFilter("yearOfBirth", "<", "1970") in parsed
    assert AlphanumericFilter("country", "!", "FI") in parsed
    # Order does not matter (one cache key), duplicates collapse.
    assert parse_filters(["A:1", "B:2", "A:1"]) == parse_filters(["B:2", "A:1"])


@pytest.mark.parametrize(("raw", "match"), [
    ([{"id": ""}], "non-empty"),
    ([{"id": "age", "operator": "~", "value": "1"}], "operator"),
    ([{"id": "HP:1", "includeDescendantTerms": "yes"}], "true or false"),
    ([3], "string or an object"),
    (["X:1"] * 51, "at most"),
])
def test_bad_filters(raw: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        parse_filters(raw)


def test_sequence_range_bracket() -> None:
    q = parse_variant({"referenceName": "chr7", "start": 99, "alternateBases": "g",
                       "referenceBases": "A", "assemblyId": "GRCh38"})
    q = q.query
    assert (q.kind, q.contig, q.start, q.end, q.ref, q.alt) == ("sequence", "7", 99, 100, "A",
                                                                "G")
    q = parse_variant({"referenceName": "NC_000023.11", "start": [10], "end": "20",
                       "variantType": "DEL"}).query
    assert (q.kind, q.contig, q.start, q.end, q.variant_type) == ("range", "X", 10, 20, "DEL")
    q = parse_variant({"referenceName": "refseq:NC_000001.11", "start": "5,7",
                       "end": [9, 12]}).query
    assert (q.kind, q.start, q.start_max, q.end_min, q.end_max) == ("bracket", 5, 7, 9, 12)
    assert parse_variant({"variantType": "CNV", "referenceName": "1", "start": 1,
                          "end": 5}).impossible
    assert parse_variant({}) is None


@pytest.mark.parametrize(("params", "match"), [
    ({"start": 1, "alternateBases": "A"}, "referenceName"),
    ({"referenceName": "7", "alternateBases": "A"}, "start"),
    ({"referenceName": "7", "start": 5}, "alternateBases"),
    ({"referenceName": "7", "start": [1, 2, 3], "end": 5}, "one value"),
    ({"referenceName": "7", "start": [1, 2], "end": 5}, "bracket"),
    ({"referenceName": "7", "start": [5, 2], "end": [1, 9]}, "min must not"),
    ({"referenceName": "7", "start": -1, "alternateBases": "A"}, "outside"),
    ({"referenceName": "7", "start": 1, "alternateBases": "A<script>"}, "IUPAC"),
    ({"referenceName": "NC_000007.13", "start": 1, "alternateBases": "A"}, "contig"),
    ({"referenceName": "7", "start": 1, "alternateBases": "A", "assemblyId": "hg19"}, "GRCh38"),
    ({"referenceName": "7", "start": 1, "end": 9, "variantType": "FOO"}, "variantType"),
    ({"aminoacidChange": "V600E"}, "not supported"),
])
def test_bad_variant_params(params: dict, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        parse_variant(params)


@pytest.mark.parametrize(("hgvs", "kind", "start", "check"), [
    ("7:g.5227002T>A", "sequence", 5227001, None),
    ("NC_000007.14:g.117559591_117559593del", "range", 117559589,
     AlleleCheck(pos=117559590, ref_len=4, alt_len=1)),
    ("chr1:g.100delA", "range", 98, AlleleCheck(pos=99, ref_len=2, alt_len=1, ref_tail="A")),
    ("1:g.100_101insGT", "range", 99, AlleleCheck(pos=100, ref_len=1, alt_tail="GT")),
    ("1:g.100_102dup", "range", 98, AlleleCheck(pos=99, ref_len=1, alt_len=4)),
    ("1:g.100_101delinsTT", "range", 99, AlleleCheck(pos=100, ref_len=2, alt="TT")),
])
def test_hgvs(hgvs: str, kind: str, start: int, check: AlleleCheck | None) -> None:
    q = parse_variant({"genomicAlleleShortForm": hgvs})
    assert (q.query.kind, q.query.start, q.check) == (kind, start, check)


def test_allele_check() -> None:
    check = AlleleCheck(pos=99, ref_len=4, alt_len=1)
    assert check.accepts(99, "ATCT", "A")
    assert not check.accepts(99, "ATC", "A")
    assert AlleleCheck(alt_pattern="A[ACGTN]").accepts(5, "G", "AT")
    assert AlleleCheck(min_length=2).accepts(5, "ATC", "A")
    assert not AlleleCheck(max_length=1).accepts(5, "ATC", "A")


def test_gene_id_uses_gene_region() -> None:
    q = parse_variant({"geneId": "CFTR"}, gene_region=lambda s: ("7", 100, 200)).query
    assert (q.kind, q.contig, q.start, q.end) == ("range", "7", 100, 200)

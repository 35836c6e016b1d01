"""The shared Beacon vocabulary and request model (fast checks; the contract test runs them
through real processes)."""

from __future__ import annotations

import pytest

from onemg.errors import InvalidInputError, NotFoundError
from onemg.network.query import from_get, from_post
from onemg.protocol import (
    API_VERSION,
    BY_PATH,
    ENTRY_TYPES,
    GRANULARITIES,
    GRANULARITY_ORDER,
    from_query_string,
    parse_body,
    resolve_entry_path,
)


def test_one_vocabulary() -> None:
    assert API_VERSION == "v2.0.0"
    assert GRANULARITIES == ("boolean", "count", "record")
    assert min(GRANULARITIES, key=GRANULARITY_ORDER.__getitem__) == "boolean"
    assert BY_PATH["g_variants"].id == "genomicVariant"
    assert BY_PATH["g_variants"].schema_id == "ga4gh-beacon-variant-v2.0.0"
    assert BY_PATH["individuals"].returned_schema == {
        "entityType": "individual",
        "schema": "ga4gh-beacon-individual-v2.0.0",
    }
    assert len({e.id for e in ENTRY_TYPES}) == len(ENTRY_TYPES)


@pytest.mark.parametrize(
    ("path", "target", "source"),
    [
        ("individuals", "individuals", None),
        ("/individuals/", "individuals", None),
        ("individuals/FI-1", "individuals", "individuals"),
        ("individuals/FI-1/biosamples", "biosamples", "individuals"),
        ("datasets/ds/g_variants", "g_variants", "datasets"),
    ],
)
def test_entry_paths_resolve_as_the_node_routes_them(
    path: str, target: str, source: str | None
) -> None:
    entry = resolve_entry_path(path)
    assert entry.target.path == target
    assert (entry.source.path if entry.source else None) == source


@pytest.mark.parametrize(
    "path", ["nonsense", "individuals/x/cohorts", "individuals//biosamples", "a/b/c/d", ""]
)
def test_other_paths_are_404(path: str) -> None:
    with pytest.raises(NotFoundError):
        resolve_entry_path(path)


@pytest.mark.parametrize(
    ("params", "granularity", "include"),
    [
        ({"requestedGranularity": "COUNT"}, "count", "HIT"),
        ({"includeResultsetResponses": "all", "requestedGranularity": "Record"}, "record", "ALL"),
        ({}, "boolean", "HIT"),
    ],
)
def test_hub_get_parses_like_the_node(params: dict, granularity: str, include: str) -> None:
    node = from_query_string(params, [], max_page=1000)
    hub = from_get("individuals", params, "", max_page=1000)
    assert (node.granularity, node.include) == (granularity, include)
    assert hub.request == node
    assert hub.summary == node.summary()


@pytest.mark.parametrize(
    ("body", "granularity"),
    [
        ({"requestedGranularity": "count", "query": {}}, "count"),
        ({"query": {"requestedGranularity": "COUNT"}}, "count"),
        (None, "boolean"),
        ({}, "boolean"),
    ],
)
def test_hub_post_parses_like_the_node(body: dict | None, granularity: str) -> None:
    node = parse_body(body, max_page=1000)
    hub = from_post("individuals", body, max_page=1000)
    assert node.granularity == hub.granularity == granularity
    assert hub.request == node


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        {"query": {"requestedGranularity": "all"}},
        {"query": {"includeResultsetResponses": "SOME"}},
        {"query": {"pagination": {"skip": -1}}},
        {"query": {"filters": [{"id": ""}]}},
    ],
)
def test_bad_bodies_are_refused_alike(body: object) -> None:
    with pytest.raises(InvalidInputError):
        parse_body(body, max_page=1000)
    with pytest.raises(InvalidInputError):
        from_post("individuals", body, max_page=1000)

"""Issue 11 §1/§5 on the known data: answers resting on fewer than k people, the differencing
tier a dataset may set, per-record paths by tier, and the audit of refusals."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from onemg.testing import MemoryAuditSink
from tests.beacon.conftest import auth, serve
from tests.beacon.node_data import DatasetSpec, ingest_node


async def _count(c: httpx.AsyncClient, url: str, **kwargs: object) -> dict:
    r = await c.get(url, **kwargs)
    assert r.status_code == 200, r.text
    return r.json()


async def test_variants_of_a_handful_of_people_are_suppressed(
    make_app, node_specs: list[DatasetSpec]
) -> None:  # noqa: ANN001
    """/g_variants?filters=<down to 4 people>: their variant count (not small) must not come
    out below the record tier."""
    fi = node_specs[0]
    year = fi.years[0]
    people = {i for i, y in enumerate(fi.years) if y == year}
    assert 0 < len(people) < 5
    carried = [s.key for s in fi.sites if s.carriers & people]
    assert len(carried) >= 5
    url = f"/api/g_variants?requestedGranularity=count&datasetIds=ds-fi&filters=yearOfBirth={year}"
    async with serve(make_app(k=5)) as c:
        body = await _count(c, url)
        assert body["responseSummary"] == {
            "exists": False,
            "numTotalResults": 0,
            "countPrecision": "imprecise",
            "countAdjustedTo": ["<5"],
        }
        # The record tier gives the exact answer.
        body = await _count(c, url, headers=auth("granted-fi"))
        assert body["responseSummary"]["numTotalResults"] == len(carried)


async def test_a_dataset_smaller_than_k_answers_nothing_below_the_record_tier(
    make_app, node_specs: list[DatasetSpec]
) -> None:  # noqa: ANN001
    fi = node_specs[0]
    assert fi.n == 40
    async with serve(make_app(k=41)) as c:
        body = await _count(c, "/api/g_variants?requestedGranularity=count&datasetIds=ds-fi")
        assert body["responseSummary"]["exists"] is False
        assert body["responseSummary"]["numTotalResults"] == 0


@pytest.fixture(scope="session")
def registered_diff_node(
    node_specs: list[DatasetSpec], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """ds-fi's data as ``ds-reg``, whose descriptor lets REGISTERED callers use !/range."""
    spec = dataclasses.replace(
        node_specs[0],
        id="ds-reg",
        access={
            "boolean": "PUBLIC",
            "count": "PUBLIC",
            "record": "CONTROLLED",
            "differencing": "REGISTERED",
        },
    )
    return ingest_node(
        tmp_path_factory.mktemp("reg_node"), [spec], tmp_path_factory.mktemp("reg_node_sources")
    )


async def test_differencing_tier_set_by_the_dataset(
    make_app, registered_diff_node: Path, node_specs: list[DatasetSpec], audit: MemoryAuditSink
) -> None:  # noqa: ANN001
    fi = node_specs[0]
    url = "/api/individuals?requestedGranularity=count&filters=yearOfBirth!1940"
    async with serve(make_app(node=registered_diff_node)) as c:
        refused = await c.get(url)
        assert refused.status_code == 403
        assert "need REGISTERED access on dataset(s) ds-reg" in refused.text
        denied = [e for e in audit.entries if e["result"] == "denied"]
        assert len(denied) == 1
        assert "negated/range filter needs REGISTERED" in denied[0]["reason"]
        body = await _count(c, url, headers=auth("researcher"))
        n = sum(1 for y in fi.years if y != 1940)
        assert body["responseSummary"]["numTotalResults"] == n


async def test_per_record_paths_by_tier(client: httpx.AsyncClient, audit: MemoryAuditSink) -> None:
    # No record tier anywhere in scope (registered only): the one refusal, one audit entry.
    r = await client.get("/api/individuals/ds-fi-i007", headers=auth("researcher"))
    assert r.status_code == 403
    assert "ds-fi-i007" not in r.text
    assert [e["result"] for e in audit.entries] == ["denied"]
    assert audit.entries[0]["resource"] == "dataset:*/individuals/{id}/individuals"
    # Record tier on ds-fi only: looked up in ds-fi only; naming ds-ee is the refusal.
    ok = await client.get(
        "/api/individuals/ds-fi-i007?requestedGranularity=record", headers=auth("granted-fi")
    )
    assert ok.status_code == 200
    assert (
        await client.get("/api/individuals/ds-ee-i007", headers=auth("granted-fi"))
    ).status_code == 404
    assert (
        await client.get("/api/individuals/ds-fi-i007?datasetIds=ds-ee", headers=auth("granted-fi"))
    ).status_code == 403
    assert (
        await client.get(
            "/api/individuals/ds-fi-i007?datasetIds=ds-fi,ds-ee", headers=auth("granted-fi")
        )
    ).status_code == 403


async def test_bad_token_with_many_ids_is_one_entry(
    client: httpx.AsyncClient, audit: MemoryAuditSink
) -> None:
    ids = ",".join(["ds-fi"] + [f"evil{i}\x1b" for i in range(60)])
    r = await client.get("/api/individuals", params={"datasetIds": ids}, headers=auth("forged"))
    assert r.status_code == 401
    assert len(audit.entries) == 1
    (entry,) = audit.entries
    assert entry["resource"] == "dataset:ds-fi/individuals"
    assert "60 unknown dataset id(s) sha256:" in entry["reason"]
    assert "evil" not in entry["reason"]

"""Fixtures of the privacy tests: a real ingested node (the Beacon tests' hand-made data), apps
with explicit privacy settings, and callers named by their bearer token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from onemg.errors import AuthenticationError
from onemg.security import ANONYMOUS, Principal
from onemg.settings import BeaconSettings, PrivacySettings, load_settings
from onemg.testing import MemoryAuditSink
from onemg.web.node_app import create_node_app
from tests.beacon.conftest import serve  # noqa: F401 - the privacy tests' client
from tests.beacon.node_data import datasets, ingest_node

#: Thresholds that make the small test datasets (40 and 30 people) have rare and common
#: alleles: ds-fi 7:1050 A>G (AC 8 of 80) is the rarest "common" one.
TEST_PRIVACY = {"rare_af": 0.1, "public_min_af": 0.1}


class SubjectVerifier:
    """``Bearer user:<name>`` is a registered researcher with subject ``<name>``; anything
    else is a bad (forged or expired) passport."""

    async def verify(self, token: str | None) -> Principal:
        if token is None:
            return ANONYMOUS
        if token.startswith("user:") and len(token) > 5:
            return Principal(subject=token[5:], registered=True)
        raise AuthenticationError("passport signature does not verify, or it has expired")


def bearer(name: str) -> dict[str, str]:
    """The Authorization header of researcher ``name``."""
    return {"Authorization": f"Bearer user:{name}"}


@pytest.fixture(scope="session")
def privacy_node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node data dir with ds-fi (40 people) and ds-ee (30 people) ingested."""
    return ingest_node(
        tmp_path_factory.mktemp("privacy_node"),
        datasets(),
        tmp_path_factory.mktemp("privacy_sources"),
    )


@pytest.fixture
def make_node(privacy_node: Path) -> Callable[..., tuple[FastAPI, MemoryAuditSink]]:
    """Factory: ``make_node(profile, **knobs)`` -> (a fresh app over the node, its audit)."""

    def make(profile: str = "budget+perturb", **knobs: float) -> tuple[FastAPI, MemoryAuditSink]:
        settings = load_settings(privacy_node, environ={}).replace(
            beacon=BeaconSettings(k_anonymity=5),
            privacy=PrivacySettings(profile=profile, **{**TEST_PRIVACY, **knobs}),
        )
        audit = MemoryAuditSink()
        return create_node_app(settings, verifier=SubjectVerifier(), audit=audit), audit

    return make


def variant_url(
    key: str, *, granularity: str = "count", dataset: str = "ds-fi", entry: str = "individuals"
) -> str:
    """A Beacon sequence query for ``contig:pos:ref:alt`` (VCF pos; Beacon start is pos-1)."""
    contig, pos, ref, alt = key.split(":")
    return (
        f"/api/{entry}?referenceName={contig}&start={int(pos) - 1}&referenceBases={ref}"
        f"&alternateBases={alt}&requestedGranularity={granularity}&datasetIds={dataset}"
    )



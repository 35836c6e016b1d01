"""Schemathesis over /api/openapi.json: no generated request may crash the server or get an
undocumented/non-Beacon error. Bounded: a few examples per operation.

The app serves a real node: the known data of tests/beacon/node_data.py, ingested (by a module
fixture, not at import) into a temporary data dir created here and removed at exit.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from onemg.beacon import MemoryAuditSink, NodeData
from onemg.web.node_app import create_node_app
from tests.beacon.conftest import TOKENS, TokenVerifier, node_settings
from tests.beacon.node_data import datasets, ingest_node
from tests.beacon_schema import validate

# The schema is loaded at import (schemathesis parametrizes from it); the data arrives later.
_ROOT = Path(tempfile.mkdtemp(prefix="onemg-beacon-fuzz-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
_NODE = _ROOT / "node"
_NODE.mkdir()
_APP = create_node_app(node_settings(_NODE), verifier=TokenVerifier(TOKENS),
                       audit=MemoryAuditSink())

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    # Only the Beacon operations: other capabilities fuzz their own routes.
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", _APP).include(
        path_regex=r"^/api(/(info|service-info|configuration|map|entry_types|filtering_terms|"
                   r"individuals|biosamples|g_variants|analyses|runs|datasets|cohorts)(/.*)?)?$")


@pytest.fixture(scope="module", autouse=True)
def _real_node() -> Iterator[None]:
    """Ingest the known datasets into the app's data dir and open them as its store."""
    ingest_node(_NODE, datasets(), _ROOT / "sources")
    _APP.state.store = NodeData.open(node_settings(_NODE))
    yield
    shutil.rmtree(_ROOT, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_crashes_the_server(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code >= 400:
        validate(body, "beaconErrorResponse")

"""Schemathesis over the hub's /openapi.json, as tests/beacon/test_fuzz.py does for the node:
no generated request may crash the hub (issue 11 §5: the hub answered ``skip=1e30`` with 500).

Every operation is fuzzed: the Beacon Network under /api and login and the broker under /oidc.
Error answers must have their documented shape: a Beacon ``beaconErrorResponse`` under /api,
an OAuth 2.0 error object under /oidc. The hub's one member is a real node (empty data
directory) reached in process. The apps are built in a fixture, never at import.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from onemg.beacon import NodeData
from onemg.web.docs import OPENAPI_PATH
from onemg.web.hub_app import create_hub_app
from onemg.web.node_app import create_node_app
from tests.beacon_schema import validate
from tests.security.conftest import hub_settings, network, node_settings


@pytest.fixture(scope="module")
def hub_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    root: Path = tmp_path_factory.mktemp("hub-fuzz")
    (root / "node").mkdir()
    node = create_node_app(node_settings(root))
    node.state.store = NodeData.open(node_settings(root))  # the hub runs only its own lifespan
    hub = create_hub_app(
        hub_settings(root),
        network(),
        transport=httpx.ASGITransport(app=node),
        refresh_on_start=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return schemathesis.openapi.from_asgi(OPENAPI_PATH, hub)


def _check(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if response.status_code < 400:
        return
    body = response.json()
    if case.path.startswith("/oidc/"):
        assert set(body) == {"error", "error_description"}, body
    else:
        validate(body, "beaconErrorResponse")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_request_crashes_the_hub(hub_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in hub_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/oidc/login", "/oidc/token", "/api/{path}"}
    for operation in operations:
        # A few examples per operation: each one runs the whole fan-out to the member.
        @given(case=operation.as_strategy())
        @settings(
            max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case: schemathesis.Case) -> None:
            _check(case)

        fuzz()

"""Schemathesis over /api/openapi.json: no generated request may crash the server or get an
undocumented/non-Beacon error. Bounded: a few examples per operation."""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from onemg.beacon import NodeData
from onemg.settings import BeaconSettings, Settings
from onemg.web.node_app import create_node_app
from tests.beacon.conftest import TOKENS, TokenVerifier
from tests.beacon.fakes import FakeCatalogue, make_dataset
from tests.beacon_schema import validate


def _app():  # noqa: ANN202
    store = NodeData.from_catalogue(
        FakeCatalogue([make_dataset("ds-fi", 40, 30, seed=1)]), lambda info: info.index)
    from onemg.beacon import MemoryAuditSink

    return create_node_app(Settings(beacon=BeaconSettings(max_page_size=50)),
                           verifier=TokenVerifier(TOKENS), audit=MemoryAuditSink(), store=store)


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    # Only the Beacon operations: other capabilities fuzz their own routes.
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", _app()).include(
        path_regex=r"^/api(/(info|service-info|configuration|map|entry_types|filtering_terms|"
                   r"individuals|biosamples|g_variants|analyses|runs|datasets|cohorts)(/.*)?)?$")


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

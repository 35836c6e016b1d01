"""Schemathesis over /api/openapi.json: no generated request may crash the node, get an error
that is not a Beacon error response, or get a success that the Beacon v2 schemas reject.

The app serves a real node (the known data of tests/beacon/node_data.py, the session's
``node_dir``), built in a fixture, and schemathesis calls it in-process (ASGI, no sockets). For
every Beacon operation hypothesis draws valid (positive) and schema-violating (negative)
requests; each one is sent anonymously and with a token that has record access to every
dataset, so the record tier is fuzzed too. All operations are run and every failure reported.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from onemg.testing import MemoryAuditSink
from onemg.web.node_app import create_node_app
from tests.beacon.conftest import TOKENS, TokenVerifier, auth, node_settings
from tests.beacon_schema import validate, validate_beacon_response

# Only the Beacon operations: other capabilities fuzz their own routes.
BEACON_PATHS = (
    r"^/api(/(info|service-info|configuration|map|entry_types|filtering_terms|"
    r"individuals|biosamples|g_variants|analyses|runs|datasets|cohorts)(/.*)?)?$"
)
#: Informational endpoints and the schema their 200 answers must satisfy.
INFO_SCHEMAS = {
    "/api": "beaconInfoResponse",
    "/api/info": "beaconInfoResponse",
    "/api/service-info": "ga4gh-service-info-1-0-0-schema",
    "/api/configuration": "beaconConfigurationResponse",
    "/api/map": "beaconMapResponse",
    "/api/entry_types": "beaconEntryTypesResponse",
    "/api/filtering_terms": "beaconFilteringTermsResponse",
}
EXAMPLES = 6  # per operation and generation mode; each is sent with two identities


@pytest.fixture(scope="module")
def fuzz_app(node_dir: Path) -> FastAPI:
    """A node app over the session's real node (read-only: the fuzzer only queries)."""
    return create_node_app(
        node_settings(node_dir), verifier=TokenVerifier(TOKENS), audit=MemoryAuditSink()
    )


@pytest.fixture(scope="module")
def beacon_api(fuzz_app: FastAPI) -> schemathesis.BaseSchema:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return schemathesis.openapi.from_asgi("/api/openapi.json", fuzz_app).include(
            path_regex=BEACON_PATHS
        )


def _check(case: schemathesis.Case, headers: dict[str, str] | None, sent: list[int]) -> None:
    response = case.call(headers=headers)
    sent[0] += 1
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code >= 400:
        validate(body, "beaconErrorResponse")
        return
    path = case.operation.path.rstrip("/") or "/api"
    if path in INFO_SCHEMAS:
        validate(body, INFO_SCHEMAS[path])
    elif path.endswith("/filtering_terms"):
        validate(body, "beaconFilteringTermsResponse")
    else:
        validate_beacon_response(body)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_request_crashes_the_node(beacon_api: schemathesis.BaseSchema) -> None:
    failures: list[str] = []
    unsatisfiable = 0
    sent = [0]
    operations = [result.ok() for result in beacon_api.get_all_operations()]
    assert len(operations) > 30  # every entry type, GET and POST, collections and {id}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                _check(case, None, sent)
                _check(case, auth("granted-all"), sent)

            try:
                run()
            except Unsatisfiable:
                # Nothing in this operation's schema can be violated (no parameters, or only
                # path ids that any string satisfies): there is no negative request to send.
                assert mode is GenerationMode.NEGATIVE, operation.label
                unsatisfiable += 1
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    assert unsatisfiable < len(operations)  # most operations do get negative requests
    assert sent[0] > 10 * len(operations)

"""Fuzz the catalogue and FAIR Data Point routes from the node's own OpenAPI (schemathesis):
no request crashes the node, and every 200 is RDF in the media type it claims."""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rdflib import Graph
from schemathesis import GenerationMode

CATALOGUE_PATHS = r"^/(api/catalogue|fdp)(/.*)?$"
PARSERS = {"application/ld+json": "json-ld", "text/turtle": "turtle"}


def _check(case: schemathesis.Case, accept: str) -> None:
    response = case.call(headers={"Accept": accept})
    assert response.status_code < 500, response.text
    media = (response.headers.get("content-type") or [""])[0].split(";")[0]
    if response.status_code == 200 and media in PARSERS:
        assert len(Graph().parse(data=response.content, format=PARSERS[media])) > 0
    elif response.status_code == 200:
        assert media == "text/plain"  # the /valid reports
        assert "Conforms:" in response.text
    else:
        assert response.status_code in (404, 406, 422), response.text


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_request_crashes_the_catalogue(catalogue_app: FastAPI) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", catalogue_app).include(
            path_regex=CATALOGUE_PATHS
        )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14  # catalogue, dataset, FDP resources and their /valid views
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=4,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                _check(case, "text/turtle")
                _check(case, "*/*")

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)

"""A running node follows datasets published, replaced and deleted by `onemg ingest`."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest

from onemg.cli import main
from onemg.settings import load_settings
from onemg.web.node_app import create_node_app
from tests.beacon_schema import validate_beacon_response

pytestmark = pytest.mark.slow

# HFE C282Y, spiked into every synth cohort.
QUERY = (
    "/api/individuals?referenceName=6&start=26092912&referenceBases=G&alternateBases=A"
    "&requestedGranularity=count"
)


def _carriers(folder: Path) -> int:
    """Individuals carrying HFE C282Y in a synth country (its truth file)."""
    with open(folder / "truth" / "spiked_variants.tsv") as fh:
        (row,) = [r for r in csv.DictReader(fh, delimiter="\t") if r["variant_id"] == "HFE_C282Y"]
    return int(row["carriers"])


async def test_running_node_follows_ingest_replace_and_delete(
    synth_cohort: Path, tmp_path: Path
) -> None:
    node = tmp_path / "node"
    assert main(["ingest", "--data-dir", str(node), str(synth_cohort / "fi")]) == 0
    app = create_node_app(load_settings(node, environ={}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://node") as client,
    ):
        app.state.store.refresh_s = 0.0

        async def datasets() -> list[str]:
            body = (await client.get("/api/datasets")).json()
            return sorted(c["id"] for c in body["response"]["collections"])

        async def count() -> dict:
            body = (await client.get(QUERY)).json()
            validate_beacon_response(body)
            return body["responseSummary"]

        assert await datasets() == ["synth-fi-s7"]
        fi = (await count())["numTotalResults"]
        assert fi == _carriers(synth_cohort / "fi")

        assert main(["ingest", "--data-dir", str(node), str(synth_cohort / "ee")]) == 0
        assert await datasets() == ["synth-ee-s7", "synth-fi-s7"]
        both = (await count())["numTotalResults"]
        assert both == fi + _carriers(synth_cohort / "ee")

        # A new version replaces the old one; its files are gone but the node keeps answering.
        assert main(["ingest", "--data-dir", str(node), "--replace", str(synth_cohort / "fi")]) == 0
        assert (await count())["numTotalResults"] == both

        assert main(["datasets", "delete", "--data-dir", str(node), "--yes", "synth-fi-s7"]) == 0
        assert await datasets() == ["synth-ee-s7"]
        assert (await count())["numTotalResults"] == both - fi

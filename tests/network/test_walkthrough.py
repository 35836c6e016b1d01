"""The demo's controlled-access walk-through, run exactly as printed, against a real network.

The commands come from :func:`onemg.demo.walkthrough.walkthrough`, the function whose output
``onemg demo`` prints: the researcher's and committee's ``onemg`` commands. They run in one bash
shell (so ``ONEMG_CREDENTIALS`` and ``APP`` carry from step to step), with step 4 also run before
step 3: it must be refused then (with the hint to take a new passport), and return records after
the approval.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from onemg.access.store import AuditStore
from onemg.db import make_engine
from onemg.demo.demo import DemoNetwork
from onemg.demo.walkthrough import (
    DEMO_OPERATOR,
    FETCH_REGION,
    RECORD_FILTER,
    fetched_path,
    render,
    walkthrough,
)
from onemg.settings import load_settings

pytestmark = pytest.mark.slow

_MARK = "=====STEP {}====="


def _run(script: str) -> dict[str, str]:
    """Run ``script`` in bash; return each marked section's output."""
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr + out.stdout
    sections: dict[str, str] = {}
    current = None
    for line in out.stdout.splitlines():
        if line.startswith("=====STEP "):
            current = line.removeprefix("=====STEP ").removesuffix("=====")
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def _has_chr(path: object) -> bool:
    header = subprocess.run(
        ["bcftools", "view", "-h", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return "##contig=<ID=chr" in header


def test_printed_walkthrough_opens_records_only_after_approval(real_network: DemoNetwork) -> None:
    plan = real_network.plan
    steps = walkthrough(plan)
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    printed = render(steps)
    for step in steps:  # what the demo prints is exactly what runs here
        for command in step.commands:
            assert command in printed
    assert any("veto_window_days = 0" in line for line in printed)

    def block(label: str, commands: tuple[str, ...]) -> str:
        return "\n".join([f"echo '{_MARK.format(label)}'", *commands])

    one, two, three, four, five = steps
    script = "\n".join(
        [
            "set -euo pipefail",
            block("1", one.commands),
            # refused before the approval: onemg exits 2 with the reason on stderr
            block("4-before", (*four.commands[:-1], four.commands[-1] + " 2>&1 || true")),
            block("2", two.commands),
            block("3", three.commands),
            block("4", four.commands),
            block("5", five.commands),
        ]
    )
    out = _run(script)

    before = out["4-before"]
    assert "HTTP 403" in before
    assert "take a new passport" in before
    assert "synth-" in out["2"]  # the DUO advice and the application listed
    assert "submitted" in out["2"]
    assert "demo-researcher" in out["3"]  # the committee sees the applicant as the hub knows them
    assert "approved" in out["3"]
    # step 4 prints the new passport's visas, then the query's JSON
    assert "ControlledAccessGrants" in out["4"]
    after = json.loads(out["4"][out["4"].index("\n{") + 1 :])
    assert after["meta"]["returnedGranularity"] == "record"
    (result_set,) = after["response"]["resultSets"]
    assert result_set["id"] == f"synth-{plan.countries[0].lower()}-s{plan.seed}"
    records = result_set["results"]
    assert records
    assert len(records) <= 3
    assert all(r["id"].startswith(f"{plan.countries[0]}-") for r in records)
    assert RECORD_FILTER in four.commands[-1]

    # Step 5: onemg fetch wrote a decrypted, bcftools-readable CFTR slice of the dataset.
    assert "bcftools reads it" in out["5"]
    sliced = fetched_path(plan)
    region = FETCH_REGION.replace("7:", "chr7:") if _has_chr(sliced) else FETCH_REGION
    got = subprocess.run(
        ["bcftools", "view", "-H", "--targets-overlap", "1", "-t", region, str(sliced)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert got.count("\n") > 0

    # The operator's approval is in the node's hash-chained audit log, under the demo's actor.
    engine = make_engine(load_settings(plan.node_dir(plan.countries[0])).db_url)
    try:
        approvals = [e for e in AuditStore(engine).entries() if e.action == "application.approved"]
    finally:
        engine.dispose()
    # (other tests on the same network approve under other actors)
    assert [e.user for e in approvals].count(DEMO_OPERATOR) == 1

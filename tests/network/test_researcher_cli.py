"""The researcher and committee CLI end to end, against a real hub and real nodes (processes).

login -> passport -> DUO advice -> apply -> committee approves -> the old passport is refused
with a hint -> new passport -> record-level query. The password is read from standard input of a
real ``onemg login`` process and never lands in the credentials file (mode 0600).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from onemg.cli import main
from onemg.demo.demo import DemoNetwork

PASSWORD = "correct horse battery staple"


def _onemg(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "onemg.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_researcher_and_committee_cli(
    real_network: DemoNetwork,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = real_network.plan
    hub_dir = plan.root / "hub"
    fi_dir = plan.node_dir("FI")
    fi_ds = "synth-fi-s7"
    monkeypatch.setenv("ONEMG_NEW_PASSWORD", PASSWORD)
    assert (
        main(
            [
                "access",
                "user",
                "create",
                "rita",
                "--data-dir",
                str(hub_dir),
                "--affiliation",
                "member@helsinki.fi",
            ]
        )
        == 0
    )
    assert main(["access", "grant-researcher", "rita", "--data-dir", str(hub_dir)]) == 0
    capsys.readouterr()

    creds = tmp_path / "config" / "onemg" / "credentials.json"
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("ONEMG_CREDENTIALS", None)
    done = _onemg(
        "login",
        "--hub",
        plan.hub_url,
        "--username",
        "rita",
        "--password-stdin",
        env=env,
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "logged in" in done.stdout
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
    assert PASSWORD not in creds.read_text()
    wrong = _onemg(
        "login",
        "--hub",
        plan.hub_url,
        "--username",
        "rita",
        "--password-stdin",
        env=env,
        stdin="not the password\n",
    )
    assert wrong.returncode == 2
    assert "login:" in wrong.stderr

    monkeypatch.setenv("ONEMG_CREDENTIALS", str(creds))
    run = main
    assert run(["passport", "--node", "FI"]) == 0
    out = capsys.readouterr().out
    assert "ResearcherStatus" in out
    assert "ControlledAccessGrants" not in out

    # a count query through the hub: one table row per dataset, each country present
    assert run(["query", "individuals", "--granularity", "count"]) == 0
    out = capsys.readouterr().out
    assert "synth-fi-s7" in out
    assert "synth-ee-s7" in out

    assert run(["duo", "--node", "FI", "--dataset", fi_ds, "--terms", "DUO:0000006"]) == 0
    assert "DUO advice" in capsys.readouterr().out

    assert (
        run(
            [
                "apply",
                "--node",
                "FI",
                "--dataset",
                fi_ds,
                "--purpose",
                "Carrier frequency of CFTR variants",
                "--institution",
                "University of Helsinki",
                "--yes",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "DUO advice" in out
    assert "submitted" in out
    assert run(["applications", "--json"]) == 0
    (mine,) = json.loads(capsys.readouterr().out)
    assert mine["state"] == "submitted"
    assert mine["node"] == "FI"

    # the committee: full ids, the applicant as the hub knows them, ISO times, DUO reasons
    committee = ["--data-dir", str(fi_dir), "--hub-data-dir", str(hub_dir)]
    assert run(["access", "list", *committee]) == 0
    out = capsys.readouterr().out
    assert mine["id"] in out
    assert "rita" in out
    assert "member@helsinki.fi" in out
    assert run(["access", "show", mine["id"], *committee, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["applicantName"] == "rita"
    assert shown["submittedAt"].endswith("Z")
    assert shown["duoAdvice"][fi_ds]["reasons"]
    assert run(["access", "approve", mine["id"], "--data-dir", str(fi_dir), "-m", "ok"]) == 0
    capsys.readouterr()

    # the passport taken before the approval: refused, with a hint to take a new one
    record = [
        "query",
        "individuals",
        "--node",
        "FI",
        "--dataset",
        fi_ds,
        "--granularity",
        "record",
        "--limit",
        "3",
    ]
    assert run(record) == 2
    err = capsys.readouterr().err
    assert "take a new passport" in err
    assert "onemg passport" in err
    assert run(["passport", "--node", "FI"]) == 0
    assert "ControlledAccessGrants" in capsys.readouterr().out
    assert run([*record, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["meta"]["returnedGranularity"] == "record"
    assert len(answer["response"]["resultSets"][0]["results"]) == 3

    # through the hub too, at once: taking the new passport refreshed the hub's cached ones
    hub_record = [a for a in record if a not in ("--node", "FI")]
    assert run([*hub_record, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["meta"]["returnedGranularity"] == "record"
    fi_sets = [s for s in answer["response"]["resultSets"] if s["id"] == fi_ds]
    assert fi_sets
    assert fi_sets[0]["results"]

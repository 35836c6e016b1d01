"""``onemg privacy attack`` end to end over real HTTP against a real node process.

One synthetic cohort with its held-out panel, ingested once, served twice: (a) with no
protection (exact answers, ``exists`` true for a singleton) and with the strongest configuration
this tree has ((e) budgets and perturbation once the defences are in; (b), the k floor, before).
On a fixed seed the SB-2015 LRT finds members in (a), and its power drops in the other.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from onemg.cli import main
from onemg.demo.processes import ManagedProcess, free_port
from onemg.ingest import ingest, resolve_inputs
from onemg.privacy.attacks.configurations import (
    CONFIGURATIONS,
    settings_toml,
    strongest_available,
)
from onemg.synth import synthesize
from onemg.synth.panel import panel_dir


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("attack_synth")
    synthesize(
        out,
        countries=["DE"],
        individuals=200,
        held_out=200,
        seed=11,
        regions=["chr22:30000001-33000000"],
        workers=1,
    )
    node = tmp_path_factory.mktemp("attack_node")
    ingest(
        resolve_inputs(source_dir=out / "de"),
        data_dir=node,
        database_url=f"sqlite:///{node / 'node.db'}",
    )
    return out, node


def _serve(node: Path, letter: str, tmp: Path) -> Iterator[str]:
    config = tmp / f"{letter}.toml"
    config.write_text(settings_toml(letter))
    port = free_port()
    proc = ManagedProcess(
        f"node-{letter}",
        [
            sys.executable,
            "-m",
            "onemg.cli",
            "node",
            "serve",
            "--data-dir",
            str(node),
            "--config",
            str(config),
            "--port",
            str(port),
        ],
        f"http://127.0.0.1:{port}/api/info",
        tmp / f"node-{letter}.log",
        # The environment's profile would override the file's (tests/conftest.py may set one).
        env={"ONEMG_PRIVACY_PROFILE": CONFIGURATIONS[letter]},
    )
    proc.start()
    try:
        proc.wait_ready(60)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stop()


def _attack(url: str, synth_out: Path, report: Path) -> dict:
    code = main(
        [
            "privacy",
            "attack",
            "--url",
            url,
            "--cohort",
            str(synth_out / "de"),
            "--panel",
            str(panel_dir(synth_out, "DE")),
            "--targets",
            "20",
            "--queries",
            "60",
            "--attacks",
            "sb,ld",
            "--seed",
            "5",
            "--out",
            str(report),
            "--html",
            str(report.with_suffix(".html")),
        ]
    )
    assert code == 0
    return json.loads(report.read_text())


def test_power_drops_from_no_protection_to_the_strongest_profile(
    cohort: tuple[Path, Path], tmp_path: Path
) -> None:
    synth_out, node = cohort
    strongest = strongest_available()
    reports = {}
    for letter in ("a", strongest):
        for url in _serve(node, letter, tmp_path):
            reports[letter] = _attack(url, synth_out, tmp_path / f"report-{letter}.json")
    open_, guarded = reports["a"]["attacks"], reports[strongest]["attacks"]
    summary = {
        k: {a: (r["power_at_max"], r["roc"]["auc"]) for a, r in rep["attacks"].items()}
        for k, rep in reports.items()
    }
    assert reports["a"]["beacon_size"] == 200
    assert reports["a"]["targets_in"] == reports["a"]["targets_out"] == 20
    # No protection: members are found at a 1% false-positive rate within 60 questions.
    assert open_["sb"]["power_at_max"] >= 0.4, summary
    assert open_["sb"]["roc"]["auc"] >= 0.75, summary
    # The floor answers "no" for alleles carried by fewer than 5 (and stronger profiles refuse
    # or perturb rare-allele answers): members look like outsiders.
    assert guarded["sb"]["power_at_max"] <= open_["sb"]["power_at_max"] - 0.3, summary
    assert guarded["ld"]["power_at_max"] <= open_["ld"]["power_at_max"] - 0.3, summary
    assert guarded["sb"]["roc"]["auc"] <= open_["sb"]["roc"]["auc"] - 0.2, summary
    html = (tmp_path / "report-a.html").read_text()
    # Standalone: plotly.js is inline (megabytes), no script is fetched from elsewhere.
    assert len(html) > 1_000_000
    assert "<script src=" not in html


def test_attack_runs_against_a_demo_node(tmp_path: Path) -> None:
    """``onemg demo --held-out``'s data, a node started as the demo starts it (its own settings:
    the default ``budget+perturb``), attacked anonymously through its public API."""
    from onemg.demo.demo import DemoPlan, prepare_data, write_node_settings
    from onemg.privacy.attacks.configurations import CONFIGURATIONS

    plan = DemoPlan(root=tmp_path / "demo", countries=("MT",), individuals=80, held_out=80,
                    seed=5)  # fmt: skip
    prepare_data(plan, echo=lambda *_: None)
    assert plan.recipe()["held_out"] == 80
    assert (panel_dir(plan.synth_dir, "MT") / "panel.json").exists()
    write_node_settings(plan, "MT")
    port = free_port()
    proc = ManagedProcess(
        "demo-node-mt",
        [sys.executable, "-m", "onemg.cli", "node", "serve", "--data-dir",
         str(plan.node_dir("MT")), "--port", str(port)],
        f"http://127.0.0.1:{port}/api/info",
        tmp_path / "node.log",
        env={"ONEMG_PRIVACY_PROFILE": ""},  # the node's own (default) profile, not the suite's
    )  # fmt: skip
    proc.start()
    report = tmp_path / "demo-attack.json"
    try:
        proc.wait_ready(60)
        code = main(["privacy", "attack", "--url", f"http://127.0.0.1:{port}", "--cohort",
                     str(plan.synth_dir / "mt"), "--panel", str(panel_dir(plan.synth_dir, "MT")),
                     "--targets", "10", "--queries", "30", "--attacks", "sb,diff", "--seed", "3",
                     "--out", str(report)])  # fmt: skip
    finally:
        proc.stop()
    assert code == 0
    body = json.loads(report.read_text())
    assert body["beacon_size"] == 80
    assert body["targets_in"] == body["targets_out"] == 10
    # Anonymous callers get no rare-allele answers under the default profile: the attack is
    # refused (403) for most of its questions, and finds nobody.
    sb = body["attacks"]["sb"]
    assert sb["refused"] > 0, sb
    assert sb["power_at_max"] <= 0.2, sb
    assert CONFIGURATIONS["e"] == "budget+perturb"


def test_attack_through_the_demo_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo network (a hub over a node, as processes), attacked through the hub's public
    API: with no protection at the node the hub's sums find members (differencing included);
    with the node's own default they do not, and the hub adds nothing the node withheld."""
    from onemg.demo.demo import DemoNetwork, DemoPlan, prepare_data
    from onemg.demo.processes import free_port

    plan = DemoPlan(root=tmp_path / "demo", countries=("MT",), individuals=150, held_out=150,
                    seed=5, hub_port=free_port(), node_ports=(free_port(),),
                    mail={"notify_interval_s": 0})  # fmt: skip
    prepare_data(plan, echo=lambda *_: None)
    reports = {}
    for profile in ("none", ""):  # "": the node's own settings (the default, budget+perturb)
        monkeypatch.setenv("ONEMG_PRIVACY_PROFILE", profile)
        report = tmp_path / f"hub-{profile or 'default'}.json"
        with DemoNetwork(plan):
            code = main([
                "privacy", "attack", "--url", plan.hub_url, "--cohort", str(plan.synth_dir / "mt"),
                "--panel", str(panel_dir(plan.synth_dir, "MT")), "--targets", "15",
                "--queries", "40", "--attacks", "sb,diff", "--seed", "3", "--out", str(report),
            ])  # fmt: skip
        assert code == 0
        reports[profile or "default"] = json.loads(report.read_text())
    open_, guarded = reports["none"], reports["default"]
    summary = {k: {a: (r["power_at_max"], r["roc"]["auc"]) for a, r in rep["attacks"].items()}
               for k, rep in reports.items()}  # fmt: skip
    assert open_["beacon_size"] == guarded["beacon_size"] == 150
    # The hub sums exact member answers exactly: both attacks find members through it.
    # (Measured on this seed: SB 0.40 with AUC 0.92, differencing 1.00.)
    assert open_["attacks"]["sb"]["power_at_max"] >= 0.25, summary
    assert open_["attacks"]["sb"]["roc"]["auc"] >= 0.8, summary
    assert open_["attacks"]["diff"]["power_at_max"] >= 0.8, summary
    # Behind the default profile the node refuses or perturbs what the attacks need, and the
    # hub's totals stay as coarse as the node's answers.
    for attack in ("sb", "diff"):
        assert guarded["attacks"][attack]["power_at_max"] <= 0.2, summary
        assert guarded["attacks"][attack]["roc"]["auc"] <= 0.75, summary

"""The benchmark's in-process oracle answers exactly as the node does over HTTP.

``benchmarks/bench_privacy.py`` asks its millions of questions through
:class:`~onemg.privacy.attacks.inprocess.NodeOracle`, which calls the Beacon service without
HTTP. Its figures stand for the HTTP API only if every answer, refusal and budget charge is the
same; here both oracles ask one sequence of questions (rare, common, absent, malformed, counts
with filters, past the end of a small budget) of two copies of one node, as the same account.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI

from onemg.privacy.attacks import BeaconOracle
from onemg.privacy.attacks.configurations import ACCOUNT_FREE, CONFIGURATIONS
from onemg.privacy.attacks.inprocess import NodeOracle
from onemg.privacy.keys import load_or_create_noise_key
from onemg.settings import BeaconSettings, PrivacySettings, load_settings
from onemg.web.node_app import create_node_app
from tests.beacon.conftest import serve
from tests.privacy.conftest import TEST_PRIVACY, SubjectVerifier

KEYS = [
    ("7", 1010, "A", "G"),  # a singleton
    ("7", 1020, "A", "G"),
    ("7", 1030, "A", "G"),
    ("7", 1040, "A", "G"),
    ("7", 1050, "A", "G"),
    ("7", 1070, "A", "G"),  # common
    ("7", 1000, "A", "G"),  # absent
    ("7", 1130, "A", "G"),
]
FILTERS = [("NCIT:C16576",), ("ICD10:E84.0",), ("HP:0001250", "NCIT:C16576")]


def _app(node: Path, profile: str, tmp: Path) -> FastAPI:
    load_or_create_noise_key(node)  # before copying: both copies draw the same noise
    copy = tmp / f"node-{profile}-{len(list(tmp.iterdir()))}"
    shutil.copytree(node, copy)
    settings = load_settings(copy, environ={}).replace(
        beacon=BeaconSettings(k_anonymity=5),
        # 7:1050 and 7:1130 (6 carriers of 40) rare, and a budget that pays for one of them
        # (tests/privacy/test_beacon_privacy.py): the questions below run past it.
        privacy=PrivacySettings(
            profile=profile, budget=0.0016, count_budget=2.0, **{**TEST_PRIVACY, "rare_af": 0.2}
        ),
    )
    return create_node_app(settings, verifier=SubjectVerifier())


async def _ask(oracle: BeaconOracle) -> list[object]:
    answers: list[object] = []
    for _ in range(2):  # a second round: repeats, and answers past a spent budget
        for key in KEYS:
            answers.append(await oracle.exists(key))
            answers.append(await oracle.count(FILTERS[key[1] % 3], key))
        for filters in FILTERS:
            answers.append(await oracle.count(filters))
        oracle._exists.clear()  # noqa: SLF001 - ask again, as a fresh attacker process would
        oracle._counts.clear()  # noqa: SLF001
    return answers


@pytest.mark.parametrize("token", ["user:mallory", None], ids=["researcher", "anonymous"])
@pytest.mark.parametrize("profile", ["none", "k-floor", "budget", "perturb", "budget+perturb"])
async def test_in_process_answers_equal_http_answers(
    privacy_node: Path, tmp_path: Path, profile: str, token: str | None
) -> None:
    over_http = _app(privacy_node, profile, tmp_path)
    in_process = _app(privacy_node, profile, tmp_path)
    async with serve(over_http) as client:
        http = BeaconOracle(client, token=token, dataset_ids=["ds-fi"])
        expected = await _ask(http)
    async with in_process.router.lifespan_context(in_process):
        direct = NodeOracle(in_process, token=token, dataset_ids=["ds-fi"])
        got = await _ask(direct)
    assert got == expected
    assert direct.stats == http.stats
    if profile in ("budget", "budget+perturb"):
        # Refusals are compared too: the budget ran out, or anonymous rare-allele questions.
        assert http.stats.refused > 0
    if profile in ("perturb", "budget+perturb") and token is not None:
        # Noisy counts: not all equal to the exact ones (else the comparison is vacuous).
        async with serve(_app(privacy_node, "none", tmp_path)) as client:
            exact = await _ask(BeaconOracle(client, token="user:mallory", dataset_ids=["ds-fi"]))
        assert exact != expected


async def test_bad_token_is_refused_in_process_as_over_http(
    privacy_node: Path, tmp_path: Path
) -> None:
    app = _app(privacy_node, "budget+perturb", tmp_path)
    async with app.router.lifespan_context(app):
        with pytest.raises(Exception, match="401"):
            await NodeOracle(app, token="forged").exists(KEYS[0])


async def test_account_free_configurations_answer_everyone_alike(
    privacy_node: Path, tmp_path: Path
) -> None:
    """The benchmark asks for every target from one account in (a) and (b): that is only
    sound if no answer there depends on who asks."""
    letters = {v: k for k, v in CONFIGURATIONS.items()}
    for profile in ("none", "k-floor", "perturb"):
        app = _app(privacy_node, profile, tmp_path)
        async with serve(app) as client:
            alice = await _ask(BeaconOracle(client, token="user:alice", dataset_ids=["ds-fi"]))
            bob = await _ask(BeaconOracle(client, token="user:bob", dataset_ids=["ds-fi"]))
        assert (alice == bob) == (letters[profile] in ACCOUNT_FREE), profile


async def test_malformed_and_unknown_questions_in_process(
    privacy_node: Path, tmp_path: Path
) -> None:
    app = _app(privacy_node, "none", tmp_path)
    async with app.router.lifespan_context(app):
        oracle = NodeOracle(app)
        status, body, _ = await oracle._fetch("/no_such_entry", {})  # noqa: SLF001
        assert (status, body) == (404, None)
        status, _, where = await oracle._fetch(  # noqa: SLF001
            "/g_variants", {"requestedGranularity": "sometimes"}
        )
        assert status == 400
        assert "requestedGranularity" in where

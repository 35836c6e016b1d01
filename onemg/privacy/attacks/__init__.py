"""Re-identification attacks on a Beacon, and their evaluation (``onemg privacy attack``).

Through the public HTTP API only: :class:`BeaconOracle` asks, :mod:`.strategies` holds the four
attacks (SB-2015 LRT, Raisaro 2017, LD inference, count differencing), :func:`attack` runs them
over many targets and :func:`evaluate` turns the traces into ROC and power figures. The long
benchmark runs (``benchmarks/bench_privacy.py``) may ask a node app in this process instead
(:mod:`.inprocess`, held to the same answers as HTTP by a test).
"""

from onemg.privacy.attacks.evaluate import evaluate
from onemg.privacy.attacks.lrt import score_terms
from onemg.privacy.attacks.oracle import BeaconOracle
from onemg.privacy.attacks.report import write_html, write_json
from onemg.privacy.attacks.run import AttackPlan, attack, choose_targets, http_oracles
from onemg.privacy.attacks.strategies import ATTACKS, Trace
from onemg.privacy.attacks.targets import Reference, Target

__all__ = [
    "ATTACKS",
    "AttackPlan",
    "BeaconOracle",
    "Reference",
    "Target",
    "Trace",
    "attack",
    "choose_targets",
    "evaluate",
    "http_oracles",
    "score_terms",
    "write_html",
    "write_json",
]

"""Evaluation over many targets: ROC, power at a fixed false-positive rate, queries to detection.

Scores are compared at equal numbers of questions: a target that ran out of alleles keeps its
last score. The threshold at ``q`` questions is the ``1 - fpr`` quantile of the non-members'
scores at ``q`` (membership is claimed above it), so the false-positive rate is measured, not
assumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from onemg.errors import InvalidInputError
from onemg.privacy.attacks.strategies import Trace

GRID = (100, 200, 500, 1000, 2000, 5000, 10_000)


def _matrix(traces: Sequence[Trace], width: int) -> np.ndarray:
    out = np.zeros((len(traces), width), dtype=np.float64)
    for row, t in zip(out, traces, strict=True):
        s = t.scores[:width]
        if s.size:
            row[: s.size] = s
            row[s.size :] = s[-1]
    return out


def roc(scores_in: np.ndarray, scores_out: np.ndarray) -> dict[str, Any]:
    """ROC curve (membership claimed when score > threshold) and its area."""
    thresholds = np.unique(np.concatenate([scores_in, scores_out, [np.inf]]))[::-1]
    tpr = np.array([(scores_in > t).mean() for t in thresholds])
    fpr = np.array([(scores_out > t).mean() for t in thresholds])
    tpr, fpr = np.concatenate([tpr, [1.0]]), np.concatenate([fpr, [1.0]])
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "auc": auc}


def evaluate(
    traces: Sequence[Trace], *, fpr: float = 0.01, max_queries: int, grid: Sequence[int] = GRID
) -> dict[str, Any]:
    """Power at ``fpr`` per number of questions, ROC at ``max_queries``, first detections."""
    ins = [t for t in traces if t.member]
    outs = [t for t in traces if not t.member]
    if not ins or not outs:
        raise InvalidInputError("evaluation needs targets both in and out of the Beacon")
    width = max(1, min(max_queries, max(len(t.scores) for t in traces)))
    s_in, s_out = _matrix(ins, width), _matrix(outs, width)
    thresholds = np.quantile(s_out, 1 - fpr, axis=0, method="higher")
    detected = s_in > thresholds
    first = np.where(detected.any(axis=1), detected.argmax(axis=1) + 1, -1)
    points = sorted({q for q in grid if q < max_queries} | {max_queries})
    power = [float(detected[:, min(q, width) - 1].mean()) for q in points]
    found = first[first > 0]
    return {
        "targets_in": len(ins),
        "targets_out": len(outs),
        "fpr": fpr,
        "queries": points,
        "power": power,
        "power_at_max": power[-1],
        "roc": roc(s_in[:, -1], s_out[:, -1]),
        "first_detection": {
            "detected": int(found.size),
            "median": float(np.median(found)) if found.size else None,
            "values": first.tolist(),
        },
        "questions_per_target": {
            "in": float(np.mean([len(t.scores) for t in ins])),
            "out": float(np.mean([len(t.scores) for t in outs])),
        },
        "refused": int(sum(t.refused for t in traces)),
    }

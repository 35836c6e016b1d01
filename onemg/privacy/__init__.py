"""Defences against re-identification below the record tier (docs/privacy.md).

* :mod:`onemg.privacy.policy`: effective settings per dataset and tier, the cost of an answer;
* :mod:`onemg.privacy.perturb`: keyed discrete Laplace noise (consistent per user and query);
* :mod:`onemg.privacy.budget`: risk and epsilon budgets per user and dataset (SQL, atomic);
* :mod:`onemg.privacy.guard`: :class:`PrivacyGuard`, the one call the Beacon makes;
* :mod:`onemg.privacy.keys`: the node's noise secret.

Names are imported on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "AnswerFacts": "onemg.privacy.guard",
    "BudgetSpentError": "onemg.privacy.budget",
    "BudgetStore": "onemg.privacy.budget",
    "PrivacyGuard": "onemg.privacy.guard",
    "PrivacyRefusedError": "onemg.privacy.guard",
    "build_guard": "onemg.privacy.wiring",
    "load_or_create_noise_key": "onemg.privacy.keys",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'onemg.privacy' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""Building a node's :class:`~onemg.privacy.guard.PrivacyGuard` (``create_node_app`` calls it).

Nothing is opened when the guard is built: the noise secret is read on the first perturbed
answer and the budget tables are reached through the node's one engine on the first charge.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from onemg.lazy import Lazy
from onemg.privacy.budget import BudgetStore
from onemg.privacy.differencing import CountSets
from onemg.privacy.guard import PrivacyGuard
from onemg.privacy.keys import load_or_create_noise_key
from onemg.settings import Settings


def build_guard(
    settings: Settings, database: Callable[[], Engine], clock: Callable[[], float]
) -> PrivacyGuard:
    """The guard of a node: its ``[privacy]`` settings, noise key, budget and count tables."""
    secret: Lazy[bytes] = Lazy(lambda: load_or_create_noise_key(settings.data_dir))
    budgets: Lazy[BudgetStore] = Lazy(lambda: BudgetStore(database()))
    count_sets: Lazy[CountSets] = Lazy(lambda: CountSets(database()))
    return PrivacyGuard(
        settings.privacy, k=settings.beacon.k_anonymity, secret=secret, budgets=budgets,
        count_sets=count_sets, clock=clock,
    )  # fmt: skip

"""The measured configurations (a)-(e) of issue 17 as node settings (TOML text).

(a) no protection, (b) the k floor, (c) risk budgets, (d) perturbation, (e) both. Where the
node's settings know ``[privacy] profile`` each is that profile (with ``[beacon] k_anonymity =
5``); in a tree without it, (a) is ``k_anonymity = 1`` (exact answers: a count below 1 is 0,
so ``exists`` is true for a singleton), (b) ``k_anonymity = 5``, and (c)-(e) are unavailable.
"""

from __future__ import annotations

import dataclasses

from onemg.errors import InvalidInputError

CONFIGURATIONS = {"a": "none", "b": "k-floor", "c": "budget", "d": "perturb",
                  "e": "budget+perturb"}  # fmt: skip
K_FLOOR = 5
#: Configurations whose answers do not depend on who asks (no budget, no keyed noise, no count
#: history per user): one account may ask for every target and reuse its answers.
ACCOUNT_FREE = frozenset({"a", "b"})


def profiles_supported() -> bool:
    """Whether this tree's node settings have a ``[privacy]`` section."""
    from onemg.settings import Settings

    return "privacy" in {f.name for f in dataclasses.fields(Settings)}


def settings_toml(config: str) -> str:
    """The node settings (TOML) of configuration ``config`` (a letter a-e).

    Raises:
        InvalidInputError: unknown letter, or a profile this tree does not have.
    """
    if config not in CONFIGURATIONS:
        raise InvalidInputError(f"unknown configuration {config!r}: use a, b, c, d or e")
    if profiles_supported():
        return (f"[beacon]\nk_anonymity = {K_FLOOR}\n\n"
                f'[privacy]\nprofile = "{CONFIGURATIONS[config]}"\n')  # fmt: skip
    if config in ("a", "b"):
        return f"[beacon]\nk_anonymity = {1 if config == 'a' else K_FLOOR}\n"
    raise InvalidInputError(
        f"configuration ({config}) {CONFIGURATIONS[config]} needs the [privacy] settings of the "
        "defence work, which this tree does not have"
    )


def strongest_available() -> str:
    """The strongest configuration this tree can run: (e) with profiles, else (b)."""
    return "e" if profiles_supported() else "b"

"""Demo data: three fictional health systems, two finalised rounds each, five experts per round.

The systems are invented (country codes XA, XB, XC are ISO 3166 user-assigned codes that no
country uses) and every page labels them fictional. Ratings are drawn from a fixed seed around
a made-up profile per system; the second round, a year later, improves some indicators, so the
radar charts, the heat map, the benchmark and the progress view all show something.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from onemg.errors import ConflictError
from onemg.governance.mlm.service import CLI, Actor, MlmService

#: 1 March 2025 and 1 March 2026, 12:00 UTC.
ROUND_TIMES = (1740830400, 1772366400)
SYSTEMS = (
    ("demo-aurelia", "Aurelia (fictional)", "XA", 3.1),
    ("demo-borealia", "Borealia (fictional)", "XB", 2.3),
    ("demo-cascadia", "Cascadia (fictional)", "XC", 1.8),
)
EXPERTS_PER_SYSTEM = 5


@dataclass(frozen=True)
class DemoAccounts:
    """Usernames the demo created (all share the demo password)."""

    admin: str
    coordinators: dict[str, str]
    experts: dict[str, tuple[str, ...]]


def _profile(rng: random.Random, mean: float, n: int) -> list[int]:
    return [max(1, min(5, round(rng.gauss(mean, 0.9)))) for _ in range(n)]


def load_demo(
    service: MlmService, *, create_account: Callable[[str, bool], str], seed: int = 2026
) -> DemoAccounts:
    """Create the demo systems, accounts and assessments (once; a second call changes nothing).

    ``create_account(username, is_admin)`` creates a hub account (or finds an existing one) and
    returns its subject.
    """
    rng = random.Random(seed)
    admin_sub = create_account("mlm-admin", True)
    Actor(admin_sub, is_admin=True)
    coordinators: dict[str, str] = {}
    experts: dict[str, tuple[str, ...]] = {}
    model = service.model()
    ids = [i.id for i in model.indicators]
    for system_id, name, country, mean in SYSTEMS:
        short = system_id.removeprefix("demo-")
        coord_name = f"coord-{short}"
        expert_names = tuple(f"expert-{short}-{n}" for n in range(1, EXPERTS_PER_SYSTEM + 1))
        coordinators[system_id], experts[system_id] = coord_name, expert_names
        coord = Actor(create_account(coord_name, False))
        panel = [Actor(create_account(e, False)) for e in expert_names]
        try:
            service.create_system(
                CLI, system_id=system_id, name=name, country=country, fictional=True
            )
        except ConflictError:
            continue  # already loaded
        service.grant(CLI, system_id, coord_name, "coordinator")
        base = _profile(rng, mean, len(ids))
        for round_no, at in enumerate(ROUND_TIMES):
            if round_no:
                base = [min(5, lv + (1 if rng.random() < 0.35 else 0)) for lv in base]
            aid = service.open_assessment(
                coord,
                system_id=system_id,
                opened_at=at - 30 * 86400,
                title=f"{name.split(' ')[0]} national assessment {2025 + round_no}",
            )
            for e in expert_names:
                service.invite(coord, aid, e)
            for expert in panel:
                drafts: dict[str, tuple[int | None, str, tuple[str, ...]]] = {}
                for ind_id, lv in zip(ids, base, strict=True):
                    r = rng.random()
                    level: int | None = lv
                    if r < 0.05:
                        level = None
                    elif r < 0.30:
                        level = max(1, min(5, lv + rng.choice((-1, 1))))
                    elif r < 0.33:
                        level = max(1, min(5, lv + rng.choice((-2, 2))))
                    drafts[ind_id] = (level, "Demo rating." if r < 0.1 else "", ())
                service.save_ratings(expert, aid, drafts)
                service.submit(expert, aid)
            service.close_rating(coord, aid)
            agreed = {}
            for row in service.panel_view(coord, aid):
                levels = [lv for _, rr in row.ratings if (lv := rr.level) is not None]
                level = round(statistics.median(levels)) if levels else 1
                agreed[row.indicator_id] = (level, "Panel median (demo data).")
            service.record_consensus_many(coord, aid, agreed)
            service.finalise(coord, aid, at=at)
            service.share(coord, aid, shared=True)
        service.grant(CLI, system_id, coord_name, "viewer")
    return DemoAccounts("mlm-admin", coordinators, experts)


def load_demo_hub(data_dir: Path, *, echo: Callable[[str], None] = print) -> str:
    """Load the MLM demo into the hub data directory ``data_dir`` (once); return a login hint.

    The demo accounts get a random password, generated on first load and kept in
    ``data_dir/mlm-demo-password.txt`` (no default password ships with onemg).
    """
    from onemg.cli.mlm import demo_account_maker
    from onemg.governance.mlm.wiring import build_service
    from onemg.secret_files import load_or_create_password
    from onemg.settings import Settings
    from onemg.web.pages import WebServices

    data_dir.mkdir(parents=True, exist_ok=True)
    password = load_or_create_password(data_dir / "mlm-demo-password.txt")
    web = WebServices.for_settings(Settings(data_dir=data_dir))
    try:
        service = build_service(web)
        if not any(s.id == SYSTEMS[0][0] for s in service.systems()):
            echo("loading the Maturity Level Model demo (three fictional health systems) ...")
        accounts = load_demo(service, create_account=demo_account_maker(web, password))
    finally:
        web.dispose()
    return (
        f"log in as {accounts.admin}, {', '.join(accounts.coordinators.values())} "
        f"or e.g. {next(iter(accounts.experts.values()))[0]} with password {password}"
    )

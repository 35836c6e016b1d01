"""``onemg privacy attack``: measure re-identification risk against a running node or hub."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from onemg.errors import InvalidInputError


def _tokens(tokens: list[str] | None, passport_file: Path | None) -> list[str | None]:
    out: list[str | None] = list(tokens or [])
    if passport_file is not None:
        try:
            lines = passport_file.read_text().splitlines()
        except OSError as exc:
            raise InvalidInputError(f"--passport-file {passport_file}: {exc.strerror}") from None
        out += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return out or [None]


def attack_command(
    url: Annotated[
        str,
        typer.Option(
            "--url",
            help="Origin of the node or hub, e.g. "
            "http://127.0.0.1:8101 (its Beacon API is under /api).",
        ),
    ],
    cohort: Annotated[
        Path,
        typer.Option(
            "--cohort",
            help="The attacked cohort's synth folder "
            "(genotypes + individuals.jsonl): the members' genomes "
            "the attacker is assumed to know.",
        ),
    ],
    panel: Annotated[
        Path,
        typer.Option(
            "--panel",
            help="Held-out reference panel folder "
            "(`onemg synth --held-out N` writes OUT/<cc>-held-out).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSON report to write.")] = Path(
        "attack-report.json"
    ),
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write an HTML page with plotly charts (standalone, no CDN)."
        ),
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", help="Restrict questions to this dataset id (repeatable)."),
    ] = None,
    targets: Annotated[
        int, typer.Option("--targets", help="Members and non-members attacked (each).")
    ] = 200,
    queries: Annotated[
        int, typer.Option("--queries", help="Questions per target and attack at most.")
    ] = 10_000,
    attacks: Annotated[
        str, typer.Option("--attacks", help="Comma-separated: sb, raisaro, ld, diff.")
    ] = "sb,raisaro,ld,diff",
    token: Annotated[
        list[str] | None,
        typer.Option(
            "--token",
            help="Bearer token (passport) "
            "to ask with; repeat to rotate accounts "
            "over targets. Default: anonymous.",
        ),
    ] = None,
    passport_file: Annotated[
        Path | None,
        typer.Option("--passport-file", help="File with one token per line (as --token)."),
    ] = None,
    beacon_size: Annotated[
        int | None,
        typer.Option("--beacon-size", help="Individuals in the Beacon (default: ask it)."),
    ] = None,
    delta: Annotated[float, typer.Option("--delta", help="LRT mismatch rate (SB-2015).")] = 1e-6,
    fpr: Annotated[float, typer.Option("--fpr", help="False-positive rate for power.")] = 0.01,
    seed: Annotated[int, typer.Option("--seed", help="Seed for drawing the targets.")] = 1,
    timeout: Annotated[float, typer.Option("--timeout", help="HTTP timeout, seconds.")] = 30.0,
) -> None:
    """Run re-identification attacks (SB-2015 LRT, Raisaro 2017, LD inference, count
    differencing) through the public Beacon API and report ROC and power at a fixed FPR."""
    import httpx
    from tqdm.auto import tqdm

    from onemg.privacy.attacks import (
        AttackPlan,
        attack,
        choose_targets,
        http_oracles,
        write_html,
        write_json,
    )

    plan = AttackPlan(
        attacks=tuple(a.strip() for a in attacks.split(",") if a.strip()),
        max_queries=queries,
        delta=delta,
        fpr=fpr,
        beacon_size=beacon_size,
    )
    console = Console(stderr=True)
    console.print(
        f"[bold]onemg privacy attack[/]: {targets} in + {targets} out, up to "
        f"{queries} questions, {', '.join(plan.attacks)} -> {url}"
    )
    chosen, reference = choose_targets(cohort, panel, members=targets, outsiders=targets, seed=seed)

    async def go() -> dict:
        async with httpx.AsyncClient(base_url=url, timeout=timeout) as client:
            with tqdm(total=len(chosen), desc="attacking", unit="targets") as bar:
                oracles = http_oracles(client, _tokens(token, passport_file), dataset_ids=dataset)
                return await attack(
                    oracles, chosen, reference, plan, on_target=lambda: bar.update(1)
                )

    report = asyncio.run(go())
    report["url"] = url
    write_json(report, out)
    if html is not None:
        write_html(report, html)
    table = Table(title=f"Power at {fpr:.0%} FPR (Beacon of {report['beacon_size']})")
    for col in ("attack", "power", "AUC", "median questions", "refused"):
        table.add_column(col)
    for name, res in report["attacks"].items():
        table.add_row(
            name,
            f"{res['power_at_max']:.3f}",
            f"{res['roc']['auc']:.3f}",
            str(res["first_detection"]["median"] or "-"),
            str(res["refused"]),
        )
    Console().print(table)
    console.print(
        f"{report['questions_sent']} questions sent; report in {out}"
        + (f" and {html}" if html else "")
    )


def register(app: typer.Typer) -> None:
    """Attach ``onemg privacy attack`` (to the ``privacy`` group, created when missing)."""
    group = next((g.typer_instance for g in app.registered_groups if g.name == "privacy"), None)
    if group is None:
        group = typer.Typer(
            help="Privacy: re-identification attacks and defences.", no_args_is_help=True
        )
        app.add_typer(group, name="privacy")
    group.command("attack")(attack_command)

"""``onemg demo``: synthesise three countries, ingest them, run three nodes and the hub."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Attach ``onemg demo`` to ``app``."""

    @app.command("demo")
    def demo(
        fresh: bool = typer.Option(False, "--fresh", help="Rebuild the data from scratch."),
        data: Path = typer.Option(
            Path("demo-data"),
            "--dir",
            help="Where the demo keeps cohorts, node data directories, configs and logs.",
        ),
        individuals: int = typer.Option(
            1000, "--individuals", "-n", min=50, help="Synthetic individuals per country."
        ),
        countries: str = typer.Option(
            "FI,EE,PT", "--countries", help="Comma-separated ISO codes, one node each."
        ),
        seed: int = typer.Option(42, "--seed", help="Random seed of the synthetic cohorts."),
        host: str = typer.Option("127.0.0.1", help="Interface every process listens on."),
        port: int = typer.Option(8100, "--port", help="Hub port; nodes use the next ports."),
        synth_format: str = typer.Option(
            "vcf",
            "--format",
            help="Cohorts as vcf (retrievable over htsget) or index (the "
            "sparse path: Beacon index straight from the simulated trees, no htsget).",
        ),
        held_out: int = typer.Option(
            0,
            "--held-out",
            min=0,
            help="Also simulate N individuals per country as a held-out reference panel "
            "(DIR/synth/<cc>-held-out), the attacker's knowledge for `onemg privacy attack` "
            "against the demo network. Changes the cohorts (a different draw).",
        ),
    ) -> None:
        """Run a synthetic three-country 1+MG network on localhost until Ctrl-C.

        A second run reuses --dir unless --fresh is given.
        """
        from onemg.demo.demo import DemoPlan, run_demo

        plan = DemoPlan(
            root=data,
            countries=tuple(c.strip().upper() for c in countries.split(",") if c),
            individuals=individuals,
            seed=seed,
            host=host,
            hub_port=port,
            synth_format=synth_format.lower(),
            held_out=held_out,
        )
        raise typer.Exit(run_demo(plan, fresh=fresh, echo=typer.echo))

"""``onemg doctor``: check a data directory and print each problem with its fix."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def doctor(
    data_dir: Path = typer.Option(
        ..., "--data-dir", help="Node or hub data directory.", show_default=False
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", help="SQLAlchemy URL (default: SQLite in the data directory)."
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Settings TOML (default: DATA_DIR/onemg.toml)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Check keys, database and migrations, trusted issuers, dataset tiers and the audit log.

    Exits 1 when something needs fixing; every problem comes with its fix.
    """
    from onemg.datadir import require_any
    from onemg.doctor import diagnose
    from onemg.settings import load_settings

    kind = require_any(data_dir, command="onemg doctor")
    settings = load_settings(data_dir, config_file=config, database_url=database_url)
    err = Console(stderr=True)
    with err.status("checking ...") as status:
        found = diagnose(settings, kind, progress=lambda what: status.update(f"checking {what}"))
    problems = [f for f in found if not f.ok]
    if as_json:
        typer.echo(json.dumps([f.__dict__ for f in found], indent=2))
    else:
        table = Table("check", "status", "detail", "fix", title=f"{kind} {data_dir}")
        for f in found:
            status_text = (
                "[yellow]warning[/]"
                if f.warning
                else "[red]PROBLEM[/]"
                if not f.ok
                else "[green]ok[/]"
            )
            table.add_row(f.check, status_text, f.detail, f.fix)
        Console(width=200).print(table)
        blocking = [f for f in problems if not f.warning]
        summary = f"{len(blocking)} problem(s) to fix" if blocking else "no problems found"
        Console().print(summary)
    if any(not f.warning for f in problems):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Attach ``onemg doctor`` to the root CLI."""
    app.command("doctor")(doctor)

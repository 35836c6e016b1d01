"""The ``onemg`` command line.

Each command group lives in its own module and registers itself on the root app. Modules here
only parse arguments, set up progress display, call one library function and print.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.console import Console

from onemg.errors import OnemgError


def _print_version(value: bool) -> None:
    if value:
        from onemg import __version__

        typer.echo(__version__)
        raise typer.Exit()


def build_app() -> typer.Typer:
    """A fresh root command with every command group attached (one per :func:`main` call).

    Built anew each time rather than kept at module level, so calling :func:`main` twice (tests,
    embedding) cannot register a group twice.
    """
    from onemg.cli import commands

    app = typer.Typer(
        name="onemg",
        help="onemg: secure cross-border access to genomic health data (1+ Million Genomes).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", "-V", callback=_print_version,
                                     is_eager=True, help="Print the onemg version and exit."),
    ) -> None:
        """onemg: secure cross-border access to genomic health data (1+ Million Genomes).

        Node operators: `onemg ingest`, `onemg node serve`, `onemg doctor`. Researchers: `onemg
        login`, `onemg passport`, `onemg apply`, `onemg query`. Committees: `onemg access list`.
        """

    @app.command("version")
    def version() -> None:
        """Print the onemg version."""
        from onemg import __version__

        typer.echo(__version__)

    commands.register_all(app)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    An :class:`~onemg.errors.OnemgError` is printed as a one-line error and exits with 2.
    """
    app = build_app()
    try:
        app(args=list(argv) if argv is not None else None, prog_name="onemg")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except OnemgError as exc:
        Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        return 2
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())

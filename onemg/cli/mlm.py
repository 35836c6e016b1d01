"""``onemg mlm ...``: the Maturity Level Model on a hub's database (import/export, demo)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

_DATA_DIR = typer.Option(..., "--data-dir", help="Hub data directory.", show_default=False)
_DB_URL = typer.Option(
    None, "--database-url", help="SQLAlchemy URL (default: SQLite in the data directory)."
)


def _service(data_dir: Path, database_url: str | None):  # noqa: ANN202
    from onemg.governance.mlm.wiring import build_service

    return build_service(_web(data_dir, database_url))


def _web(data_dir: Path, database_url: str | None):  # noqa: ANN202
    from onemg.settings import load_settings
    from onemg.web.pages import WebServices

    return WebServices.for_settings(load_settings(data_dir, database_url=database_url))


def register(app: typer.Typer) -> None:
    """Attach ``onemg mlm`` to ``app``."""
    mlm = typer.Typer(
        help="The Maturity Level Model: model versions, assessments, demo data.",
        no_args_is_help=True,
    )
    model = typer.Typer(help="Import and export model versions.", no_args_is_help=True)
    assessment = typer.Typer(help="Export assessments.", no_args_is_help=True)
    system = typer.Typer(help="Health systems and their coordinators.", no_args_is_help=True)
    demo = typer.Typer(help="Demonstration data (fictional health systems).", no_args_is_help=True)

    @model.command("export")
    def model_export(
        data_dir: Path = _DATA_DIR,
        database_url: str | None = _DB_URL,
        version: str | None = typer.Option(None, help="Default: the newest."),
        output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
    ) -> None:
        """Write a model version as JSON."""
        text = json.dumps(
            _service(data_dir, database_url).model(version).as_json(), indent=1, ensure_ascii=False
        )
        if output:
            output.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"wrote {output}")
        else:
            typer.echo(text)

    @model.command("import")
    def model_import(
        file: Path = typer.Argument(..., help="Model version JSON file."),
        data_dir: Path = _DATA_DIR,
        database_url: str | None = _DB_URL,
    ) -> None:
        """Import a model version (refused if it changes a version an assessment uses)."""
        from onemg.errors import InvalidInputError
        from onemg.governance.mlm import CLI

        if not file.is_file():
            raise InvalidInputError(f"{file}: no such file")
        m = _service(data_dir, database_url).import_model(
            CLI, file.read_text(encoding="utf-8"), where=str(file)
        )
        typer.echo(
            f"model {m.version}: {len(m.domains)} domains, "
            f"{sum(len(d.subdomains) for d in m.domains)} subdomains, "
            f"{len(m.indicators)} indicators"
        )

    @assessment.command("export")
    def assessment_export(
        assessment_id: int = typer.Argument(..., help="Assessment id."),
        data_dir: Path = _DATA_DIR,
        database_url: str | None = _DB_URL,
        fmt: str = typer.Option("json", "--format", "-f", help="json, csv or pdf."),
        output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    ) -> None:
        """Export an assessment as JSON, CSV or a PDF report."""
        from onemg.errors import InvalidInputError
        from onemg.governance.mlm import CLI
        from onemg.governance.mlm.exports import to_csv

        svc = _service(data_dir, database_url)
        if fmt == "json":
            output.write_text(json.dumps(svc.export(CLI, assessment_id), indent=1) + "\n")
        elif fmt == "csv":
            output.write_text(to_csv(svc.export(CLI, assessment_id)))
        elif fmt == "pdf":
            from onemg.governance.mlm.report import pdf_bytes

            output.write_bytes(pdf_bytes(svc, CLI, assessment_id))
        else:
            raise InvalidInputError(f"--format {fmt!r}: use json, csv or pdf")
        typer.echo(f"wrote {output}")

    @system.command("create")
    def system_create(
        system_id: str = typer.Argument(..., help="Id, e.g. pt or es-catalonia."),
        name: str = typer.Option(..., help="Display name."),
        country: str = typer.Option(..., help="ISO 3166 alpha-2 code."),
        region: str | None = typer.Option(None, help="Region within the country."),
        data_dir: Path = _DATA_DIR,
        database_url: str | None = _DB_URL,
    ) -> None:
        """Register a health system (country, or region within one)."""
        from onemg.governance.mlm import CLI

        _service(data_dir, database_url).create_system(
            CLI, system_id=system_id, name=name, country=country, region=region
        )
        typer.echo(f"health system {system_id} created")

    @system.command("grant")
    def system_grant(
        system_id: str = typer.Argument(...),
        username: str = typer.Argument(..., help="Hub account."),
        role: str = typer.Option("coordinator", help="coordinator or viewer."),
        data_dir: Path = _DATA_DIR,
        database_url: str | None = _DB_URL,
    ) -> None:
        """Make a hub account coordinator or viewer of a health system."""
        from onemg.governance.mlm import CLI

        _service(data_dir, database_url).grant(CLI, system_id, username, role)
        typer.echo(f"{username} is now {role} of {system_id}")

    @system.command("list")
    def system_list(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL) -> None:
        """List health systems."""
        for s in _service(data_dir, database_url).systems():
            typer.echo(f"{s.id}\t{s.country}\t{s.name}{'  (fictional)' if s.fictional else ''}")

    @demo.command("load")
    def demo_load(
        data_dir: Path = _DATA_DIR,
        database_url: str | None = _DB_URL,
        password: str = typer.Option(
            "demo-password", envvar="ONEMG_DEMO_PASSWORD", help="Password of the demo accounts."
        ),
    ) -> None:
        """Load three fictional health systems with two finalised rounds each."""
        from onemg.governance.mlm.demo import load_demo
        from onemg.governance.mlm.wiring import build_service

        web = _web(data_dir, database_url)
        svc = build_service(web)
        accounts = load_demo(svc, create_account=demo_account_maker(web, password))
        typer.echo(
            f"demo loaded: log in as {accounts.admin}, "
            f"{', '.join(accounts.coordinators.values())} or an expert "
            f"(e.g. {next(iter(accounts.experts.values()))[0]}) with the demo password"
        )

    mlm.add_typer(model, name="model")
    mlm.add_typer(assessment, name="assessment")
    mlm.add_typer(system, name="system")
    mlm.add_typer(demo, name="demo")
    app.add_typer(mlm, name="mlm")


def demo_account_maker(web, password: str):  # noqa: ANN001, ANN201
    """``create_account(username, is_admin) -> sub`` over the hub's accounts (idempotent)."""
    from onemg.errors import NotFoundError

    def create(username: str, is_admin: bool) -> str:
        try:
            return web.sub_of(username)
        except NotFoundError:
            return web.accounts.create(username, password, is_admin=is_admin).sub

    return create

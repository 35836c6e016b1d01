"""``onemg hub serve``, ``init``, ``harvest``, ``notify``: run the Beacon Network hub."""

from __future__ import annotations

from pathlib import Path

import typer

from onemg.cli.node import LOG_LEVEL
from onemg.errors import InvalidInputError

_DATA_DIR_HELP = ("The hub's data directory (accounts, audit log, signing key); its settings "
                  "are DATA_DIR/hub.toml unless --config names another file.")


def _hub_config(data_dir: Path | None, config: Path | None):  # noqa: ANN202
    """(settings, network) from ``--data-dir`` and/or ``--config``, as ``node serve`` takes them."""
    import dataclasses

    from onemg.network.config import load_hub_config

    if data_dir is None and config is None:
        raise InvalidInputError("pass --data-dir HUB_DIR (with HUB_DIR/hub.toml) or --config "
                                "hub.toml")
    settings, network = load_hub_config(config or data_dir / "hub.toml")
    if data_dir is not None:  # --data-dir wins over the file's data_dir
        settings = dataclasses.replace(settings, data_dir=data_dir)
    return settings, network


def register(app: typer.Typer) -> None:
    """Attach the ``hub`` command group to ``app``."""
    hub = typer.Typer(
        help="The European hub: Beacon Network over the national nodes.", no_args_is_help=True
    )

    @hub.command("serve")
    def serve(
        data_dir: Path | None = typer.Option(None, "--data-dir", help=_DATA_DIR_HELP,
                                             show_default=False),
        config: Path | None = typer.Option(
            None,
            "--config",
            "-c",
            help="Hub TOML file with beacon, network and members sections (docs/network.md); "
            "its data_dir is used when --data-dir is not given.",
        ),
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
        port: int = typer.Option(8100, "--port", help="Port to listen on."),
        log_level: str = typer.Option(LOG_LEVEL, "--log-level", help="uvicorn log level."),
    ) -> None:
        """Serve the Beacon Network API under /api, fanning queries out to every member."""
        import uvicorn

        from onemg.datadir import creating
        from onemg.web.hub_app import create_hub_app

        settings, network = _hub_config(data_dir, config)
        with creating(settings.data_dir, "hub", command="onemg hub serve"):
            pass
        typer.echo(
            f"onemg hub {settings.beacon.beacon_id}: {len(network.enabled_members)} members, "
            f"http://{host}:{port}/api (docs at /api/docs)"
        )
        uvicorn.run(
            create_hub_app(settings, network),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
        )

    @hub.command("init")
    def init(
        data_dir: Path = typer.Option(..., "--data-dir", help="The hub data directory to make.",
                                      show_default=False),
    ) -> None:
        """Make an empty hub data directory (before creating accounts in it)."""
        from onemg.access.api import hub_key
        from onemg.datadir import creating
        from onemg.settings import Settings

        with creating(data_dir, "hub", command="onemg hub init"):
            hub_key(Settings(data_dir=data_dir))
        typer.echo(f"hub data directory {data_dir}: create accounts with "
                   f"`onemg access user create NAME --data-dir {data_dir}`")

    @hub.command("harvest")
    def harvest(
        data_dir: Path | None = typer.Option(
            None, "--data-dir", help=_DATA_DIR_HELP, show_default=False
        ),
        config: Path | None = typer.Option(
            None,
            "--config",
            "-c",
            help="Hub TOML file (docs/network.md); its members' catalogues are harvested.",
        ),
        no_validate: bool = typer.Option(
            False, "--no-validate", help="Accept copies without checking the DCAT-AP shapes."
        ),
    ) -> None:
        """Harvest every member's DCAT-AP catalogue now (docs/catalogue.md).

        The copies go to DATA_DIR/catalogue/, where a running hub picks them up. A member that
        fails keeps its last good copy; the command then exits with status 1.
        """
        import asyncio

        import httpx

        from onemg.datadir import creating
        from onemg.dcat.harvest import CatalogueHarvester, MemberHarvest, harvest_folder

        settings, network = _hub_config(data_dir, config)
        harvester = CatalogueHarvester(network, harvest_folder(settings), validate=not no_validate)

        async def run() -> list[MemberHarvest]:
            async with httpx.AsyncClient(trust_env=False) as client:
                return await harvester.harvest(client)

        with creating(settings.data_dir, "hub", command="onemg hub harvest"):
            results = asyncio.run(run())
        for r in results:
            if r.ok:
                typer.echo(f"{r.member}: {r.datasets} datasets harvested")
            else:
                kept = f"copy of {r.harvested_at} kept" if r.harvested_at else "no copy yet"
                typer.echo(f"{r.member}: FAILED ({r.error}); {kept}", err=True)
        typer.echo(f"copies in {harvester.folder}")
        if not all(r.ok for r in results):
            raise typer.Exit(1)

    @hub.command("notify")
    def notify(
        data_dir: Path | None = typer.Option(
            None, "--data-dir", help=_DATA_DIR_HELP, show_default=False
        ),
        config: Path | None = typer.Option(None, "--config", "-c", help="Hub TOML file."),
    ) -> None:
        """Mail applicants whose applications changed state at a node, once (docs/mail.md).

        A running hub does this every notify_interval_s seconds (mail settings); use this command
        from cron when that is 0. Exits with status 1 when a node could not be asked or a mail
        could not be sent (they are tried again next time).
        """
        import asyncio

        from onemg.portal.notifications import notify_once

        settings, network = _hub_config(data_dir, config)
        report = asyncio.run(notify_once(settings, network))
        typer.echo(f"{report.checked} application(s) checked, {report.changed} changed, "
                   f"{report.mailed} mail(s) sent, {report.failed} failure(s)")
        if report.failed:
            raise typer.Exit(1)

    app.add_typer(hub, name="hub")

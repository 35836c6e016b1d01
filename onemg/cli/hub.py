"""``onemg hub serve``: run the hub (Beacon Network aggregator) with uvicorn."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``hub`` command group to ``app``."""
    hub = typer.Typer(
        help="The European hub: Beacon Network over the national nodes.", no_args_is_help=True
    )

    @hub.command("serve")
    def serve(
        config: Path = typer.Option(
            ...,
            "--config",
            "-c",
            help="Hub TOML file with beacon, network and members sections (docs/network.md).",
        ),
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8100, help="Port to listen on."),
        log_level: str = typer.Option("info", help="uvicorn log level."),
    ) -> None:
        """Serve the Beacon Network API under /api, fanning queries out to every member."""
        import uvicorn

        from onemg.network.config import load_hub_config
        from onemg.web.hub_app import create_hub_app

        settings, network = load_hub_config(config)
        typer.echo(
            f"onemg hub {settings.beacon.beacon_id}: {len(network.enabled_members)} members, "
            f"http://{host}:{port}/api"
        )
        uvicorn.run(
            create_hub_app(settings, network),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
        )

    app.add_typer(hub, name="hub")

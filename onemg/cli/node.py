"""``onemg node serve``: run a national node (Beacon v2 under /api) with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from onemg.errors import InvalidInputError

_FACTORY_ENV = "ONEMG_NODE_DATA_DIR"


def app_from_env():  # noqa: ANN201 - uvicorn factory
    """Uvicorn factory for multi-worker serving: settings come from the environment."""
    from onemg.settings import load_settings
    from onemg.web.node_app import create_node_app

    data_dir = os.environ.get(_FACTORY_ENV)
    if not data_dir:
        raise InvalidInputError(f"{_FACTORY_ENV} is not set; start the node with onemg node serve")
    return create_node_app(load_settings(data_dir))


def register(app: typer.Typer) -> None:
    """Attach ``onemg node ...`` to the root CLI."""
    node = typer.Typer(help="Run a national node.", no_args_is_help=True)
    app.add_typer(node, name="node")

    @node.command("serve")
    def serve(
        data_dir: Annotated[Path, typer.Option("--data-dir", help="The node's data directory "
                                               "(datasets ingested with `onemg ingest`).")],
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8101,
        workers: Annotated[int, typer.Option(help="Worker processes (each opens the "
                                             "memory-mapped indexes once).")] = 1,
        database_url: Annotated[str | None, typer.Option(
            "--database-url", help="SQLAlchemy URL (default: SQLite in the data dir).")] = None,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    ) -> None:
        """Serve the Beacon v2 API (and the node's other APIs) under /api."""
        import uvicorn

        if not data_dir.is_dir():
            raise InvalidInputError(f"--data-dir {data_dir}: no such directory; create it with "
                                    "`onemg ingest --data-dir DIR COHORT`")
        if workers < 1:
            raise InvalidInputError("--workers must be at least 1")
        os.environ[_FACTORY_ENV] = str(data_dir.resolve())
        if database_url:
            os.environ["ONEMG_DATABASE_URL"] = database_url
        typer.echo(f"onemg node: http://{host}:{port}/api (docs at /api/docs), "
                   f"{workers} worker(s)")
        uvicorn.run("onemg.cli.node:app_from_env", factory=True, host=host, port=port,
                    workers=workers, loop="uvloop", http="httptools", log_level=log_level,
                    access_log=False)

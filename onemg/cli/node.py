"""``onemg node serve``: run a national node (Beacon v2 under /api) with uvicorn."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from onemg.datadir import require
from onemg.errors import InvalidInputError
from onemg.settings import Settings

#: One default for `node serve` and `hub serve`: uvicorn's startup lines, no per-request lines.
LOG_LEVEL = "info"


@dataclass(frozen=True)
class NodeAppFactory:
    """Uvicorn app factory carrying the node's settings to every worker process.

    uvicorn pickles its config, this factory included, into each worker it spawns; the worker
    calls it to build its app. Settings travel as an argument, never through ``os.environ``.
    """

    settings: Settings

    def __call__(self) -> Any:
        from onemg.web.node_app import create_node_app

        return create_node_app(self.settings)


def serve_node(settings: Settings, *, host: str, port: int, workers: int = 1,
               log_level: str = LOG_LEVEL) -> None:
    """Serve the node of ``settings`` with ``workers`` uvicorn worker processes."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    # A worker warming a 1M-individual catalogue can hold the GIL for seconds on a busy machine;
    # uvicorn's default 5 s health check then kills and restarts it forever (seen at 1M).
    config = uvicorn.Config(NodeAppFactory(settings), factory=True, host=host, port=port,
                            workers=workers, loop="uvloop", http="httptools",
                            log_level=log_level, access_log=False,
                            timeout_worker_healthcheck=120)
    server = uvicorn.Server(config)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        server.run()
        if not server.started:
            raise typer.Exit(3)  # uvicorn's startup failure (e.g. the port is taken)


def register(app: typer.Typer) -> None:
    """Attach ``onemg node ...`` to the root CLI."""
    node = typer.Typer(help="Run a national node.", no_args_is_help=True)
    app.add_typer(node, name="node")

    @node.command("serve")
    def serve(
        data_dir: Annotated[Path, typer.Option("--data-dir", help="The node's data directory "
                                               "(datasets ingested with `onemg ingest`).")],
        config: Annotated[Path | None, typer.Option(
            "--config", "-c", help="Settings TOML (default: DATA_DIR/onemg.toml).")] = None,
        host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8101,
        workers: Annotated[int, typer.Option("--workers", help="Worker processes (each opens "
                                             "the memory-mapped indexes once).")] = 1,
        database_url: Annotated[str | None, typer.Option(
            "--database-url", help="SQLAlchemy URL (default: SQLite in the data dir).")] = None,
        log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = (
            LOG_LEVEL),
    ) -> None:
        """Serve the Beacon v2 API (and the node's other APIs) under /api."""
        from onemg.settings import load_settings

        require(data_dir, "node", command="onemg node serve")
        if workers < 1:
            raise InvalidInputError("--workers must be at least 1")
        settings = load_settings(data_dir.resolve(), config_file=config, database_url=database_url)
        typer.echo(f"onemg node: http://{host}:{port}/api (docs at /api/docs), "
                   f"{workers} worker(s)")
        serve_node(settings, host=host, port=port, workers=workers, log_level=log_level)

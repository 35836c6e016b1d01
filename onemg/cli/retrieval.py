"""``onemg keys generate``, ``onemg archive verify`` and ``onemg fetch`` (secure retrieval)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import typer
from rich.console import Console

from onemg.errors import InvalidInputError

_PASS_ENV = "C4GH_PASSPHRASE"  # the crypt4gh CLI's own variable


def _passphrase(given: str | None, *, confirm: bool) -> str:
    if given is not None:
        return given
    if os.environ.get(_PASS_ENV):
        return os.environ[_PASS_ENV]
    value = getpass.getpass("Passphrase for the private key: ")
    if confirm and value != getpass.getpass("Repeat it: "):
        raise InvalidInputError("the passphrases differ; run the command again")
    return value


def _keys_generate(
    out: Path = typer.Option(
        ...,
        "--out",
        help="Key file prefix: writes PREFIX.sec (0600) and PREFIX.pub.",
        show_default=False,
    ),
    passphrase: str | None = typer.Option(
        None,
        "--passphrase",
        help=f"Lock for the private key (default: ${_PASS_ENV}, else asked for).",
    ),
    comment: str = typer.Option(
        "onemg researcher key", "--comment", help="Comment stored in the private key."
    ),
) -> None:
    """Make a Crypt4GH key pair (X25519; private half locked with scrypt)."""
    from onemg.retrieval.keys import generate_pair

    sec, pub = Path(f"{out}.sec"), Path(f"{out}.pub")
    generate_pair(sec, pub, _passphrase(passphrase, confirm=True), comment)
    Console(highlight=False, soft_wrap=True).print(
        f"wrote {sec} (private, keep it) and {pub} (public, send it with requests)"
    )


def _archive_verify(
    data_dir: Path = typer.Option(
        ..., "--data-dir", help="The node's data directory.", show_default=False
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", help="SQLAlchemy URL (default: SQLite in the data dir)."
    ),
) -> None:
    """Decrypt and check every archived file; name each corrupt one (exit 1 if any).

    Plaintext only goes to a temporary file in the node's tmp/ folder, removed at once.
    """
    from onemg.ingest import list_datasets
    from onemg.ingest.layout import NodeLayout
    from onemg.retrieval.archive import ArchivedFile, verify
    from onemg.retrieval.keys import load_archive_secret
    from onemg.settings import load_settings

    settings = load_settings(data_dir, database_url=database_url)
    layout = NodeLayout(settings.data_dir)
    secret = load_archive_secret(settings)
    out = Console(highlight=False, soft_wrap=True)
    bad = 0
    datasets = list_datasets(data_dir=settings.data_dir, database_url=settings.db_url)
    for d in datasets:
        folder = d.path
        try:
            archived = ArchivedFile.open(folder)
        except InvalidInputError as exc:
            out.print(f"[yellow]{d.id}[/]: {exc}")
            continue
        problems = verify(archived, secret, layout.tmp)
        name = f"{d.id}: {archived.body_path.relative_to(layout.root)}"
        if problems:
            bad += 1
            for p in problems:
                out.print(f"[bold red]CORRUPT[/] {name}: {p}")
        else:
            out.print(
                f"ok {name} ({archived.manifest.plain_size} bytes, sha256 "
                f"{archived.manifest.plain_sha256[:16]}...)"
            )
    out.print(f"{len(datasets)} dataset(s), {bad} corrupt")
    if bad:
        raise typer.Exit(1)


def _fetch(
    hub: str = typer.Option(
        ..., "--hub", help="The hub's URL, e.g. http://127.0.0.1:8100/", show_default=False
    ),
    dataset: str = typer.Option(..., "--dataset", help="Dataset id.", show_default=False),
    key: Path = typer.Option(
        ..., "--key", help="Your Crypt4GH private key (onemg keys generate).", show_default=False
    ),
    out: Path = typer.Option(
        ..., "--out", help="Where to write the bgzipped VCF / BCF.", show_default=False
    ),
    region: str | None = typer.Option(
        None,
        "--region",
        help="CONTIG[:START-END], 1-based inclusive (e.g. "
        "7:117480025-117668665); default: the whole file.",
    ),
    data_format: str = typer.Option("VCF", "--format", help="VCF or BCF (as archived)."),
    token: str | None = typer.Option(
        None, "--token", envvar="ONEMG_TOKEN", help="A hub access token (instead of logging in)."
    ),
    username: str | None = typer.Option(None, "--username", help="Hub account to log in as."),
    password: str | None = typer.Option(
        None, "--password", envvar="ONEMG_PASSWORD", help="Its password (default: asked for)."
    ),
    passphrase: str | None = typer.Option(
        None, "--passphrase", help=f"The key's passphrase (default: ${_PASS_ENV}, else asked for)."
    ),
    workers: int = typer.Option(4, "--workers", help="Parallel block downloads."),
) -> None:
    """Log in, get a passport for the node holding the dataset, ask for an htsget ticket,
    download the encrypted blocks in parallel, decrypt with your key, check with bcftools."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TransferSpeedColumn,
    )

    from onemg.retrieval.client import fetch
    from onemg.retrieval.keys import load_private_key

    seckey = load_private_key(key, _passphrase(passphrase, confirm=False))
    if token is None and username and password is None:
        password = getpass.getpass(f"Password for {username}: ")
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
    ) as bars:
        task = bars.add_task("downloading encrypted blocks", total=None)
        result = fetch(
            hub=hub,
            dataset_id=dataset,
            seckey=seckey,
            out=out,
            token=token,
            username=username,
            password=password,
            region=region,
            data_format=data_format.upper(),
            workers=workers,
            progress=lambda done, total: bars.update(task, completed=done, total=total),
        )
    where = (
        ""
        if result.records_in_region is None
        else f", {result.records_in_region} in {region} (the rest come from the edge blocks)"
    )
    Console(highlight=False, soft_wrap=True).print(
        f"wrote {result.path}: {result.records} record(s){where}; {result.downloaded_bytes} "
        f"encrypted bytes from {result.node_api} in {result.seconds:.1f} s; bcftools reads it"
    )


def register(app: typer.Typer) -> None:
    """Attach ``onemg keys``, ``onemg archive`` and ``onemg fetch`` to the root CLI."""
    keys = typer.Typer(help="Crypt4GH keys for retrieval.", no_args_is_help=True)
    keys.command("generate")(_keys_generate)
    app.add_typer(keys, name="keys")
    archive = typer.Typer(help="The node's encrypted archive.", no_args_is_help=True)
    archive.command("verify")(_archive_verify)
    app.add_typer(archive, name="archive")
    app.command("fetch")(_fetch)

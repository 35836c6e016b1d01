"""`onemg ingest`, `onemg datasets list|show|delete`, `onemg index rebuild`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onemg.datadir import creating, require
from onemg.settings import load_settings

_DATA_DIR = typer.Option(..., "--data-dir", help="Node data directory.", show_default=False)
_DB_URL = typer.Option(None, "--database-url",
                       help="SQLAlchemy URL of the node database (default: NODE_DIR/node.db).")
_WORKERS = typer.Option(0, "--workers", min=0,
                        help="Worker processes for the two-pass conversion, and local Dask "
                             "workers for index builds from a store (0 = as [compute] in "
                             "onemg.toml says; by default this process). A one-pass ingest "
                             "(GT-only VCF/BCF) always runs bcftools beside one indexing "
                             "thread.")

_STEPS = {"validate": "validating inputs", "convert": "VCF -> VCF Zarr",
          "index": "building Beacon index", "archive": "encrypted archive (Crypt4GH)",
          "publish": "publishing", "cleanup": "cleaning up"}


class _Bars:
    """Maps pipeline progress callbacks onto rich progress bars (one per step)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.progress.add_task(_STEPS.get(step, step), total=total)
        self.progress.update(self.tasks[step], completed=done, total=total)


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def ingest_command(
    source: Path | None = typer.Argument(
        None, help="A synth country folder (dataset.json names the genotype/metadata files).",
        show_default=False),
    data_dir: Path = _DATA_DIR,
    dataset_id: str | None = typer.Option(None, "--dataset-id",
                                          help="Dataset id (default: `id` in dataset.json)."),
    genotypes: Path | None = typer.Option(None, "--genotypes",
                                          help="VCF.gz/BCF (indexed or not) or VCF Zarr."),
    metadata: Path | None = typer.Option(None, "--metadata",
                                         help="Phenopacket v2 JSON Lines, one per individual."),
    descriptor: Path | None = typer.Option(None, "--descriptor", help="dataset.json."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Publish a new version of an existing dataset."),
    allow_unmatched: bool = typer.Option(
        False, "--allow-unmatched",
        help="Ingest only individuals in both VCF and metadata (drop the rest) instead of "
             "failing."),
    database_url: str | None = _DB_URL,
    workers: int = _WORKERS,
) -> None:
    """Load genotypes + phenopackets into the node as a dataset (atomic; kill-safe)."""
    from onemg.ingest import ingest, resolve_inputs

    inputs = resolve_inputs(source_dir=source, dataset_id=dataset_id, genotypes=genotypes,
                            metadata=metadata, descriptor=descriptor)
    console = Console(stderr=True)
    # A node directory this ingest creates is removed again if the ingest fails.
    with creating(data_dir, "node", command="onemg ingest"), _progress(console) as progress:
        settings = load_settings(data_dir, database_url=database_url)
        result = ingest(inputs, data_dir=settings.data_dir, database_url=settings.db_url,
                        replace=replace, allow_unmatched=allow_unmatched, workers=workers,
                        progress=_Bars(progress), settings=settings)
    out = Console(highlight=False)
    out.print(f"dataset [bold]{result.dataset_id}[/] version {result.version}: "
              f"{result.n_individuals} individuals, {result.n_variants} variants")
    if result.previous_version:
        out.print(f"replaced version {result.previous_version}")
    if result.dropped_vcf_samples or result.unloaded_records:
        out.print(f"[yellow]unmatched:[/] {len(result.dropped_vcf_samples)} VCF sample(s) "
                  f"dropped, {len(result.unloaded_records)} phenopacket(s) not loaded")
    if result.skipped_alleles or result.skipped_records_contig:
        out.print(f"[yellow]skipped:[/] {result.skipped_alleles} symbolic/invalid ALT(s), "
                  f"{result.skipped_records_contig} record(s) on non-primary contigs")
    if result.cleaned:
        out.print(f"cleaned {len(result.cleaned)} leftover(s) of earlier ingests")


def _list(data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL) -> None:
    """List the datasets this node serves."""
    from onemg.ingest import list_datasets

    settings = load_settings(require(data_dir, "node"), database_url=database_url)
    table = Table("id", "version", "country", "individuals", "variants", "size")
    for d in list_datasets(data_dir=settings.data_dir, database_url=settings.db_url):
        table.add_row(d.id, d.version, d.country or "", str(d.n_individuals),
                      "" if d.n_variants is None else str(d.n_variants), _size(d.size_bytes))
    Console().print(table)


def _show(dataset_id: str = typer.Argument(..., help="Dataset id."),
          data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL) -> None:
    """Show one dataset: version, counts, files and descriptor."""
    from onemg.ingest import dataset_status

    settings = load_settings(require(data_dir, "node"), database_url=database_url)
    d = dataset_status(dataset_id, data_dir=settings.data_dir,
                       database_url=settings.db_url)
    table = Table("field", "value", show_header=False)
    for key, value in (("id", d.id), ("version", d.version), ("country", d.country or ""),
                       ("individuals", d.n_individuals), ("variants", d.n_variants),
                       ("path", d.path), ("size", _size(d.size_bytes)),
                       ("title", d.descriptor.get("title", "")),
                       ("access", d.descriptor.get("access", ""))):
        table.add_row(key, str(value))
    Console().print(table)


def _delete(dataset_id: str = typer.Argument(..., help="Dataset id."),
            data_dir: Path = _DATA_DIR, database_url: str | None = _DB_URL,
            yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
            force: bool = typer.Option(
                False, "--force",
                help="Delete even with active entitlements or applications in progress "
                     "(revokes the entitlements).")) -> None:
    """Delete a dataset: catalogue rows, then files (--force if access depends on it)."""
    from onemg.access.retire import dependents, retire
    from onemg.db import make_engine, migrate
    from onemg.errors import ConflictError
    from onemg.ingest import dataset_status, delete_dataset

    settings = load_settings(require(data_dir, "node"), database_url=database_url)
    dataset_status(dataset_id, data_dir=settings.data_dir, database_url=settings.db_url)
    engine = make_engine(settings.db_url)
    migrate(engine)
    deps = dependents(engine, dataset_id)
    if deps and not force:
        raise ConflictError(f"{deps.describe(dataset_id)}. Pass --force to delete it anyway")
    if deps:
        Console(stderr=True, highlight=False).print(f"[yellow]{deps.describe(dataset_id)}[/]")
    if not yes:
        typer.confirm(f"delete dataset {dataset_id!r} from {data_dir}?", abort=True)
    delete_dataset(dataset_id, data_dir=settings.data_dir, database_url=settings.db_url)
    revoked = retire(engine, dataset_id, actor="operator@cli")
    engine.dispose()
    Console().print(f"deleted dataset {dataset_id}"
                    + (f"; revoked {revoked} entitlement(s)" if revoked else ""))


def _rebuild(data_dir: Path = _DATA_DIR,
             dataset_id: str = typer.Option(..., "--dataset-id", help="Dataset id."),
             database_url: str | None = _DB_URL, workers: int = _WORKERS) -> None:
    """Rebuild a dataset's Beacon index from its VCF Zarr alone."""
    from onemg.ingest import rebuild_index

    settings = load_settings(require(data_dir, "node"), database_url=database_url)
    with _progress(Console(stderr=True)) as progress:
        summary = rebuild_index(dataset_id, data_dir=settings.data_dir,
                                database_url=settings.db_url, workers=workers,
                                progress=_Bars(progress), settings=settings)
    Console().print(f"index of {dataset_id}: {summary.n_variants} variants, "
                    f"{summary.n_individuals} individuals, {_size(summary.bytes)}")


def register(app: typer.Typer) -> None:
    """Attach `ingest`, `datasets ...` and `index ...` to ``app``."""
    app.command("ingest")(ingest_command)
    datasets = typer.Typer(help="Datasets served by a node.", no_args_is_help=True)
    datasets.command("list")(_list)
    datasets.command("show")(_show)
    datasets.command("delete")(_delete)
    app.add_typer(datasets, name="datasets")
    index = typer.Typer(help="The Beacon variant index.", no_args_is_help=True)
    index.command("rebuild")(_rebuild)
    app.add_typer(index, name="index")

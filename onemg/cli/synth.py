"""``onemg synth``: generate synthetic national cohorts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from onemg.errors import InvalidInputError

BULK_START = 30_000_001  # --length regions start where the default bulk region does

if TYPE_CHECKING:
    from onemg.synth import SynthSummary


def _parse_sizes(countries: str | None, individuals: str) -> tuple[list[str] | dict[str, int], int]:
    """Combine ``--countries`` and ``--individuals`` (``2000`` or ``FI=5000,EE=2000``)."""
    codes = [c.strip() for c in (countries or "").split(",") if c.strip()]
    text = individuals.strip()
    if "=" not in text:
        try:
            size = int(text)
        except ValueError:
            raise InvalidInputError(
                f"--individuals {individuals!r} is neither a number nor CC=N pairs "
                "(e.g. 2000 or FI=5000,EE=2000)"
            ) from None
        if not codes:
            raise InvalidInputError("--countries is required, e.g. --countries FI,EE,PT")
        return codes, size
    sizes: dict[str, int] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        code, sep, value = item.partition("=")
        try:
            sizes[code.strip().upper()] = int(value)
        except ValueError:
            raise InvalidInputError(
                f"--individuals entry {item!r} is not CC=N (e.g. FI=5000)"
            ) from None
        if not sep:
            raise InvalidInputError(f"--individuals entry {item!r} is not CC=N (e.g. FI=5000)")
    if codes and {c.upper() for c in codes} != set(sizes):
        raise InvalidInputError(
            f"--countries {','.join(codes)} and the countries in --individuals "
            f"({','.join(sizes)}) differ; give the same countries or leave out --countries"
        )
    return sizes, 0  # the size is unused when every country has its own


def synth(
    out: Path = typer.Option(..., "--out", "-o", help="Output directory (one folder per country)."),
    countries: str | None = typer.Option(
        None,
        "--countries",
        "-c",
        help="Comma-separated ISO codes of 1+MG countries, e.g. FI,EE,PT.",
    ),
    individuals: str = typer.Option(
        "2000",
        "--individuals",
        "-n",
        help="Individuals per country (e.g. 2000), or per-country sizes such as FI=5000,EE=2000.",
    ),
    seed: int = typer.Option(42, "--seed", help="Random seed; same arguments + seed = same bytes."),
    regions: str | None = typer.Option(
        None,
        "--regions",
        "-r",
        help="Comma-separated gene symbols and/or chr:start-end (GRCh38, 1-based). "
        "Default: BRCA1,BRCA2,CFTR,HBB,HFE,LDLR and chr22:30000001-31000000.",
    ),
    length: float | None = typer.Option(
        None,
        "--length",
        help="Instead of --regions: one bulk region of this many bp on chr22 from 30,000,001 "
        "(e.g. 10e6). Simulated in pieces of at most 1 Mb.",
        show_default=False,
    ),
    fmt: str = typer.Option(
        "vcf",
        "--format",
        "-f",
        help="vcf (bgzip+tabix), bcf (+csi), zarr (VCF Zarr), or index: the Beacon index "
        "straight from the tree sequences (no genotype matrix; the way to 1M genomes).",
    ),
    genotypes: str = typer.Option(
        "none",
        "--genotypes",
        help="With --format index: also write a dense genotype store (vcz: a VCF Zarr built "
        "from the kept trees on Dask, in variant chunks), or none. Without one, the node "
        "answers Beacon queries but has nothing to retrieve over htsget.",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help="Processes for the simulation pieces and, with --genotypes vcz, Dask workers "
        "for the store (1: in this process; default: up to 2); the output does not depend "
        "on it.",
        show_default=False,
    ),
    access: str = typer.Option(
        "boolean=PUBLIC,count=PUBLIC,record=CONTROLLED",
        "--access",
        help="Access tier (PUBLIC, REGISTERED, CONTROLLED) per Beacon granularity.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Overwrite country folders in a non-empty --out."
    ),
    held_out: int = typer.Option(
        0,
        "--held-out",
        help="Also simulate N individuals per country in the same simulation and write them as "
        "a held-out reference panel in OUT/<cc>-held-out/ (for `onemg privacy attack`).",
    ),
) -> None:
    """Generate synthetic national cohorts: genomes, Phenopackets, dataset descriptors, truth."""
    from onemg.synth import synthesize

    sizes, per_country = _parse_sizes(countries, individuals)
    if length is not None:
        if regions:
            raise InvalidInputError("give --regions or --length, not both")
        if not 1 <= length <= 20e6:
            raise InvalidInputError(
                f"--length {length:g}: use 1 to 20e6 bp (chr22 from "
                "30,000,001 has about 20.8 Mb left)"
            )
        regions = f"chr22:{BULK_START}-{BULK_START + int(length) - 1}"
    console = Console(stderr=True)
    what = (
        ", ".join(f"{c}={n}" for c, n in sizes.items())
        if isinstance(sizes, dict)
        else f"{','.join(sizes)} x {per_country}"
    )
    console.print(f"[bold]onemg synth[/]: {what} individuals, seed {seed} -> {out}")
    summary = synthesize(
        out,
        countries=sizes,
        individuals=per_country,
        seed=seed,
        regions=[r for r in regions.split(",") if r.strip()] if regions else None,
        fmt=fmt.lower(),
        access=access,
        force=force,
        progress=True,
        held_out=held_out,
        workers=workers,
        genotypes=genotypes.lower(),
    )
    _print_summary(summary)


def _print_summary(summary: SynthSummary) -> None:
    console = Console()
    cohorts = Table(
        title=f"Synthetic cohorts in {summary.out} (seed {summary.seed}, {summary.fmt})"
    )
    for col in ("Country", "Dataset", "Individuals", "Variants", "Top diagnoses (ICD-10: n)"):
        cohorts.add_column(col, justify="right" if col in ("Individuals", "Variants") else "left")
    for c in summary.countries:
        top = ", ".join(f"{code}: {n}" for code, _, n in c.top_diagnoses[:4])
        cohorts.add_row(
            f"{c.code} {c.name}", c.dataset_id, str(c.individuals), str(c.variants), top
        )
    console.print(cohorts)
    variants = sorted({v for c in summary.countries for v in c.carriers})
    if variants:
        carriers = Table(title="Carriers of spiked known variants (individuals with >= 1 copy)")
        carriers.add_column("Variant")
        for c in summary.countries:
            carriers.add_column(c.code, justify="right")
        for v in variants:
            carriers.add_row(v, *(str(c.carriers.get(v, 0)) for c in summary.countries))
        console.print(carriers)
    t = summary.timings
    if "simulate_and_index" in t:
        # The sparse path: pieces run in worker processes; their CPU seconds, summed.
        split = (
            f"simulation + index {t['simulate_and_index']:.1f} s wall; CPU in the workers: "
            f"msprime {t.get('msprime_sum', 0):.1f} s, carriers {t.get('carriers_sum', 0):.1f} s, "
            f"writing {t.get('writing_sum', 0):.1f} s"
        )
        if "genotypes" in t:
            split += f"; dense store {t['genotypes']:.1f} s"
    else:
        split = f"simulation {t.get('simulate', 0):.1f} s, genotypes {t.get('genotypes', 0):.1f} s"
    console.print(
        f"Regions: {', '.join(summary.regions)}. Took {t.get('total', 0):.1f} s ({split}, "
        f"metadata {t.get('metadata', 0):.1f} s)."
    )


def register(app: typer.Typer) -> None:
    """Attach ``onemg synth`` to ``app``."""
    app.command("synth")(synth)

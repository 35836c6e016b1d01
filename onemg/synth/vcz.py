"""VCF Zarr output through bio2zarr: from VCF (several regions) or straight from tskit (one).

Conversion runs in-process (``worker_processes=0``): bio2zarr's worker pool uses the ``spawn``
start method, which re-imports ``__main__`` and breaks in scripts without a main guard.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tskit

from onemg.synth.tables import GRCH38_LENGTHS


def vcf_to_zarr(vcf_path: Path, vcz_path: Path, *, remove_vcf: bool = True) -> None:
    """Convert an indexed VCF to VCF Zarr at ``vcz_path``; drop the VCF and index afterwards."""
    from bio2zarr import vcf as b2z_vcf

    with tempfile.TemporaryDirectory(dir=vcz_path.parent, prefix=".icf-") as tmp:
        b2z_vcf.convert(
            [str(vcf_path)],
            str(vcz_path),
            icf_path=str(Path(tmp) / "icf"),
            worker_processes=0,
            show_progress=False,
        )
    if remove_vcf:
        for path in (vcf_path, Path(f"{vcf_path}.tbi"), Path(f"{vcf_path}.csi")):
            path.unlink(missing_ok=True)
    shutil.rmtree(vcz_path.parent / ".icf", ignore_errors=True)


def tree_sequence_to_zarr(
    ts: tskit.TreeSequence,
    nodes: np.ndarray,
    sample_ids: Sequence[str],
    *,
    chrom: str,
    start: int,
    vcz_path: Path,
    attrs: dict[str, str],
    worker_processes: int = 0,
) -> int:
    """Write one country's VCF Zarr straight from the tree sequence (single-region runs).

    This skips VCF text, which at biobank scale would be tens of GB. The country's haplotypes
    are first simplified out of the joint tree sequence, so sites where the country carries only
    the reference allele disappear, as in the VCF path. bio2zarr decodes ``sites x haplotypes``
    genotypes, so this step still dominates at 1M samples (see benchmarks/bench_synth.py).

    Returns:
        The number of variant sites written.
    """
    from bio2zarr import tskit as b2z_tskit

    sub = ts.simplify(samples=nodes, filter_sites=True, filter_populations=False)
    mapping = sub.map_to_vcf_model(
        individuals=np.arange(sub.num_individuals),
        individual_names=list(sample_ids),
        position_transform=lambda positions: np.asarray(positions, dtype=np.int64) + start,
        contig_id=f"chr{chrom}",
    )
    root = b2z_tskit.convert(
        sub,
        str(vcz_path),
        mode="r+",
        model_mapping=mapping,
        worker_processes=worker_processes,
    )
    for key, value in attrs.items():
        root.attrs[key] = value
    # tskit knows only the simulated region's length; record the GRCh38 chromosome length.
    root["contig_length"][:] = [GRCH38_LENGTHS[chrom]]
    return int(sub.num_sites)

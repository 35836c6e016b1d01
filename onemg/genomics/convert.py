"""Genotype files -> VCF Zarr (bio2zarr), plus the per-sample strata arrays the index needs.

The output stays a spec VCF Zarr readable by sgkit/vcztools; onemg only adds two 1-D arrays
over the samples dimension, ``sample_sex`` and ``sample_country``, so that ``onemg index rebuild``
needs nothing but the store.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import zarr

from onemg.errors import InvalidInputError
from onemg.genomics.index_build import IndexSummary
from onemg.genomics.vcfcheck import locate_malformed
from onemg.settings import ComputeSettings


def genotype_format(path: Path) -> str:
    """``"vcz"``, ``"bcf"`` or ``"vcf"`` for a genotype input; raises on anything else."""
    name = path.name.lower()
    if path.is_dir() or name.endswith((".vcz", ".zarr")):
        if not path.is_dir():
            raise InvalidInputError(f"{path}: VCF Zarr store not found")
        return "vcz"
    if not path.is_file():
        raise InvalidInputError(f"{path}: genotype file not found")
    if name.endswith(".bcf"):
        return "bcf"
    if name.endswith((".vcf.gz", ".vcf.bgz", ".vcf")):
        return "vcf"
    raise InvalidInputError(
        f"{path}: unknown genotype format; expected .vcf.gz, .bcf or a .vcz VCF Zarr folder")


def sample_ids(path: Path) -> list[str]:
    """The sample names of a VCF/BCF header or a VCF Zarr store, in order."""
    if genotype_format(path) == "vcz":
        return [str(s) for s in zarr.open_group(str(path), mode="r")["sample_id"][:]]
    proc = subprocess.run(["bcftools", "query", "-l", str(path)], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise InvalidInputError(f"{path}: cannot read the VCF header "
                                f"({proc.stderr.strip() or 'bcftools query -l failed'})")
    return proc.stdout.split()


def _run(cmd: list[str], what: Path) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        where = locate_malformed(what)
        raise InvalidInputError(where or f"{what}: {' '.join(cmd[:2])} failed: "
                                f"{proc.stderr.strip()}")


def _is_bgzf(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(16)
    # gzip magic + FEXTRA flag + the "BC" subfield that marks BGZF blocks
    return head[:4] == b"\x1f\x8b\x08\x04" and head[12:14] == b"BC"


def _stage_input(src: Path, staging: Path, keep: Sequence[str] | None) -> Path:
    """An indexed copy/link of ``src`` in ``staging`` (subset to ``keep`` samples if given)."""
    fmt = genotype_format(src)
    if keep is not None or (fmt == "vcf" and not _is_bgzf(src)):
        # Subsetting, or plain/gzip VCF that cannot be indexed: transcode once to BCF.
        out = staging / "input.bcf"
        cmd = ["bcftools", "view", "--no-version", "-Ob", "-o", str(out)]
        if keep is not None:
            samples = staging / "keep-samples.txt"
            samples.write_text("\n".join(keep) + "\n")
            cmd += ["-I", "-S", str(samples)]  # -I: INFO stays as in the input
        _run([*cmd, str(src)], src)
    else:
        # A link in staging lets us add the index bio2zarr needs without touching the input.
        out = staging / ("input.bcf" if fmt == "bcf" else "input.vcf.gz")
        out.symlink_to(src.resolve())
        for ext in (".csi", ".tbi"):
            if Path(str(src) + ext).exists():
                (staging / (out.name + ext)).symlink_to(Path(str(src) + ext).resolve())
                return out
    _run(["bcftools", "index", "-f", str(out)], src)
    return out


def convert_genotypes(
    src: Path,
    dest: Path,
    *,
    staging: Path,
    keep_samples: Sequence[str] | None = None,
    workers: int = 0,
    show_progress: bool = False,
    variants_chunk_size: int | None = None,
    samples_chunk_size: int | None = None,
) -> None:
    """Write ``src`` (VCF/BCF/VCF Zarr) as the VCF Zarr store ``dest``.

    Args:
        src: bgzipped VCF, BCF (indexed or not), or a VCF Zarr folder (copied as is, hard links
            where possible).
        dest: output store path (must not exist).
        staging: scratch folder (inside the node's ``tmp/``) for links, indexes and subsets.
        keep_samples: if given, only these VCF samples, in VCF order (VCF/BCF input only).
        workers: bio2zarr worker processes (0 = this process; >0 needs a ``__main__`` guard).
        show_progress: let bio2zarr draw its progress bars.
        variants_chunk_size: Zarr chunk height (default bio2zarr's 1,000 variants).
        samples_chunk_size: Zarr chunk width (default bio2zarr's 10,000 samples).

    Raises:
        InvalidInputError: unreadable input; a malformed record is reported as ``file:line``.
    """
    fmt = genotype_format(src)
    if fmt == "vcz":
        if keep_samples is not None:
            raise InvalidInputError(
                f"{src}: dropping samples from a VCF Zarr input is not supported; ingest the "
                "VCF/BCF instead or make the metadata cover every sample")
        try:
            shutil.copytree(src, dest, copy_function=os.link)
        except OSError:
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(src, dest)
        return
    staging.mkdir(parents=True, exist_ok=True)
    staged = _stage_input(src, staging, keep_samples)
    import numcodecs
    from bio2zarr import vcf as b2z  # heavy import, only when converting

    # The intermediate columnar format is scratch, deleted right after: fast LZ4 instead of
    # bio2zarr's zstd-7 default halves the explode step (measured in bench_ingest.py).
    scratch = numcodecs.Blosc(cname="lz4", clevel=1, shuffle=numcodecs.Blosc.NOSHUFFLE)
    icf = staging / "icf"
    try:
        b2z.explode(str(icf), [str(staged)], worker_processes=workers,
                    show_progress=show_progress, compressor=scratch)
        b2z.encode(str(icf), str(dest), worker_processes=workers, show_progress=show_progress,
                   variants_chunk_size=variants_chunk_size,
                   samples_chunk_size=samples_chunk_size)
    except Exception as exc:  # bio2zarr raises bare Exception/AssertionError on bad records
        where = locate_malformed(src)
        raise InvalidInputError(
            (where + "; fix or drop that record") if where else
            f"{src}: conversion to VCF Zarr failed: {exc}") from exc
    finally:
        shutil.rmtree(staging / "icf", ignore_errors=True)


def convert_and_index(
    src: Path,
    vcz: Path,
    index: Path,
    *,
    sex: Sequence[str],
    country: Sequence[str],
    staging: Path,
    keep_samples: Sequence[str] | None = None,
    workers: int = 0,
    show_progress: bool = False,
    progress: Callable[[int, int], None] | None = None,
    variants_chunk_size: int | None = None,
    compute: ComputeSettings | None = None,
) -> IndexSummary:
    """Genotypes -> VCF Zarr store ``vcz`` (with the strata arrays) + Beacon index ``index``.

    A VCF/BCF whose only FORMAT field is GT is read once (:mod:`onemg.genomics.vcf_stream`)
    and indexed while it is converted; anything else goes through :func:`convert_genotypes`
    then :func:`onemg.genomics.build_index`. Both give the same store and index.

    Args:
        src, staging, keep_samples, workers, show_progress: as :func:`convert_genotypes`.
        sex, country: per-sample strata in output order (see :func:`write_sample_strata`).
        progress: ``progress(done_chunks, total_chunks)`` for the index.
        variants_chunk_size: Zarr chunk height (default bio2zarr's 1,000 records).
        compute: where an index build from a finished store runs (default: a Dask
            LocalCluster of ``workers`` processes, or this process when ``workers`` is 0).

    Raises:
        InvalidInputError: unreadable input; a malformed record is reported as ``file:line``.
    """
    from onemg.genomics import vcf_stream
    from onemg.genomics.index_build import build_index

    def two_pass() -> IndexSummary:
        convert_genotypes(src, vcz, staging=staging, keep_samples=keep_samples,
                          workers=workers, show_progress=show_progress,
                          variants_chunk_size=variants_chunk_size)
        write_sample_strata(vcz, sex=sex, country=country)
        return build_index(vcz, index, compute=compute or ComputeSettings(workers=workers),
                           progress=progress)

    if genotype_format(src) == "vcz":
        return two_pass()
    try:
        summary = _one_pass(src, vcz, index, sex=sex, country=country, staging=staging,
                            keep_samples=keep_samples, show_progress=show_progress,
                            progress=progress, variants_chunk_size=variants_chunk_size)
    except vcf_stream.NotStreamableError:
        return two_pass()
    except InvalidInputError as exc:
        where = locate_malformed(src)
        if where:
            raise InvalidInputError(where + "; fix or drop that record") from exc
        raise
    write_sample_strata(vcz, sex=sex, country=country)
    return summary


def _one_pass(src: Path, vcz: Path, index: Path, *, sex: Sequence[str],
              country: Sequence[str], staging: Path, keep_samples: Sequence[str] | None,
              show_progress: bool, progress: Callable[[int, int], None] | None,
              variants_chunk_size: int | None) -> IndexSummary:
    from onemg.genomics import vcf_stream
    from onemg.genomics.index_build import StreamingIndexBuilder

    source = vcf_stream.StreamedVcf(src, keep_samples=keep_samples, scratch=staging)
    try:
        if len(sex) != source.num_samples:
            raise InvalidInputError(f"{src}: {len(sex)} strata for {source.num_samples} samples")
        schema = source.generate_schema(variants_chunk_size)
        chunk = schema.dimensions["variants"].chunk_size
        builder = StreamingIndexBuilder(
            index, sex=sex, country=country, contig_ids=source.scan.contigs, source=vcz,
            progress=progress, total_chunks=-(-source.num_records // chunk))
        source.on_chunk = builder.add
        try:
            vcf_stream.write_store(source, vcz, schema, show_progress=show_progress)
        except BaseException:
            builder.abort()
            raise
        return builder.finish()
    finally:
        source.close()


def write_sample_strata(vcz: Path, *, sex: Sequence[str], country: Sequence[str]) -> None:
    """Add ``sample_sex`` and ``sample_country`` (fixed-width strings) to a VCF Zarr store.

    Args:
        vcz: the store; its ``sample_id`` fixes the length.
        sex: ``female``/``male``/``unknown`` per sample, in store order.
        country: ISO country code per sample ("" if unknown).
    """
    root = zarr.open_group(str(vcz), mode="r+")
    n = int(root["sample_id"].shape[0])
    for name, values in (("sample_sex", sex), ("sample_country", country)):
        arr = np.asarray(list(values), dtype=str)
        if arr.shape != (n,):
            raise InvalidInputError(f"{name}: {arr.size} values for {n} samples in {vcz}")
        if arr.dtype.itemsize == 0:
            arr = arr.astype("U1")
        if name in root:
            del root[name]
        z = root.create_array(name, shape=arr.shape, dtype=arr.dtype, chunks=(max(n, 1),))
        z[:] = arr
        # xarray/sgkit read the dimension name from this attribute in Zarr format 2.
        z.attrs["_ARRAY_DIMENSIONS"] = ["samples"]

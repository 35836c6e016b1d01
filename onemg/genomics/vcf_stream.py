"""One-pass VCF/BCF -> VCF Zarr: bio2zarr's Zarr writer fed straight from a bcftools stream.

bio2zarr's own route explodes the input into its intermediate columnar format (every value
parsed in Python by cyvcf2, pickled and compressed), then encodes that into Zarr: the genotypes
are written twice and the VCF text is parsed on the Python core. Here:

1. :func:`scan` reads the fixed columns and INFO with ``bcftools query``, which skips the sample
   columns entirely: record count, alleles, contigs, filters and INFO shapes and bounds, i.e.
   what bio2zarr's schema needs.
2. :class:`StreamedVcf`, a bio2zarr ``vcz.Source``, reads the records once, in order, through a
   ``bcftools view -Ou`` pipe (the text parsing runs in bcftools, on another core) into cyvcf2,
   and bio2zarr's ``VcfZarrWriter`` encodes them with bio2zarr's own schema, codecs and layout.

The store is the one bio2zarr's route writes (tested array by array). Inputs with FORMAT fields
other than GT (whose shapes need a scan of every sample column) take bio2zarr's route instead
(:class:`StreamedVcf` raises :class:`NotStreamableError`).
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import numpy as np
from bio2zarr import constants, vcz
from bio2zarr import vcf as b2z
from cyvcf2 import VCF

from onemg.errors import InvalidInputError

logger = logging.getLogger(__name__)

#: Largest ploidy this route writes; the 1+MG cohorts are human (haploid calls are padded).
MAX_PLOIDY = 2
#: Variant chunks per bio2zarr partition (only the partition's small per-record fields are held
#: in memory; genotypes are flushed chunk by chunk).
CHUNKS_PER_PARTITION = 16
#: The per-call arrays are compressed with Blosc zstd at this level (bitshuffle, as bio2zarr)
#: instead of bio2zarr's 7: about 3.5x faster to write for about 20 % more bytes, and writing
#: them is the single largest cost of a conversion (``benchmarks/bench_ingest.py``).
GENOTYPE_CLEVEL = 3
GENOTYPE_ARRAYS = ("call_genotype", "call_genotype_phased", "call_genotype_mask")


def _open_header(path: Path) -> VCF:
    try:
        return VCF(str(path), lazy=True)
    except Exception as exc:  # cyvcf2 raises a bare Exception for an unreadable header
        raise InvalidInputError(f"{path}: cannot read the VCF header ({exc}); check the file "
                                "is complete and bgzipped") from exc


class NotStreamableError(Exception):
    """The input needs bio2zarr's two-pass route: a FORMAT field other than GT (its shape
    needs a scan of every sample column), or, in an unindexed file, a record on a contig with
    no ``##contig`` line (bcftools cannot write it as BCF)."""


@dataclass
class Scan:
    """What the schema needs, from one pass over the fixed columns and INFO."""

    num_records: int = 0
    contigs: list[str] = field(default_factory=list)
    filters_seen: set[str] = field(default_factory=set)
    fixed: dict[str, b2z.VcfField] = field(default_factory=dict)
    info: list[b2z.VcfField] = field(default_factory=list)


def _bump(f: b2z.VcfField, text: str) -> None:
    """Update a field summary from one ``bcftools query`` value, as bio2zarr's explode would."""
    if text == ".":
        return
    parts = text.split(",")
    s = f.summary
    s.max_number = max(s.max_number, len(parts))
    if f.vcf_type == "Integer":
        ints = [int(p) for p in parts if p != "."]
        if ints:
            s.max_value = max(s.max_value, max(ints))
            s.min_value = min(s.min_value, min(ints))


def scan(path: Path, header_contigs: Sequence[str], info: list[b2z.VcfField]) -> Scan:
    """Scan ``path`` with ``bcftools query`` (no sample columns are parsed).

    Args:
        path: the VCF/BCF.
        header_contigs: contig names from the header, in order.
        info: the header's INFO fields (bio2zarr definitions; their summaries are filled in).

    Raises:
        InvalidInputError: bcftools cannot read the file, or it is not sorted.
    """
    fixed = {f.name: f for f in b2z.fixed_vcf_field_definitions()}
    tags = "".join(f"\t%INFO/{f.name}" for f in info)
    fmt = f"%CHROM\t%POS\t%END\t%REF\t%ALT\t%FILTER{tags}\n"
    out = Scan(contigs=list(header_contigs), fixed=fixed, info=info)
    known = set(out.contigs)
    # stderr to a file: a pipe nobody reads fills up on warnings and stalls bcftools.
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(["bcftools", "query", "-f", fmt, str(path)],
                            stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        return _read_scan(proc, path, out, fixed, info, known, errors)
    finally:
        if proc.poll() is None:  # stopped early on an error: do not leave bcftools blocked
            proc.kill()
            proc.wait()


def _read_scan(proc: subprocess.Popen[str], path: Path, out: Scan,
               fixed: dict[str, b2z.VcfField], info: list[b2z.VcfField], known: set[str],
               errors: IO[bytes]) -> Scan:
    assert proc.stdout is not None
    n = 0
    done: set[str] = set()  # contigs already left behind: each must come in one run
    chrom, last = "", 0
    pos_min, pos_max, rlen_min, rlen_max, alts_max = math.inf, -math.inf, math.inf, -math.inf, 0
    filters: set[str] = set()
    with proc.stdout:
        for line in proc.stdout:
            cols = line.rstrip("\n").split("\t")
            n += 1
            pos = int(cols[1])
            if cols[0] != chrom:
                if cols[0] in done:
                    raise InvalidInputError(f"{path}: record {n} ({cols[0]}:{pos}) is not sorted: "
                                            f"contig {cols[0]} appeared earlier; sort it with "
                                            "`bcftools sort`")
                done.add(chrom)
                chrom, last = cols[0], 0
                if chrom not in known:
                    known.add(chrom)
                    out.contigs.append(chrom)
            if pos < last:
                raise InvalidInputError(f"{path}: record {n} ({chrom}:{pos}) is not sorted: it "
                                        f"follows position {last}; sort it with `bcftools sort`")
            last = pos
            # The fixed columns' bounds inline (the hot loop); INFO through _bump.
            pos_min, pos_max = min(pos_min, pos), max(pos_max, pos)
            rlen = int(cols[2]) - pos + 1
            rlen_min, rlen_max = min(rlen_min, rlen), max(rlen_max, rlen)
            if cols[4] != ".":
                alts_max = max(alts_max, cols[4].count(",") + 1)
            filters.add(cols[5])
            for f, value in zip(info, cols[6:], strict=True):
                if value != ".":
                    _bump(f, value)
    if n:
        fixed["POS"].summary.max_number = fixed["rlen"].summary.max_number = 1
        fixed["POS"].summary.min_value, fixed["POS"].summary.max_value = pos_min, pos_max
        fixed["rlen"].summary.min_value, fixed["rlen"].summary.max_value = rlen_min, rlen_max
        fixed["ALT"].summary.max_number = alts_max
    out.filters_seen = {f for value in filters for f in value.split(";")}
    if proc.wait() != 0:
        raise InvalidInputError(f"{path}: bcftools query failed: {_read_all(errors)}")
    errors.close()
    out.num_records = n
    return out


def _read_all(fh: IO[bytes]) -> str:
    fh.seek(0)
    text = fh.read().decode(errors="replace").strip()
    fh.close()
    return text[-2000:]  # the end says what stopped it


_BCF_MISSING = np.iinfo(np.int32).min
_BCF_VECTOR_END = _BCF_MISSING + 1


def decode_calls(raw: np.ndarray) -> np.ndarray:
    """Allele indices from BCF-encoded GT values (``(allele + 1) << 1 | phased``).

    Gives what cyvcf2's ``genotype.array()`` gives (and bio2zarr stores): ``-1`` for a missing
    allele, ``-2`` for a slot past a sample's ploidy. Vectorised numpy: cheaper than building
    cyvcf2's per-record genotype object (tested against it). The phase bit of a call is
    ``raw[:, 1] & 1``.
    """
    alleles = raw >> 1
    alleles -= 1
    if raw.size and raw.min() < 0:  # only the two sentinels are negative
        alleles[raw == _BCF_VECTOR_END] = constants.INT_FILL
        alleles[raw == _BCF_MISSING] = constants.INT_MISSING
    return alleles


#: ``F_SETPIPE_SZ`` (Linux): a 64 KiB pipe holds less than one 100k-sample record; a wider one
#: lets bcftools run ahead while this process compresses.
_F_SETPIPE_SZ = 1031


def _widen_pipe(fd: int) -> None:
    try:
        with open("/proc/sys/fs/pipe-max-size") as fh:
            size = int(fh.read())
        fcntl.fcntl(fd, _F_SETPIPE_SZ, size)
    except OSError:  # not Linux, or not allowed: correct, only slower
        logger.debug("could not widen the bcftools pipe", exc_info=True)


def _sanitiser(f: b2z.VcfField, shape: tuple[int, ...], dtype: Any):  # noqa: ANN202
    """bio2zarr's own value sanitiser for a field of this type and shape."""
    if f.vcf_type == "Flag":
        return partial(b2z.sanitise_value_bool, shape)
    kind = len(shape)
    if f.vcf_type == "Float":
        return partial((b2z.sanitise_value_float_scalar, b2z.sanitise_value_float_1d,
                        b2z.sanitise_value_float_2d)[kind], dtype, shape)
    if f.vcf_type == "Integer":
        return partial((b2z.sanitise_value_int_scalar, b2z.sanitise_value_int_1d,
                        b2z.sanitise_value_int_2d)[kind], shape)
    return partial((b2z.sanitise_value_string_scalar, b2z.sanitise_value_string_1d,
                    b2z.sanitise_value_string_2d)[kind], shape)


@dataclass
class _Fields:
    """Small per-record values of one partition, kept for the writer's later passes."""

    start: int
    values: dict[str, list[Any]]


ChunkSink = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]


class StreamedVcf(vcz.Source):
    """A bio2zarr source that reads a VCF/BCF once, front to back.

    Only :class:`OnePassWriter` can drive it: bio2zarr's writer asks for the identifier, filter
    and contig columns of a partition before its genotypes, which a one-pass reader can only
    answer after reading them.

    Args:
        path: bgzipped/plain VCF or BCF.
        keep_samples: only these samples (in file order), selected by bcftools.
        scratch: folder for the sample list handed to bcftools (needed with ``keep_samples``).
    """

    def __init__(self, path: Path, *, keep_samples: Sequence[str] | None = None,
                 scratch: Path | None = None) -> None:
        self._path = path
        self._keep = list(keep_samples) if keep_samples is not None else None
        self._scratch = scratch
        head = _open_header(path)
        try:
            filters, pass_index = [], -1
            for h in head.header_iter():
                if h["HeaderType"] == "FILTER" and isinstance(h["ID"], str):
                    if h["ID"] == "PASS":
                        pass_index = len(filters)
                    try:
                        description = h["Description"].strip('"')
                    except KeyError:
                        description = ""
                    filters.append(vcz.Filter(h["ID"], description))
            if pass_index > 0:
                filters.insert(0, filters.pop(pass_index))
            other = [h["ID"] for h in head.header_iter()
                     if h["HeaderType"] == "FORMAT" and h["ID"] != "GT"]
            if other:
                raise NotStreamableError(f"{path}: FORMAT fields {other} besides GT")
            declared = {h["ID"] for h in head.header_iter() if h["HeaderType"] == "CONTIG"}
            info = [b2z.VcfField.from_header(h) for h in head.header_iter()
                    if h["HeaderType"] == "INFO"]
            all_samples = list(head.samples)
            names = list(head.seqnames)
            try:
                lengths = dict(zip(names, head.seqlens, strict=True))
            except AttributeError:  # no ##contig lines with lengths
                lengths = {}
            self._raw_header = head.raw_header
        finally:
            head.close()
        self.scan = scan(path, names, info)
        undeclared = [c for c in self.scan.contigs if c not in declared]
        if undeclared:
            # bcftools cannot write BCF for a contig missing from the header.
            raise NotStreamableError(f"{path}: contigs {undeclared} have no ##contig line")
        undefined = sorted(self.scan.filters_seen - {f.id for f in filters} - {"."})
        if undefined:
            raise InvalidInputError(
                f"{path}: FILTER value(s) {undefined} used but not defined in the header; add "
                "##FILTER=<ID=...,Description=...> lines")
        self._filters = filters
        self._contigs = [vcz.Contig(c, lengths.get(c)) for c in self.scan.contigs]
        samples = self._keep if self._keep is not None else all_samples
        self._samples = [vcz.Sample(s) for s in samples]
        self._filter_index = {f.id: i for i, f in enumerate(filters)}
        self._contig_index = {c: i for i, c in enumerate(self.scan.contigs)}
        self._records: Iterator[Any] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._reader: VCF | None = None
        self._cache: _Fields | None = None
        #: ``on_chunk(alleles, positions, contig_codes, genotypes)`` receives each run of
        #: ``chunk_size`` records as it is read (how the index is built during conversion).
        self.on_chunk: ChunkSink | None = None
        self.chunk_size = 0
        self._chunk: list[np.ndarray] = []
        self._transformers = {f.full_name: b2z.VcfValueTransformer.factory(f, len(samples))
                              for f in [*self.scan.fixed.values(), *self.scan.info]}

    # -- bio2zarr Source API --------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def num_records(self) -> int:
        return self.scan.num_records

    @property
    def num_samples(self) -> int:
        return len(self._samples)

    @property
    def samples(self) -> list[vcz.Sample]:
        return self._samples

    @property
    def contigs(self) -> list[vcz.Contig]:
        return self._contigs

    @property
    def filters(self) -> list[vcz.Filter]:
        return self._filters

    @property
    def root_attrs(self) -> dict[str, Any]:
        meta = []
        for line in self._raw_header.split("\n"):
            if line.startswith("##") and "=" in line:
                key, value = line[2:].split("=", 1)
                if key not in ("contig", "FILTER", "INFO", "FORMAT"):
                    meta.append((key, value))
        return {"vcf_meta_information": meta}

    def generate_schema(self, variants_chunk_size: int | None = None,
                        samples_chunk_size: int | None = None,
                        local_alleles: bool | None = None) -> vcz.VcfZarrSchema:
        """bio2zarr's own schema for these fields and bounds (its explode route's schema)."""
        gt = b2z.VcfField("FORMAT", "GT", ".", "Integer", "", b2z.VcfFieldSummary(
            max_number=MAX_PLOIDY + 1, min_value=constants.INT_FILL,
            max_value=max(self.scan.fixed["ALT"].summary.max_number, 1)))
        fields = [*self.scan.fixed.values(), *self.scan.info, gt]
        meta = b2z.IcfMetadata(samples=self._samples, contigs=self._contigs,
                               filters=self._filters, fields=fields, partitions=[],
                               num_records=self.num_records)
        shim = _SchemaInputs(meta, self.num_records, len(self._samples), gt,
                             {f.full_name: _FieldHolder(f) for f in fields})
        schema = b2z.IntermediateColumnarFormat.generate_schema(
            shim, variants_chunk_size, samples_chunk_size, local_alleles)  # type: ignore[arg-type]
        for spec in schema.fields:
            if spec.name in GENOTYPE_ARRAYS and spec.compressor:
                spec.compressor = {**spec.compressor, "clevel": GENOTYPE_CLEVEL}
        return schema

    def iter_alleles_and_genotypes(self, start: int, stop: int, shape: tuple[int, ...] | None,
                                   num_alleles: int) -> Iterator[vcz.VariantData]:
        records = self._open()
        keep: dict[str, list[Any]] = {
            name: [] for name in ("ID", "FILTERS", "CHROM", "POS", "QUAL",
                                  *[f.full_name for f in self.scan.info])}
        info = [(keep[f.full_name], f.name) for f in self.scan.info]
        ids, filters, chroms, positions, quals = (keep[k] for k in
                                                  ("ID", "FILTERS", "CHROM", "POS", "QUAL"))
        fill = [constants.STR_FILL] * num_alleles
        if shape is None and self.on_chunk is not None:
            raise InvalidInputError(f"{self._path}: no GT FORMAT field; the Beacon index needs "
                                    "genotypes")
        for i in range(start, stop):
            try:
                v = next(records)
            except StopIteration:
                self._finish()  # raises bcftools' own error if it stopped on a bad record
                raise InvalidInputError(f"{self._path}: ended after {i} records but the scan "
                                        f"counted {self.num_records}; is it being written?"
                                        ) from None
            ids.append(v.ID)
            filters.append(v.FILTERS)
            chroms.append(v.CHROM)
            positions.append(v.POS)
            quals.append(v.QUAL)
            for values, name in info:
                values.append(v.INFO.get(name))
            alt = v.ALT
            alleles = [v.REF, *alt, *fill[len(alt) + 1:]]
            gt = phased = None
            if shape is not None:
                gt = self._row(i, shape, alleles, v) if self.on_chunk else np.empty(shape,
                                                                                   np.int8)
                raw = v.format("GT", int)  # BCF-encoded calls, None if the record has none
                if raw is None:
                    gt[:] = constants.INT_MISSING
                    phased = np.zeros(shape[:-1], dtype=bool)
                else:
                    k = raw.shape[1]
                    if k > shape[-1]:
                        raise InvalidInputError(
                            f"{self._path}: {v.CHROM}:{v.POS} has ploidy {k}; only calls up "
                            f"to ploidy {MAX_PLOIDY} are supported")
                    gt[:, :k] = decode_calls(raw)
                    gt[:, k:] = constants.INT_FILL
                    phased = raw[:, 1] & 1 if k > 1 else np.zeros(shape[:-1], dtype=bool)
                if shape[-1] == 1:
                    phased = np.ones(shape[:-1], dtype=bool)  # as bio2zarr: haploid is phased
            if self.on_chunk is not None:
                self._chunk_done(i)
            yield vcz.VariantData(v.end - v.start, alleles, gt, phased)
        self._cache = _Fields(start, keep)
        if stop == self.num_records:
            self._finish()

    def _row(self, i: int, shape: tuple[int, ...], alleles: list[str], v: Any) -> np.ndarray:
        """Record ``i``'s row of the current index chunk (its genotypes are written there)."""
        j = i % self.chunk_size
        if j == 0:
            rows = min(self.chunk_size, self.num_records - i)
            self._chunk = [np.empty((rows, len(alleles)), dtype=object),
                           np.empty(rows, dtype=np.int64), np.empty(rows, dtype=np.int32),
                           np.empty((rows, *shape), dtype=np.int8)]
        al, pos, contig, g = self._chunk
        al[j] = alleles
        pos[j] = v.POS
        contig[j] = self._contig_index[v.CHROM]
        return g[j]

    def _chunk_done(self, i: int) -> None:
        al, pos, contig, g = self._chunk
        if i % self.chunk_size == len(pos) - 1:
            self.on_chunk(al, pos, contig, g)  # type: ignore[misc]
            self._chunk = []

    def _cached(self, name: str, start: int, stop: int) -> list[Any]:
        if self._cache is None or self._cache.start != start:
            raise RuntimeError("StreamedVcf: genotypes must be encoded before other fields")
        return self._cache.values[name][: stop - start]

    def iter_id(self, start: int, stop: int) -> Iterator[str | None]:
        yield from self._cached("ID", start, stop)

    def iter_filters(self, start: int, stop: int) -> Iterator[np.ndarray]:
        for values in self._cached("FILTERS", start, stop):
            row = np.zeros(len(self._filters), dtype=bool)
            for f in values or ():
                row[self._filter_index[f]] = True
            yield row

    def iter_contig(self, start: int, stop: int) -> Iterator[int]:
        for chrom in self._cached("CHROM", start, stop):
            yield self._contig_index[chrom]

    def iter_field(self, field_name: str, shape: tuple[int, ...], dtype: Any, start: int,
                   stop: int) -> Iterator[Any]:
        transform = self._transformers[field_name].transform
        f = self._transformers[field_name].field
        sanitise = _sanitiser(f, shape, dtype)
        for value in self._cached(field_name, start, stop):
            yield sanitise(None if value is None else transform(value))

    # -- the record stream --------------------------------------------------------------------

    def _open(self) -> Iterator[Any]:
        if self._records is not None:
            return self._records
        is_bcf = self._path.suffix.lower() == ".bcf"
        if is_bcf and self._keep is None:
            # Binary already: cyvcf2 decodes BCF cheaply, no second process needed.
            self._reader = VCF(str(self._path))
        else:
            cmd = ["bcftools", "view", "--no-version", "-Ou"]
            if self._keep is not None:
                # A file, not -s: 100k sample names overflow one command-line argument.
                if self._scratch is None:
                    raise ValueError("StreamedVcf: keep_samples needs a scratch folder")
                self._scratch.mkdir(parents=True, exist_ok=True)
                listing = self._scratch / "keep-samples.txt"
                listing.write_text("\n".join(self._keep) + "\n")
                # -I: keep INFO as in the input (what the scan measured), as the other route.
                cmd += ["-I", "-S", str(listing)]
            self._errors = tempfile.TemporaryFile()
            self._proc = subprocess.Popen([*cmd, str(self._path)], stdout=subprocess.PIPE,
                                          stderr=self._errors)
            assert self._proc.stdout is not None
            _widen_pipe(self._proc.stdout.fileno())
            try:
                self._reader = VCF(f"/dev/fd/{self._proc.stdout.fileno()}")
            except OSError as exc:
                # bcftools wrote nothing: its own message says why.
                self._proc.wait()
                self.close()
                raise InvalidInputError(f"{self._path}: bcftools view failed: "
                                        f"{_read_all(self._errors) or exc}") from exc
        if self._keep is not None and list(self._reader.samples) != self._keep:
            raise InvalidInputError(f"{self._path}: sample subset came back in another order")
        self._records = iter(self._reader)
        return self._records

    def _finish(self) -> None:
        """Close the reader and check bcftools exited cleanly."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._proc is not None:
            assert self._proc.stdout is not None
            self._proc.stdout.close()
            failed = self._proc.wait() != 0
            self._proc = None
            err = _read_all(self._errors)
            if failed:
                raise InvalidInputError(f"{self._path}: bcftools view failed: {err}")

    def close(self) -> None:
        """Stop the bcftools process if the conversion was abandoned."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._errors is not None:
            self._errors.close()
            self._errors = None


@dataclass
class _FieldHolder:
    vcf_field: b2z.VcfField


@dataclass
class _SchemaInputs:
    """The parts of bio2zarr's ICF that its ``generate_schema`` reads."""

    metadata: b2z.IcfMetadata
    num_records: int
    num_samples: int
    gt_field: b2z.VcfField
    fields: dict[str, _FieldHolder]


class OnePassWriter(vcz.VcfZarrWriter):
    """bio2zarr's Zarr writer, encoding each partition's genotypes first (see StreamedVcf)."""

    def encode_partition(self, partition_index: int) -> None:
        self.load_metadata()
        partition_path = self.wip_partition_path(partition_index)
        partition_path.mkdir(exist_ok=True)
        names = {f.name for f in self.schema.fields}
        self.encode_alleles_and_genotypes_partition(partition_index)
        if "variant_id" in names:
            self.encode_id_partition(partition_index)
        if "variant_filter" in names:
            self.encode_filters_partition(partition_index)
        if "variant_contig" in names:
            self.encode_contig_partition(partition_index)
        for spec in self.schema.fields:
            if spec.source is not None:
                self.encode_array_partition(spec, partition_index)
        if self.has_genotypes():
            self.encode_genotype_mask_partition(partition_index)
        os.rename(partition_path, self.partition_path(partition_index))


def write_store(source: StreamedVcf, dest: Path, schema: vcz.VcfZarrSchema, *,
                show_progress: bool = False) -> None:
    """Encode ``source`` into the new VCF Zarr store ``dest`` with bio2zarr's writer."""
    chunk = schema.dimensions["variants"].chunk_size
    source.chunk_size = chunk
    n_chunks = max(1, math.ceil(source.num_records / chunk))
    writer = OnePassWriter(StreamedVcf, str(dest))
    writer.init(source, target_num_partitions=math.ceil(n_chunks / CHUNKS_PER_PARTITION),
                schema=schema)
    writer.encode_all_partitions(worker_processes=0, show_progress=show_progress)
    writer.finalise(show_progress)
    writer.create_index()


def convert_one_pass(src: Path, dest: Path, *, keep_samples: Sequence[str] | None = None,
                     scratch: Path | None = None, show_progress: bool = False,
                     variants_chunk_size: int | None = None,
                     samples_chunk_size: int | None = None) -> None:
    """Write ``src`` as the VCF Zarr store ``dest`` in one pass (see the module docstring).

    Raises:
        InvalidInputError: unreadable input, undefined FILTER, ploidy above 2, or bcftools
            failing part-way (the caller locates the bad line).
    """
    source = StreamedVcf(src, keep_samples=keep_samples, scratch=scratch)
    try:
        write_store(source, dest, source.generate_schema(variants_chunk_size,
                                                         samples_chunk_size),
                    show_progress=show_progress)
    finally:
        source.close()

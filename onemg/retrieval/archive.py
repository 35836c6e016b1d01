"""The node's encrypted archive: one dataset version's genotype file, Crypt4GH-encrypted to the
archive key, with the header stored apart from the body (as NeIC SDA stores it).

Layout, inside the version folder (built in the ingest staging folder and published with it by
one rename, so a ``kill -9`` never leaves a half archive in service)::

    archive/
      manifest.json              format, sizes, SHA-256 of plaintext and ciphertext, header end
      genotypes.vcf.gz.c4gh      the Crypt4GH body: 65,536-byte segments, each encrypted
      genotypes.vcf.gz.c4gh.hdr  the Crypt4GH header, readable with the archive key only
      genotypes.vcf.gz.csi       CSI index of the plaintext (positions -> BGZF offsets)
      genotypes.vcf.gz.gzi       BGZF block offsets (``bgzip --reindex``)

(``genotypes.bcf.*`` for BCF.) The index files are plaintext: they say where records are at a
16 kb resolution, never a genotype, and the serving path needs them to pick segments without
decrypting anything. ``header + body`` is a standard Crypt4GH file for the archive key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import pysam
from crypt4gh import lib as c4gh_lib

from onemg.errors import IntegrityError, InvalidInputError, NotFoundError
from onemg.retrieval import bgzf
from onemg.retrieval.csi import CsiIndex
from onemg.retrieval.slicing import body_size

ARCHIVE_DIR = "archive"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
CSI_MIN_SHIFT = 12


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` records about one archived file."""

    format: str  # "VCF" or "BCF"
    name: str  # plaintext file name, e.g. genotypes.vcf.gz
    plain_size: int
    plain_sha256: str
    header_size: int  # Crypt4GH header bytes
    body_size: int  # Crypt4GH body bytes
    cipher_sha256: str  # of header + body, i.e. the Crypt4GH file for the archive key
    body_sha256: str
    header_end: int  # compressed offset where the VCF/BCF header's last block ends
    contigs: tuple[str, ...]  # header contigs in order (BCF indexes name none)
    archive_key_sha256: str
    manifest_version: int = MANIFEST_VERSION

    @property
    def body_file(self) -> str:
        """The body's file name."""
        return self.name + ".c4gh"

    @property
    def header_file(self) -> str:
        """The archive-key header's file name."""
        return self.name + ".c4gh.hdr"


class _Hashing:
    """A file wrapper hashing what passes through ``readinto``/``write``."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.count = 0

    def readinto(self, buf: bytearray) -> int:
        n = self.fh.readinto(buf)
        self.sha.update(memoryview(buf)[:n])
        self.count += n
        return n

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.count += len(data)
        return self.fh.write(data)


def _bcftools(args: list[str], what: Path) -> None:
    proc = subprocess.run(["bcftools", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise InvalidInputError(f"{what}: bcftools {args[0]} failed: {proc.stderr.strip()}")


def _prepare_plaintext(src: Path, work: Path, fmt: str, keep_samples: Sequence[str] | None) -> Path:
    """A bgzipped VCF / BCF of ``src`` (subset to ``keep_samples``) whose BGZF blocks start at
    records (:func:`onemg.retrieval.bgzf.reblock`)."""
    ext = "bcf" if fmt == "bcf" else "vcf.gz"
    plain = work / f"genotypes.{ext}"
    candidate = src
    if keep_samples is not None or not src.name.endswith((".gz", ".bgz", ".bcf")):
        candidate = work / f"subset.{ext}"
        args = ["view", "--no-version", "-O", "b" if fmt == "bcf" else "z", "-o", str(candidate)]
        if keep_samples is not None:
            samples = work / "archive-samples.txt"
            samples.write_text("\n".join(keep_samples) + "\n")
            args += ["-I", "-S", str(samples)]
        _bcftools([*args, str(src)], src)
    bgzf.reblock(candidate, plain, bgzf.header_length(candidate))
    if candidate != src:
        candidate.unlink()
    return plain


def build_archive(
    src: Path,
    dest: Path,
    *,
    archive_key: bytes,
    work: Path,
    keep_samples: Sequence[str] | None = None,
) -> Manifest | None:
    """Archive genotype file ``src`` into the new folder ``dest`` (see the module docstring).

    Args:
        src: the ingest's genotype input (VCF, VCF.gz or BCF; a VCF Zarr input is not archived
            and gives ``None``).
        dest: the ``archive`` folder to create (inside the ingest's staging folder).
        archive_key: the archive's Crypt4GH public key.
        work: scratch folder (inside the ingest's staging folder).
        keep_samples: the samples the dataset keeps, in VCF order (others are left out).
    """
    from onemg.genomics.convert import genotype_format

    fmt = genotype_format(src)
    if fmt == "vcz":
        return None
    work.mkdir(parents=True, exist_ok=True)
    plain = _prepare_plaintext(src, work, fmt, keep_samples)
    dest.mkdir(parents=True)
    final_plain = dest / plain.name
    os.replace(plain, final_plain)  # indexes are written next to it, then it is removed
    bgzf.write_gzi(final_plain, dest / (plain.name + ".gzi"))
    # 4 kb bins (default 16 kb): slices follow their regions more closely; see csi.py.
    _bcftools(
        [
            "index",
            "-c",
            "-m",
            str(CSI_MIN_SHIFT),
            "-f",
            "-o",
            str(dest / (plain.name + ".csi")),
            str(final_plain),
        ],
        src,
    )
    hlen = bgzf.header_length(final_plain)
    blocks = bgzf.block_offsets(dest / (plain.name + ".gzi"), final_plain.stat().st_size)
    header_end = blocks.boundary_at(hlen)
    assert header_end is not None  # _prepare_plaintext made it so
    with pysam.VariantFile(str(final_plain)) as vf:
        contigs = tuple(vf.header.contigs)
    names = Manifest(fmt.upper(), plain.name, 0, "", 0, 0, "", "", 0, (), "")
    # The writer key is ephemeral, as the crypt4gh CLI does without --sk.
    keys = [(0, os.urandom(32), archive_key)]
    body_path, header_path = dest / names.body_file, dest / names.header_file
    with (
        open(final_plain, "rb") as fin,
        open(body_path, "wb") as fbody,
        open(header_path, "wb") as fhdr,
    ):
        plain_in, body_out = _Hashing(fin), _Hashing(fbody)
        header_out = _Hashing(fhdr)
        c4gh_lib.encrypt(keys, plain_in, body_out, headerfile=header_out)
    cipher = hashlib.sha256(header_path.read_bytes())
    with open(body_path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            cipher.update(chunk)
    final_plain.unlink()  # plaintext never stays in the archive
    if body_out.count != body_size(plain_in.count):
        raise IntegrityError(
            f"{body_path}: {body_out.count} body bytes written, expected "
            f"{body_size(plain_in.count)}"
        )
    manifest = Manifest(
        format=fmt.upper(),
        name=plain.name,
        plain_size=plain_in.count,
        plain_sha256=plain_in.sha.hexdigest(),
        header_size=header_out.count,
        body_size=body_out.count,
        cipher_sha256=cipher.hexdigest(),
        body_sha256=body_out.sha.hexdigest(),
        header_end=header_end,
        contigs=contigs,
        archive_key_sha256=hashlib.sha256(archive_key).hexdigest(),
    )
    (dest / MANIFEST).write_text(json.dumps(asdict(manifest), indent=1))
    return manifest


def build_store_archive(store: Path, dest: Path, *, archive_key: bytes, work: Path) -> Manifest:
    """Archive a VCF Zarr store as :func:`build_archive` does a VCF: exported to VCF text by
    vcztools first (every record and sample, the store's header lines), in ``work``.

    Used for the dense store beside a ready index (``onemg synth --genotypes vcz``); a VCF
    Zarr given as the ingest's genotypes is still not archived.
    """
    import vcztools
    import zarr

    work.mkdir(parents=True, exist_ok=True)
    plain = work / "store.vcf"
    try:
        with vcztools.VczReader(zarr.open_group(str(store), mode="r")) as reader:
            vcztools.write_vcf(reader, plain, no_version=True)
        manifest = build_archive(plain, dest, archive_key=archive_key, work=work)
    finally:
        plain.unlink(missing_ok=True)
    assert manifest is not None  # a VCF input is always archived
    return manifest


#: Why a dataset without a genotype store (``genotypeStore: none``) cannot be retrieved.
NO_GENOTYPES = (
    "this dataset has no genotype files to retrieve: it is a Beacon index written straight from "
    "simulated tree sequences (onemg synth --format index; its descriptor says genotypeStore "
    "none). Its counts and records are answered by the Beacon API; for retrievable VCF/BCF, "
    "synthesise the cohort with --format vcf or bcf and ingest that"
)


def _genotype_store(version_dir: Path) -> str | None:
    """``genotypeStore`` of the version's stored descriptor (None when unknown)."""
    try:
        return json.loads((version_dir / "descriptor.json").read_text()).get("genotypeStore")
    except (OSError, ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class ArchivedFile:
    """An opened archive: manifest, paths, index and block offsets (no keys, no plaintext)."""

    root: Path
    manifest: Manifest
    index: CsiIndex
    blocks: bgzf.Blocks

    @classmethod
    def open(cls, version_dir: Path) -> ArchivedFile:
        """Open ``<version_dir>/archive``; raises InvalidInputError when there is none."""
        root = version_dir / ARCHIVE_DIR
        path = root / MANIFEST
        if not path.is_file():
            if _genotype_store(version_dir) == "none":
                raise NotFoundError(NO_GENOTYPES)
            raise InvalidInputError(
                f"{version_dir.name}: this dataset version has no archive; re-ingest it to make one"
            )
        raw = json.loads(path.read_text())
        raw["contigs"] = tuple(raw["contigs"])
        manifest = Manifest(**raw)
        index = CsiIndex.read(root / (manifest.name + ".csi"), list(manifest.contigs))
        blocks = bgzf.block_offsets(root / (manifest.name + ".gzi"), manifest.plain_size)
        return cls(root, manifest, index, blocks)

    @property
    def body_path(self) -> Path:
        """The Crypt4GH body."""
        return self.root / self.manifest.body_file

    @property
    def header_path(self) -> Path:
        """The archive-key Crypt4GH header."""
        return self.root / self.manifest.header_file


@contextlib.contextmanager
def decrypted_copy(
    archived: ArchivedFile, secret_key: bytes, tmp_dir: Path
) -> Iterator[tuple[Path, str]]:
    """Decrypt to a temporary file in ``tmp_dir`` (removed on exit); yields (path, sha256)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix="." + archived.manifest.name)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, _Concat(archived.header_path, archived.body_path) as src:
            hashed = _Hashing(out)
            c4gh_lib.decrypt([(0, secret_key, None)], src, hashed)
        yield path, hashed.sha.hexdigest()
    finally:
        path.unlink(missing_ok=True)


class _Concat:
    """Read the header file then the body file as one stream."""

    def __init__(self, *paths: Path) -> None:
        self._files = [open(p, "rb") for p in paths]  # noqa: SIM115 - closed in __exit__
        self._i = 0

    def __enter__(self) -> _Concat:
        return self

    def __exit__(self, *exc: object) -> None:
        for f in self._files:
            f.close()

    def read(self, n: int = -1) -> bytes:
        out = b""
        while self._i < len(self._files) and (n < 0 or len(out) < n):
            chunk = self._files[self._i].read(-1 if n < 0 else n - len(out))
            if not chunk:
                self._i += 1
                continue
            out += chunk
        return out

    def readinto(self, buf: bytearray) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def verify(archived: ArchivedFile, secret_key: bytes, tmp_dir: Path) -> list[str]:
    """Every problem found in one archived file (empty: sound).

    Checks the ciphertext checksum, decrypts to a removed temporary file, checks the plaintext
    size and checksum and that bcftools reads every record.
    """
    m = archived.manifest
    problems = []
    for path, size in ((archived.header_path, m.header_size), (archived.body_path, m.body_size)):
        if not path.is_file():
            return [f"{path}: missing"]
        if path.stat().st_size != size:
            problems.append(f"{path}: {path.stat().st_size} bytes, manifest says {size}")
    cipher = hashlib.sha256()
    for path in (archived.header_path, archived.body_path):
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                cipher.update(chunk)
    if cipher.hexdigest() != m.cipher_sha256:
        problems.append(
            f"{archived.body_path}: ciphertext SHA-256 differs from the manifest "
            "(the file was altered or damaged)"
        )
    try:
        with decrypted_copy(archived, secret_key, tmp_dir) as (plain, digest):
            if digest != m.plain_sha256:
                problems.append(
                    f"{archived.body_path}: decrypted SHA-256 differs from the manifest"
                )
            proc = subprocess.run(
                ["bcftools", "view", "-H", str(plain)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                problems.append(
                    f"{archived.body_path}: bcftools cannot read the plaintext: "
                    f"{proc.stderr.strip()[:200]}"
                )
    except (ValueError, AssertionError) as exc:
        problems.append(f"{archived.body_path}: decryption failed ({exc or type(exc).__name__})")
    return problems

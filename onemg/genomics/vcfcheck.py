"""Locate the first malformed record of a VCF/BCF after a conversion failure.

bio2zarr and htslib report a failed parse as ``error parsing variant ... ret: -2`` at best, with
no file or line. A full validating scan on every ingest would cost as much as the conversion,
so this scan runs only after one has failed, and turns the failure into ``file:line: problem``.
"""

from __future__ import annotations

import gzip
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

_GT_RE = re.compile(r"^(\.|\d+)([/|](\.|\d+))*$")
_REF_RE = re.compile(r"^[ACGTNacgtn]+$")


def _text_lines(path: Path) -> Iterator[str]:
    if path.suffix == ".bcf":
        # Binary: let bcftools decode; "line" numbers then count header + records of its output.
        proc = subprocess.Popen(["bcftools", "view", str(path)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        if proc.stdout is None:  # pragma: no cover - Popen with PIPE always sets it
            return
        with proc.stdout:
            yield from proc.stdout
        proc.wait()
        return
    with open(path, "rb") as fh:
        magic = fh.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rt", errors="replace") as fh:
        yield from fh


def _check_record(fields: list[str], n_cols: int) -> str | None:
    if len(fields) != n_cols:
        return (f"{len(fields)} tab-separated columns where the #CHROM header line has "
                f"{n_cols}")
    if not fields[1].isdigit():
        return f"POS {fields[1]!r} is not a positive integer"
    if not _REF_RE.match(fields[3]):
        return f"REF {fields[3]!r} is not made of A, C, G, T, N"
    if not fields[4]:
        return "ALT is empty (use '.' for none)"
    n_alleles = 1 + (0 if fields[4] == "." else fields[4].count(",") + 1)
    if n_cols > 9:
        keys = fields[8].split(":")
        if "GT" in keys:
            gi = keys.index("GT")
            for col, sample in enumerate(fields[9:], start=10):
                parts = sample.split(":")
                if gi >= len(parts):
                    continue  # trailing fields may be dropped per the VCF spec
                gt = parts[gi]
                if not _GT_RE.match(gt):
                    return f"column {col}: genotype {gt!r} is not valid GT syntax"
                if any(int(a) >= n_alleles for a in re.split(r"[/|]", gt) if a != "."):
                    return f"column {col}: genotype {gt!r} names an allele beyond ALT"
    return None


def locate_malformed(path: Path) -> str | None:
    """``"file:line: problem"`` for the first malformed line of ``path``, or None if none found.

    Args:
        path: a VCF (plain or bgzipped) or BCF file.
    """
    n_cols = 0
    try:
        for lineno, line in enumerate(_text_lines(path), start=1):
            if line.startswith("##"):
                continue
            if line.startswith("#"):
                n_cols = len(line.rstrip("\n").split("\t"))
                continue
            if not n_cols:
                return f"{path}:{lineno}: data line before the #CHROM header line"
            problem = _check_record(line.rstrip("\r\n").split("\t"), n_cols)
            if problem:
                return f"{path}:{lineno}: {problem}"
    except (OSError, EOFError) as exc:
        return f"{path}: unreadable ({exc}); check the file is complete and bgzipped"
    if not n_cols:
        return f"{path}: no #CHROM header line; is this a VCF?"
    return None

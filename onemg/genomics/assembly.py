"""Which genome build a VCF was called on: refuse GRCh37/hg19 before it is served as GRCh38.

A node serves GRCh38 coordinates only (docs/architecture.md, "Coordinates"). A VCF on GRCh37
ingests without any error, since its contigs have the same names, and every position is then
silently wrong by up to megabases. The evidence, in the order it is looked for:

1. ``##reference=`` naming a GRCh37-family build (GRCh37, hg19, b37, hs37d5, human_g1k_v37...);
2. ``##contig=<...,assembly=...>`` naming one;
3. when the header names no build, the ``##contig`` lengths: chromosomes 1-22, X and Y differ
   in length between GRCh37 and GRCh38, so one primary chromosome of GRCh37 length decides.

Contig lengths are facts of the two assemblies (:data:`GRCH37_LENGTHS`, :data:`GRCH38_LENGTHS`);
the mitochondrial sequence (rCRS, 16569 bp) is the same in both and proves nothing.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from onemg.errors import InvalidInputError

# GRCh38 primary-assembly chromosome lengths (NCBI GRCh38.p14 / GCF_000001405.40; identical to the
# lengths in stdpopsim's HomSap genome).
GRCH38_LENGTHS: dict[str, int] = {
    "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
    "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
    "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
    "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
    "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415, "MT": 16569,
}  # fmt: skip

# GRCh37 primary-assembly chromosome lengths (NCBI GRCh37.p13 / GCF_000001405.25, the lengths of
# the 1000 Genomes human_g1k_v37 reference and of UCSC hg19). UCSC hg19's chrM is the older
# NC_001807 sequence, 16571 bp, which no GRCh38 file uses.
GRCH37_LENGTHS: dict[str, int] = {
    "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
    "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
    "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
    "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
    "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566, "MT": 16569,
}  # fmt: skip
HG19_CHRM_LENGTH = 16571

#: Build names (lower case) that mean GRCh37 or older, as they appear in headers and descriptors.
_OLD_BUILD_RE = re.compile(
    r"grch37|hg19|hg18|ncbi3[67]|\bb37\b|hs37|g1k_v37|human_g1k|hs37d5|"
    r"gcf_000001405\.(1[0-9]|2[0-5])\b|gca_000001405\.(1[0-4])\b",
    re.IGNORECASE,
)
#: Names accepted for the one build a node serves.
GRCH38_NAMES = ("GRCh38", "hg38", "GCF_000001405.26+")
_GRCH38_RE = re.compile(
    r"grch38|hg38|\bb38\b|hs38|gcf_000001405\.(2[6-9]|[3-9][0-9])", re.IGNORECASE
)
LIFTOVER_HINT = (
    "lift the data over to GRCh38 first, e.g. `bcftools +liftover` (the score "
    "plugins) or CrossMap, then ingest the lifted VCF"
)


@dataclass(frozen=True)
class HeaderContig:
    """One ``##contig`` line: its ID and, if given, length and assembly."""

    id: str
    length: int | None = None
    assembly: str | None = None


def is_grch38_name(value: str) -> bool:
    """Whether an ``assemblyId`` names GRCh38 (``GRCh38``, ``hg38``, ``GCF_000001405.26+``)."""
    return bool(_GRCH38_RE.search(value)) and not _OLD_BUILD_RE.search(value)


def _canonical(contig_id: str) -> str:
    name = contig_id[3:] if contig_id.lower().startswith("chr") else contig_id
    return "MT" if name.upper() in ("M", "MT") else name.upper()


def wrong_build_evidence(reference: str | None, contigs: Iterable[HeaderContig]) -> str | None:
    """A sentence naming what shows the header is not GRCh38, or None if nothing does.

    Args:
        reference: the ``##reference`` value, if any.
        contigs: the header's ``##contig`` lines.
    """
    contigs = list(contigs)
    if reference and _OLD_BUILD_RE.search(reference) and not _GRCH38_RE.search(reference):
        return f"the header says ##reference={reference}"
    for c in contigs:
        if c.assembly and _OLD_BUILD_RE.search(c.assembly):
            return f"the header's ##contig=<ID={c.id}> says assembly={c.assembly}"
    old, new = [], []
    for c in contigs:
        if c.length is None:
            continue
        name = _canonical(c.id)
        if name == "MT":
            if c.length == HG19_CHRM_LENGTH:
                old.append(f"{c.id} length {c.length} (hg19 chrM)")
            continue
        if GRCH37_LENGTHS.get(name) == c.length:
            old.append(f"{c.id} length {c.length}")
        elif GRCH38_LENGTHS.get(name) == c.length:
            new.append(c.id)
    if old and not new:
        shown = ", ".join(old[:3]) + (f" and {len(old) - 3} more" if len(old) > 3 else "")
        return f"the ##contig lengths are those of GRCh37 ({shown})"
    if old:
        return (
            f"the ##contig lengths mix GRCh37 ({', '.join(old[:3])}) and GRCh38 "
            f"({', '.join(new[:3])})"
        )
    return None


_CONTIG_RE = re.compile(r"^##contig=<(.*)>\s*$")


def _fields(body: str) -> Mapping[str, str]:
    out = {}
    for part in re.findall(r'(\w+)=("[^"]*"|[^,]*)', body):
        out[part[0]] = part[1].strip('"')
    return out


def parse_header(text: str) -> tuple[str | None, list[HeaderContig]]:
    """``(##reference value, ##contig lines)`` of a VCF header."""
    reference = None
    contigs = []
    for line in text.splitlines():
        if line.startswith("##reference="):
            reference = line[len("##reference=") :].strip()
        elif m := _CONTIG_RE.match(line):
            f = _fields(m.group(1))
            length = f.get("length")
            contigs.append(
                HeaderContig(
                    f.get("ID", ""),
                    int(length) if length and length.isdigit() else None,
                    f.get("assembly"),
                )
            )
    return reference, contigs


def _vcz_header(path: Path) -> tuple[str | None, list[HeaderContig]]:
    import zarr

    root = zarr.open_group(str(path), mode="r")
    header = root.attrs.get("vcf_header")
    if isinstance(header, str) and header:
        return parse_header(header)
    ids = [str(x) for x in root["contig_id"][:]] if "contig_id" in root else []
    lengths = (
        [int(x) for x in root["contig_length"][:]] if "contig_length" in root else [None] * len(ids)
    )
    return None, [HeaderContig(i, n) for i, n in zip(ids, lengths, strict=False)]


def check_grch38(path: Path, fmt: str) -> None:
    """Refuse a genotype input whose header shows another build than GRCh38.

    Args:
        path: the VCF/BCF file or VCF Zarr store.
        fmt: ``"vcf"``, ``"bcf"`` or ``"vcz"`` (:func:`onemg.genomics.convert.genotype_format`).

    Raises:
        InvalidInputError: naming the evidence and the liftover fix.
    """
    if fmt == "vcz":
        reference, contigs = _vcz_header(path)
    else:
        proc = subprocess.run(
            ["bcftools", "view", "-h", str(path)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise InvalidInputError(
                f"{path}: cannot read the VCF header "
                f"({proc.stderr.strip() or 'bcftools view -h failed'})"
            )
        reference, contigs = parse_header(proc.stdout)
    evidence = wrong_build_evidence(reference, contigs)
    if evidence:
        raise InvalidInputError(
            f"{path}: not on GRCh38: {evidence}. This node serves GRCh38 coordinates only; "
            f"{LIFTOVER_HINT}"
        )

"""Variant request parameters: parse Beacon ``requestParameters`` into one :class:`VariantRequest`.

Supported query types (``docs/beacon.md`` lists them with examples):

* **sequence**: ``referenceName``, ``start`` (one value), ``alternateBases`` [, ``referenceBases``];
* **range**: ``referenceName``, ``start``, ``end`` [, ``variantType`` | ``alternateBases``];
* **bracket**: ``referenceName``, ``start=[min,max]``, ``end=[min,max]`` [, ``variantType``];
* **geneId**: an HGNC symbol, turned into a range over the gene;
* **genomicAlleleShortForm**: simple HGVS ``g.`` forms: ``7:g.5227002T>A``,
  ``NC_000007.14:g.117559591_117559593del``, ``g.123_124insAG``, ``g.123dup``,
  ``g.123_125delinsTT``.

Coordinates are Beacon's 0-based half-open ones; the index stores 1-based VCF positions and the
genomics layer converts. HGVS positions are 1-based, converted here. Alleles are matched in their
normalised (left-trimmed, anchored) VCF form, so HGVS deletions/insertions are matched on the
anchor position the node's normalisation gives them; a repeat-unit indel written 3'-shifted (the
HGVS convention) is only found when its normalised VCF anchor is at the position given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from onemg.errors import InvalidInputError
from onemg.genomics.index import VariantQuery
from onemg.genomics.normalize import normalize_contig
from onemg.protocol.request import VARIANT_KEYS

_ASSEMBLIES = {"grch38", "hg38", "grch38.p13", "grch38.p14", "gca_000001405.15",
               "gcf_000001405.26", "gcf_000001405.39", "gcf_000001405.40"}
_BASES = re.compile(r"^[ACGTUNRYSWKMBDHV.\-]*$")
_MAX_POS = 2**31 - 2
_VARIANT_TYPES: dict[str, str | None] = {
    "SNP": "SNP", "SNV": "SNP", "SO:0001483": "SNP", "MNP": "MNP", "MNV": "MNP",
    "SO:0002007": "MNP", "DEL": "DEL", "SO:0000159": "DEL", "EFO:0030067": "DEL",
    "EFO:0030068": "DEL", "EFO:0030069": "DEL", "INS": "INS", "SO:0000667": "INS",
    "DUP": "INS", "SO:1000035": "INS", "EFO:0030070": "INS", "EFO:0030071": "INS",
    "EFO:0030072": "INS", "INDEL": "INDEL", "SO:1000032": "INDEL",
    # Structural classes the index does not hold: valid queries with no hits.
    "CNV": None, "EFO:0030066": None, "INV": None, "BND": None, "SO:1000036": None,
}
_HGVS = re.compile(r"^(?P<acc>[A-Za-z0-9_.:]+?):g\.(?P<body>.+)$")
_SUB = re.compile(r"^(\d+)([ACGT]+)>([ACGT]+)$")
_DELINS = re.compile(r"^(\d+)(?:_(\d+))?delins([ACGT]+)$")
_DEL = re.compile(r"^(\d+)(?:_(\d+))?del([ACGT]*)$")
_INS = re.compile(r"^(\d+)_(\d+)ins([ACGT]+)$")
_DUP = re.compile(r"^(\d+)(?:_(\d+))?dup([ACGT]*)$")


@dataclass(frozen=True)
class AlleleCheck:
    """Exact constraints checked on each candidate variant (1-based VCF ``pos``)."""

    pos: int | None = None
    ref_len: int | None = None
    alt_len: int | None = None
    ref_tail: str | None = None  # ref without its anchor base
    alt: str | None = None
    alt_tail: str | None = None  # alt without its anchor base
    alt_pattern: str | None = None  # regex for N wildcards
    min_length: int | None = None
    max_length: int | None = None

    def accepts(self, pos: int, ref: str, alt: str) -> bool:
        """True when a normalised variant ``(pos, ref, alt)`` satisfies every constraint."""
        if self.pos is not None and pos != self.pos:
            return False
        if self.ref_len is not None and len(ref) != self.ref_len:
            return False
        if self.alt_len is not None and len(alt) != self.alt_len:
            return False
        if self.ref_tail is not None and ref[1:] != self.ref_tail:
            return False
        if self.alt is not None and alt != self.alt:
            return False
        if self.alt_tail is not None and alt[1:] != self.alt_tail:
            return False
        if self.alt_pattern is not None and not re.fullmatch(self.alt_pattern, alt):
            return False
        length = len(ref) if len(ref) == len(alt) else abs(len(ref) - len(alt))
        if self.min_length is not None and length < self.min_length:
            return False
        return self.max_length is None or length <= self.max_length


@dataclass(frozen=True)
class VariantRequest:
    """A parsed Beacon variant query: the index query, plus what the index cannot express."""

    #: What :meth:`onemg.genomics.VariantIndex.find` matches (0-based, half-open, kind set).
    query: VariantQuery
    #: Allele conditions checked on each found variant (wildcards, HGVS shapes, lengths).
    check: AlleleCheck | None = None
    #: True when the query can match nothing in this index (e.g. a structural variant class).
    impossible: bool = False


def _request(kind: str, contig: str, start: int, end: int, *, check: AlleleCheck | None = None,
             **fields: Any) -> VariantRequest:
    return VariantRequest(VariantQuery(contig, start=start, end=end, kind=kind, **fields), check)


def _ints(value: Any, name: str) -> list[int]:
    if value is None or value == "" or value == []:
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    out = []
    for item in items:
        if isinstance(item, bool):
            raise InvalidInputError(f"{name} must be an integer or a list of integers")
        try:
            number = int(str(item).strip())
        except ValueError:
            raise InvalidInputError(
                f"{name}: {item!r} is not an integer (0-based coordinates)"
            ) from None
        if not 0 <= number <= _MAX_POS:
            raise InvalidInputError(f"{name}: {number} is outside 0..{_MAX_POS}")
        out.append(number)
    if len(out) > 2:
        raise InvalidInputError(f"{name} takes one value or a [min, max] pair, got {len(out)}")
    return out


def _bases(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 10_000:
        raise InvalidInputError(f"{name} must be a string of bases")
    text = value.strip().upper()
    if not _BASES.match(text):
        raise InvalidInputError(f"{name} {value!r} is not a sequence of IUPAC bases")
    return text.replace("U", "T")


def _length(value: Any, name: str) -> int | None:
    ints = _ints(value, name)
    if len(ints) > 1:
        raise InvalidInputError(f"{name} takes one integer")
    return ints[0] if ints else None


def _variant_type(value: Any) -> tuple[str | None, bool]:
    if value is None or value == "":
        return None, False
    key = str(value).strip()
    key = key.upper() if ":" not in key else key
    if key not in _VARIANT_TYPES:
        raise InvalidInputError(
            f"variantType {value!r} is not supported; use SNP, MNP, INS, DEL, DUP, INDEL or an "
            "EFO/SO term for one of them"
        )
    canonical = _VARIANT_TYPES[key]
    return canonical, canonical is None


def _check_assembly(value: Any) -> None:
    if value is None or value == "":
        return
    if str(value).strip().lower() not in _ASSEMBLIES:
        raise InvalidInputError(
            f"assemblyId {value!r}: this node serves GRCh38 only (GRCh38, hg38, GCF_000001405.26+)"
        )


def _from_hgvs(text: Any) -> VariantRequest:
    if not isinstance(text, str) or len(text) > 1000:
        raise InvalidInputError("genomicAlleleShortForm must be a string such as 7:g.5227002T>A")
    match = _HGVS.match(text.strip())
    if not match:
        raise InvalidInputError(
            f"genomicAlleleShortForm {text!r} is not an HGVS g. expression such as "
            "NC_000007.14:g.117559591_117559593del or 7:g.5227002T>A"
        )
    contig = normalize_contig(match.group("acc"))
    body = match.group("body").upper().replace("DELINS", "delins").replace("DEL", "del")
    body = body.replace("INS", "ins").replace("DUP", "dup")

    def span(a: str, b: str | None) -> tuple[int, int]:
        first, last = int(a), int(b) if b else int(a)
        if first < 1 or last < first or last > _MAX_POS:
            raise InvalidInputError(f"genomicAlleleShortForm {text!r}: bad position range")
        return first, last

    if m := _SUB.match(body):
        first, _ = span(m.group(1), None)
        ref, alt = m.group(2), m.group(3)
        return _request("sequence", contig, first - 1, first - 1 + len(ref), ref=ref, alt=alt)
    if m := _DELINS.match(body):
        first, last = span(m.group(1), m.group(2))
        check = AlleleCheck(pos=first, ref_len=last - first + 1, alt=m.group(3))
        return _request("range", contig, first - 1, first, check=check)
    if m := _DEL.match(body):
        first, last = span(m.group(1), m.group(2))
        deleted = m.group(3) or None
        if deleted and len(deleted) != last - first + 1:
            raise InvalidInputError(f"genomicAlleleShortForm {text!r}: deleted bases do not "
                                    "match the range length")
        anchor = _anchor(first, text)
        check = AlleleCheck(pos=anchor, ref_len=last - first + 2, alt_len=1, ref_tail=deleted)
        return _request("range", contig, anchor - 1, anchor, variant_type="DEL", check=check)
    if m := _INS.match(body):
        first, last = span(m.group(1), m.group(2))
        if last != first + 1:
            raise InvalidInputError(f"genomicAlleleShortForm {text!r}: an insertion lies "
                                    "between two adjacent positions (e.g. g.123_124insAG)")
        check = AlleleCheck(pos=first, ref_len=1, alt_tail=m.group(3))
        return _request("range", contig, first - 1, first, variant_type="INS", check=check)
    if m := _DUP.match(body):
        first, last = span(m.group(1), m.group(2))
        dup = m.group(3) or None
        anchor = _anchor(first, text)
        check = AlleleCheck(pos=anchor, ref_len=1, alt_len=last - first + 2, alt_tail=dup)
        return _request("range", contig, anchor - 1, anchor, variant_type="INS", check=check)
    raise InvalidInputError(
        f"genomicAlleleShortForm {text!r}: supported forms are substitutions (g.5227002T>A), "
        "del, ins, dup and delins"
    )


def _anchor(first: int, text: str) -> int:
    if first < 2:
        raise InvalidInputError(f"genomicAlleleShortForm {text!r}: an indel at position 1 has "
                                "no anchor base")
    return first - 1


def parse_variant(
    params: Mapping[str, Any],
    *,
    gene_region: Callable[[str], tuple[str, int, int]] | None = None,
) -> VariantRequest | None:
    """Turn request parameters into a :class:`VariantRequest`, or ``None`` if none are given.

    Args:
        params: flat request parameters (the ``g_variant`` nesting already merged in).
        gene_region: resolves an HGNC symbol to ``(contig, start0, end0)``; raises
            ``InvalidInputError`` for unknown symbols.

    Raises:
        InvalidInputError: the parameters do not form a supported query; the message says why.
    """
    if not VARIANT_KEYS.intersection(k for k, v in params.items() if v not in (None, "", [])):
        return None
    _check_assembly(params.get("assemblyId"))
    if params.get("aminoacidChange") or params.get("mateName"):
        raise InvalidInputError("aminoacidChange and mateName queries are not supported by this "
                                "node (its variants carry no protein annotation or fusions)")
    vtype, impossible = _variant_type(params.get("variantType"))
    ref = _bases(params.get("referenceBases"), "referenceBases")
    alt = _bases(params.get("alternateBases"), "alternateBases")
    min_len = _length(params.get("variantMinLength"), "variantMinLength")
    max_len = _length(params.get("variantMaxLength"), "variantMaxLength")
    if params.get("genomicAlleleShortForm"):
        request = _from_hgvs(params["genomicAlleleShortForm"])
        return _with_lengths(request, min_len, max_len, impossible)
    starts = _ints(params.get("start"), "start")
    ends = _ints(params.get("end"), "end")
    name = params.get("referenceName")
    if params.get("geneId") and not name:
        if gene_region is None:
            raise InvalidInputError("geneId queries need the gene table, which is unavailable")
        symbol = str(params["geneId"]).strip()
        contig, g_start, g_end = gene_region(symbol)
        request = _request("range", contig, g_start, g_end, alt=_plain(alt),
                                 variant_type=vtype, check=_alt_check(alt))
        return _with_lengths(request, min_len, max_len, impossible)
    if not name:
        raise InvalidInputError("variant queries need referenceName (e.g. 7, chr7, NC_000007.14),"
                                " geneId or genomicAlleleShortForm")
    contig = normalize_contig(str(name))
    if not starts:
        raise InvalidInputError("variant queries need start (0-based)")
    if len(starts) == 2 or len(ends) == 2:
        if len(starts) != 2 or len(ends) != 2:
            raise InvalidInputError("bracket queries need start=[min,max] and end=[min,max]")
        if starts[0] > starts[1] or ends[0] > ends[1]:
            raise InvalidInputError("bracket query: min must not exceed max in start and end")
        request = _request("bracket", contig, starts[0], ends[1], variant_type=vtype,
                                 start_max=starts[1], end_min=ends[0], end_max=ends[1])
        return _with_lengths(request, min_len, max_len, impossible)
    start = starts[0]
    if ends:
        if ends[0] <= start:
            raise InvalidInputError(f"range query: end ({ends[0]}) must be greater than start "
                                    f"({start})")
        request = _request("range", contig, start, ends[0], ref=_plain(ref),
                                 alt=_plain(alt), variant_type=vtype,
                                 check=_alt_check(alt))
        return _with_lengths(request, min_len, max_len, impossible)
    if alt is None:
        raise InvalidInputError("a sequence query (start without end) needs alternateBases")
    end = start + (len(ref) if ref else 1)
    request = _request("sequence", contig, start, end, ref=_plain(ref), alt=_plain(alt),
                             variant_type=vtype, check=_alt_check(alt))
    return _with_lengths(request, min_len, max_len, impossible)


def _plain(bases: str | None) -> str | None:
    """Bases usable for an exact index match (no wildcards or gaps)."""
    if bases is None or re.search(r"[^ACGT]", bases):
        return None
    return bases


def _alt_check(alt: str | None) -> AlleleCheck | None:
    if alt is None or _plain(alt) is not None:
        return None
    if alt in ("N", "."):
        return AlleleCheck(alt_pattern="[ACGTN]+") if alt == "." else AlleleCheck(alt_len=1)
    return AlleleCheck(alt_pattern=alt.replace("N", "[ACGTN]").replace("-", ""))


def _with_lengths(request: VariantRequest, min_len: int | None, max_len: int | None,
                  impossible: bool) -> VariantRequest:
    if min_len is None and max_len is None and not impossible:
        return request
    check = replace(request.check or AlleleCheck(), min_length=min_len, max_length=max_len)
    return replace(request, check=check, impossible=impossible)

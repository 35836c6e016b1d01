"""Read GA4GH Phenopacket v2 JSON Lines into :class:`IndividualRecord` objects.

Validation is protobuf's: a line is valid exactly when
``google.protobuf.json_format.Parse(line, Phenopacket())`` accepts it. That call costs about
0.5 ms per line, too slow for a million individuals, so each line is decoded with orjson and
walked against the Phenopacket message descriptor by :class:`_FastValidator`, which accepts only
shapes it is certain protobuf accepts (known fields, right JSON types, valid enum names, valid
timestamps). Anything else — a problem, or an unusual but perhaps valid construct (``Any``,
``Struct``, numbers as strings, nulls) — is handed to ``json_format.Parse``, whose verdict and
message are authoritative.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.timestamp_pb2 import Timestamp
from phenopackets import Phenopacket

from onemg.catalogue.records import (
    Annotation,
    BiosampleInfo,
    IndividualRecord,
    SequencingInfo,
    duration_years,
)
from onemg.errors import InvalidInputError
from onemg.ontology import Ontology

_SEX = {"FEMALE": "female", "MALE": "male", 1: "female", 2: "male"}
_F = FieldDescriptor
_INT_TYPES = {_F.CPPTYPE_INT32, _F.CPPTYPE_INT64, _F.CPPTYPE_UINT32, _F.CPPTYPE_UINT64}


class _FallbackError(Exception):
    """The fast walk cannot vouch for this line; ``path`` is where it stopped."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class _FastValidator:
    """Walks decoded JSON against a message descriptor; raises ``_FallbackError`` when unsure."""

    def __init__(self) -> None:
        # (message full name, json key) -> (field, kind, is_map, is_repeated, oneof name); the
        # descriptor look-ups are slow enough to matter at a million lines.
        self._fields: dict[tuple[str, str], tuple[Any, ...] | None] = {}
        self._timestamps: set[str] = set()
        self._seen_parts: set[tuple[str, bytes]] = set()

    def _spec(self, desc: Descriptor, key: str) -> tuple[Any, ...] | None:
        k = (desc.full_name, key)
        if k in self._fields:
            return self._fields[k]
        field = desc.fields_by_camelcase_name.get(key) or desc.fields_by_name.get(key)
        spec = None
        if field is not None:
            is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
            value_field = field.message_type.fields_by_name["value"] if is_map else field
            oneof = field.containing_oneof.name if field.containing_oneof is not None else None
            spec = (value_field, is_map, field.is_repeated and not is_map, oneof)
        self._fields[k] = spec
        return spec

    def top_level(self, desc: Descriptor, obj: dict[str, Any]) -> None:
        """Validate a whole phenopacket, skipping top-level parts seen (byte-identical) before.

        Parts such as ``metaData`` repeat verbatim on every line; re-serialising them with orjson
        is several times cheaper than walking them again.
        """
        seen = self._seen_parts
        if len(seen) > 100_000:
            seen.clear()
        for key, value in obj.items():
            blob = orjson.dumps(value) if isinstance(value, (dict, list)) else None
            if blob is not None and (key, blob) in seen:
                continue
            self.message(desc, {key: value}, "")
            if blob is not None:
                seen.add((key, blob))

    def message(self, desc: Descriptor, obj: Any, path: str) -> None:
        if not isinstance(obj, dict):
            raise _FallbackError(path)
        oneofs: set[str] = set()
        for key, value in obj.items():
            fpath = f"{path}.{key}" if path else key
            spec = self._spec(desc, key)
            if spec is None or value is None:
                raise _FallbackError(fpath)
            field, is_map, is_repeated, oneof = spec
            if oneof is not None:
                if oneof in oneofs:
                    raise _FallbackError(fpath)
                oneofs.add(oneof)
            if is_map:
                if not isinstance(value, dict):
                    raise _FallbackError(fpath)
                for mk, mv in value.items():
                    self.value(field, mv, f"{fpath}.{mk}")
            elif is_repeated:
                if not isinstance(value, list):
                    raise _FallbackError(fpath)
                for i, item in enumerate(value):
                    self.value(field, item, f"{fpath}[{i}]")
            else:
                self.value(field, value, fpath)

    def value(self, field: FieldDescriptor, value: Any, path: str) -> None:
        cpp = field.cpp_type
        if cpp == _F.CPPTYPE_MESSAGE:
            name = field.message_type.full_name
            if name == "google.protobuf.Timestamp":
                if not isinstance(value, str):
                    raise _FallbackError(path)
                if value not in self._timestamps:
                    try:
                        Timestamp().FromJsonString(value)
                    except ValueError:
                        raise _FallbackError(path) from None
                    self._timestamps.add(value)
            elif name.startswith("google.protobuf."):
                raise _FallbackError(path)
            else:
                self.message(field.message_type, value, path)
        elif cpp == _F.CPPTYPE_STRING:
            if not isinstance(value, str) or field.type == _F.TYPE_BYTES:
                raise _FallbackError(path)
        elif cpp == _F.CPPTYPE_ENUM:
            if not isinstance(value, str) or field.enum_type.values_by_name.get(value) is None:
                raise _FallbackError(path)
        elif cpp == _F.CPPTYPE_BOOL:
            if not isinstance(value, bool):
                raise _FallbackError(path)
        elif cpp in _INT_TYPES:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0 and \
                    cpp in (_F.CPPTYPE_UINT32, _F.CPPTYPE_UINT64) or abs(value) >= 2**31:
                raise _FallbackError(path)
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _FallbackError(path)


_AT = re.compile(r"\s+at \S+$")


def _invalid(where: str, path: str, exc: Exception) -> InvalidInputError:
    # protobuf nests "Failed to parse X field: " per level; the innermost reason is the useful part.
    reason = str(exc).rsplit(" field: ", 1)[-1].strip().rstrip(".")
    reason = _AT.sub("", reason).rstrip(".")
    return InvalidInputError(f"{where}: field {path!r}: {reason}; fix the value or remove the "
                             f"field (Phenopacket v2 JSON, camelCase field names)")


def _term(obj: dict[str, Any] | None) -> tuple[str | None, str | None]:
    if not obj:
        return None, None
    return obj.get("id"), obj.get("label")


def _onset(element: dict[str, Any] | None) -> float | None:
    age = (element or {}).get("age") or {}
    iso = age.get("iso8601duration")
    return duration_years(iso) if iso else None


def _date(timestamp: str | None) -> str | None:
    return timestamp[:10] if timestamp else None


def _record(obj: dict[str, Any], where: str, lineno: int) -> IndividualRecord:
    """Extract the catalogue's view of one validated phenopacket."""
    subject = obj.get("subject") or {}
    pid, sid = obj.get("id"), subject.get("id")
    if not pid and not sid:
        raise InvalidInputError(f"{where}: field 'id': missing; each phenopacket needs an id equal "
                                f"to its VCF sample name")
    if pid and sid and pid != sid:
        raise InvalidInputError(f"{where}: field 'subject.id': {sid!r} differs from 'id' {pid!r}; "
                                f"onemg expects both to be the VCF sample name")
    dob = subject.get("dateOfBirth")
    diseases = tuple(
        Annotation(d["term"]["id"], d["term"].get("label", ""), _onset(d.get("onset")))
        for d in obj.get("diseases", ())
        if not d.get("excluded") and (d.get("term") or {}).get("id"))
    features = tuple(
        Annotation(f["type"]["id"], f["type"].get("label", ""), _onset(f.get("onset")))
        for f in obj.get("phenotypicFeatures", ())
        if not f.get("excluded") and (f.get("type") or {}).get("id"))
    biosample = sequencing = None
    samples = obj.get("biosamples") or ()
    if samples:
        bs = samples[0]
        tissue_id, tissue_label = _term(bs.get("sampledTissue"))
        type_id, type_label = _term(bs.get("sampleType"))
        bs_id = bs.get("id") or f"{pid or sid}-biosample"
        biosample = BiosampleInfo(
            id=bs_id, tissue_id=tissue_id, tissue_label=tissue_label, sample_type_id=type_id,
            sample_type_label=type_label,
            collection_date=_date((bs.get("timeOfCollection") or {}).get("timestamp")))
        files = bs.get("files") or obj.get("files") or ()
        if files:
            attrs = files[0].get("fileAttributes") or {}
            sequencing = SequencingInfo(
                run_id=attrs.get("runId") or f"{bs_id}-run",
                analysis_id=attrs.get("analysisId") or f"{bs_id}-analysis",
                platform=attrs.get("platform"), assembly=attrs.get("genomeAssembly"),
                pipeline=attrs.get("pipeline"), run_date=attrs.get("runDate"),
                analysis_date=attrs.get("analysisDate"), file_uri=files[0].get("uri"),
                file_format=attrs.get("fileFormat"))
    return IndividualRecord(
        id=pid or sid, sex=_SEX.get(subject.get("sex"), "unknown"),
        year_of_birth=int(dob[:4]) if dob else None, diseases=diseases, features=features,
        biosample=biosample, sequencing=sequencing, line=lineno)


def parse_phenopacket_lines(lines: Iterable[bytes | str], *, source: str = "individuals.jsonl"
                            ) -> list[IndividualRecord]:
    """Parse Phenopacket JSON lines (blank lines skipped); see :func:`parse_phenopackets`."""
    # The cyclic GC would rescan the growing list of records again and again (quadratic-ish at a
    # million lines) although nothing here forms cycles; pause it for the loop.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_lines(lines, source)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse_lines(lines: Iterable[bytes | str], source: str) -> list[IndividualRecord]:
    validator = _FastValidator()
    records: list[IndividualRecord] = []
    first_line: dict[str, int] = {}
    desc = Phenopacket.DESCRIPTOR
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source} line {lineno}"
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InvalidInputError(f"{where}: not valid JSON ({exc}); each line must hold one "
                                    f"Phenopacket JSON object") from None
        if not isinstance(obj, dict):
            raise InvalidInputError(f"{where}: expected a JSON object (one Phenopacket), got "
                                    f"{type(obj).__name__}")
        try:
            validator.top_level(desc, obj)
        except _FallbackError as fb:
            try:
                json_format.ParseDict(obj, Phenopacket())
            except json_format.ParseError as exc:
                raise _invalid(where, fb.path, exc) from None
        record = _record(obj, where, lineno)
        if record.id in first_line:
            raise InvalidInputError(
                f"{source}: duplicate individual id {record.id!r} on lines "
                f"{first_line[record.id]} and {lineno}; every individual must appear once")
        first_line[record.id] = lineno
        records.append(record)
    return records


def parse_phenopackets(path: Path) -> list[IndividualRecord]:
    """Parse a Phenopacket v2 JSON Lines file (one phenopacket per line).

    Raises:
        InvalidInputError: a line is not JSON, not a valid Phenopacket (the message names the line
            and field), lacks an id, or repeats an earlier id (both lines named).
        NotFoundError: the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        from onemg.errors import NotFoundError

        raise NotFoundError(f"metadata file {path} does not exist; pass the individuals.jsonl "
                            f"written by `onemg synth` or your own Phenopacket JSON Lines")
    with path.open("rb") as fh:
        return parse_phenopacket_lines(fh, source=str(path.name))


def check_terms(records: Iterable[IndividualRecord], ontology: Ontology) -> None:
    """Raise if any record uses an unknown, obsolete, malformed or non-canonical ontology id.

    Raises:
        InvalidInputError: lists every problem once, with the first line using the id and, for
            obsolete HPO terms, the replacement.
    """
    first: dict[str, int] = {}
    for rec in records:
        for term_id in rec.term_ids():
            first.setdefault(term_id, rec.line)
        if rec.biosample and rec.biosample.tissue_id:
            first.setdefault(rec.biosample.tissue_id, rec.line)
    problems = ontology.validate_terms(first)
    if problems:
        listed = "; ".join(f"line {first[p.term]}: {p.message}" for p in problems)
        raise InvalidInputError(f"{len(problems)} ontology term problem(s): {listed}")

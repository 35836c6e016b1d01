"""Turn parsed records into the row lists one dataset version is stored as (pure Python)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from onemg.catalogue.records import IndividualRecord
from onemg.errors import InvalidInputError
from onemg.ontology import Ontology


@dataclass
class VersionRows:
    """Rows for every version-scoped table, without ``vid`` (the store adds it)."""

    individuals: list[dict[str, Any]] = field(default_factory=list)
    biosamples: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    analyses: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    terms: list[dict[str, Any]] = field(default_factory=list)
    closure: list[dict[str, Any]] = field(default_factory=list)
    bitsets: list[dict[str, Any]] = field(default_factory=list)


#: Ancestors with at least this many members (and too few for a bitset) get their sorted member
#: list as one row: a cold filter then reads one blob instead of probing the annotation index
#: once per member (about 16 us each on SQLite: 25 ms for 1,556 members; see docs/scale.md).
LIST_MIN_MEMBERS = 256


def build_rows(records: Sequence[IndividualRecord], sample_ids: Sequence[str],
               country: str | None, ontology: Ontology, *,
               bitset_min_members: int | None = None) -> VersionRows:
    """Rows for a version whose individuals are ``sample_ids`` in that (dense index) order.

    Samples without a record get an individual row with unknown sex and nothing else. Ancestor
    terms with at least ``bitset_min_members`` members (default ``max(1024, n // 64)``, where a
    bitset is smaller than the index list it replaces) get a precomputed bitset row; terms with
    at least :data:`LIST_MIN_MEMBERS` (but fewer) get their members as a packed int32 list in
    the same table (told apart by length: a list is always shorter than ``ceil(n / 8)``).

    Raises:
        InvalidInputError: duplicate sample, biosample, run or analysis ids, or records whose id
            is not a sample.
    """
    position = {sid: i for i, sid in enumerate(sample_ids)}
    if len(position) != len(sample_ids):
        dups = [s for s, c in Counter(sample_ids).items() if c > 1]
        raise InvalidInputError(f"sample ids repeat: {dups[:10]}; VCF sample names must be unique")
    missing = [r.id for r in records if r.id not in position]
    if missing:
        raise InvalidInputError(
            f"{len(missing)} metadata record(s) name no genotyped sample, e.g. {missing[:10]}; "
            f"fix the ids or drop those records")
    by_id = {r.id: r for r in records}
    rows = VersionRows()
    labels: dict[str, tuple[str, str]] = {}  # term -> (label, kind) as first seen
    seen_ann: set[tuple[int, str, str]] = set()
    for idx, sid in enumerate(sample_ids):
        rec = by_id.get(sid)
        rows.individuals.append({
            "idx": idx, "id": sid, "sex": rec.sex if rec else "unknown",
            "year_of_birth": rec.year_of_birth if rec else None, "country": country})
        if rec is None:
            continue
        for kind, items in (("disease", rec.diseases), ("feature", rec.features)):
            for a in items:
                key = (idx, kind, a.term_id)
                if key in seen_ann:
                    continue
                seen_ann.add(key)
                rows.annotations.append({"idx": idx, "kind": kind, "term": a.term_id,
                                         "onset_years": a.onset_age_years})
                labels.setdefault(a.term_id, (a.label, kind))
        bs = rec.biosample
        if bs is None:
            continue
        rows.biosamples.append({
            "idx": idx, "id": bs.id, "tissue_id": bs.tissue_id, "tissue_label": bs.tissue_label,
            "sample_type_id": bs.sample_type_id, "sample_type_label": bs.sample_type_label,
            "collection_date": bs.collection_date})
        if bs.tissue_id and (idx, "tissue", bs.tissue_id) not in seen_ann:
            seen_ann.add((idx, "tissue", bs.tissue_id))
            rows.annotations.append({"idx": idx, "kind": "tissue", "term": bs.tissue_id,
                                     "onset_years": None})
            labels.setdefault(bs.tissue_id, (bs.tissue_label or "", "tissue"))
        seq = rec.sequencing
        if seq is None:
            continue
        rows.runs.append({"idx": idx, "id": seq.run_id, "biosample_id": bs.id,
                          "platform": seq.platform, "run_date": seq.run_date})
        rows.analyses.append({
            "idx": idx, "id": seq.analysis_id, "biosample_id": bs.id, "run_id": seq.run_id,
            "pipeline": seq.pipeline, "analysis_date": seq.analysis_date,
            "assembly": seq.assembly, "file_uri": seq.file_uri, "file_format": seq.file_format})
    for name, items in (("biosample", rows.biosamples), ("run", rows.runs),
                        ("analysis", rows.analyses)):
        counts = Counter(r["id"] for r in items)
        if len(counts) != len(items):
            dups = [i for i, c in counts.items() if c > 1][:10]
            raise InvalidInputError(f"{name} ids repeat across individuals: {dups}; give every "
                                    f"{name} its own id")
    _add_terms(rows, labels, ontology)
    n = len(sample_ids)
    _add_bitsets(rows, n, max(1024, n // 64) if bitset_min_members is None
                 else bitset_min_members)
    return rows


def _add_terms(rows: VersionRows, labels: dict[str, tuple[str, str]], ontology: Ontology) -> None:
    """Closure rows (term -> each ancestor incl. itself) and labelled term rows."""
    term_rows: dict[str, dict[str, Any]] = {}
    for term, (label, kind) in labels.items():
        term_rows[term] = {"term": term, "label": label or ontology.label(term) or term,
                           "annotated": True, "kind": kind}
    for term in labels:
        for ancestor in sorted(ontology.ancestors(term)):
            rows.closure.append({"ancestor": ancestor, "term": term})
            if ancestor not in term_rows:
                term_rows[ancestor] = {"term": ancestor,
                                       "label": ontology.label(ancestor) or ancestor,
                                       "annotated": False, "kind": None}
    rows.terms = list(term_rows.values())


def _add_bitsets(rows: VersionRows, n: int, min_members: int) -> None:
    """Member rows: a packed bitset for every ancestor with at least ``min_members``
    individuals, a sorted int32 list for those with at least ``LIST_MIN_MEMBERS``."""
    by_term: dict[str, list[int]] = defaultdict(list)
    for a in rows.annotations:
        by_term[a["term"]].append(a["idx"])
    members = {term: np.asarray(idx, dtype=np.int64) for term, idx in by_term.items()}
    below: dict[str, list[str]] = defaultdict(list)
    for c in rows.closure:
        below[c["ancestor"]].append(c["term"])
    list_min = min(LIST_MIN_MEMBERS, min_members)
    for ancestor, terms in below.items():
        if sum(len(members[t]) for t in terms) < list_min:
            continue  # an upper bound on the member count: cheap to rule out most ancestors
        mask = np.zeros(n, dtype=bool)
        for term in terms:
            mask[members[term]] = True
        count = int(mask.sum())
        # A list exactly as long as the bitset would be read as one: store the bitset instead.
        if count >= min_members or (count >= list_min and 4 * count == (n + 7) // 8):
            blob = np.packbits(mask, bitorder="little").tobytes()
        elif count >= list_min:
            blob = np.flatnonzero(mask).astype("<i4").tobytes()
        else:
            continue
        rows.bitsets.append({"ancestor": ancestor, "members": count, "bits": blob})

"""Answering Beacon entry queries: scope, policy, set algebra, privacy floor, records.

One function, :func:`answer`, serves every entry path. A request is reduced per dataset to one of
two things: a set of individuals (for individuals, biosamples, runs, analyses: one each per
individual) or a list of variant rows (for g_variants). Filters give an individual set; variant
parameters give rows; a path id (``/individuals/{id}/...``, ``/g_variants/{id}/...``) constrains
either. Cross-entry queries meet in the middle: carriers of rows within an individual set, or rows
carried by at least one individual of a set.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from onemg.beacon import responses as rsp
from onemg.beacon.frequencies import disclose, population_counts
from onemg.beacon.policy import (
    ANONYMOUS_USER,
    TIER_CREDENTIAL,
    Decision,
    decide,
    differencing_filters,
    filter_tier,
    floor_count,
    record_scope,
    resource_of,
    total,
    unlocked_by,
)
from onemg.beacon.store import DatasetHandle, NodeData
from onemg.beacon.variant_records import case_level, frequencies, variant_record
from onemg.beacon.variants import VariantRequest, parse_variant
from onemg.catalogue.filters import UnknownFilterError
from onemg.errors import AccessDeniedError, InvalidInputError, NotFoundError
from onemg.genomics.normalize import normalize_allele, normalize_contig
from onemg.individual_set import IndividualSet
from onemg.privacy.audit import HeldAudit
from onemg.privacy.budget import BudgetSpentError
from onemg.privacy.guard import AnswerFacts, PrivacyGuard, PrivacyRefusedError, floor_only
from onemg.protocol.filters import filter_summary
from onemg.protocol.request import BeaconRequest
from onemg.protocol.vocabulary import BY_PATH, EntryType
from onemg.security import AuditSink, Principal
from onemg.settings import BeaconSettings

_MAX_CASES = 1000  # caseLevelData entries per variant record
#: What ``info.privacy`` says about perturbed answers (docs/privacy.md).
PERTURBED_NOTE = ("answers about rare alleles and filtered counts from these datasets carry "
                  "privacy noise (countPrecision imprecise, countAdjustedTo ~L-U: the 99% "
                  "interval); asking again gives the same answer")
#: The audit ``action`` of every Beacon entry-request decision.
AUDIT_ACTION = "beacon.query"

#: Entry types whose records are one per individual (same dense index in a dataset).
PER_INDIVIDUAL: frozenset[str] = frozenset({"individuals", "biosamples", "runs", "analyses"})


@dataclass(frozen=True)
class Source:
    """The ``/{entry}/{id}`` part of a path such as ``/individuals/{id}/g_variants``."""

    entry: str  # path segment
    id: str


@dataclass
class _Hit:
    """One dataset's answer before disclosure rules: a set or rows, and its exact size."""

    ds: DatasetHandle
    count: int
    members: IndividualSet | None = None
    rows: np.ndarray | None = None
    within: IndividualSet | None = None
    #: g_variants: the rows matching the variant query before any filter narrowed them.
    unfiltered: np.ndarray | None = None
    #: The answer rests on matched variant rows (a variant query or a variant path id).
    variant: bool = False


def _requested(store: NodeData, request: BeaconRequest) -> list[DatasetHandle]:
    if request.dataset_ids is not None:
        return [store.dataset(d) for d in request.dataset_ids]
    return store.datasets()


def _scope(store: NodeData, request: BeaconRequest, source: Source | None,
           readable: list[str] | None = None) -> list[DatasetHandle]:
    handles = _requested(store, request)
    if readable is not None:
        # A per-record request only ever looks into datasets whose records the caller may read.
        handles = [h for h in handles if h.id in readable]
    if source is not None and source.entry == "datasets":
        ds = store.dataset(source.id)
        handles = [h for h in handles if h.id == ds.id]
    if source is not None and source.entry == "cohorts":
        wanted = _cohort_datasets(store, source.id)
        handles = [h for h in handles if h.id in wanted]
    if source is not None and source.entry in PER_INDIVIDUAL:
        # A record id lives in some datasets only; the others are not part of the question.
        # (Not a variant id: whether a dataset holds a variant is what the answer protects.)
        handles = [h for h in handles if _holds(store, h, source)]
        if not handles:
            where = "you may read records of" if readable is not None else "on this node"
            raise NotFoundError(f"{BY_PATH[source.entry].id} {source.id!r} is not in any "
                                f"dataset {where}")
    return handles


def digest(value: str) -> str:
    """A short digest standing for an unvalidated client string in the audit log."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _narrowing_checks(store: NodeData, request: BeaconRequest, target: EntryType,
                      source: Source | None, principal: Principal, *, audit: AuditSink,
                      origin: str | None) -> list[str] | None:
    """Apply the narrowing rules of :mod:`onemg.beacon.policy` before any record is read.

    Returns the datasets a per-record request may read (``None`` for population requests).
    """
    user = principal.subject or ANONYMOUS_USER
    requested = _requested(store, request)
    ids = ",".join(h.id for h in requested) if request.dataset_ids is not None else "*"
    readable = None
    if source is not None and source.entry in PER_INDIVIDUAL:
        readable = record_scope(
            [(h.id, h.access) for h in requested], principal,
            explicit=request.dataset_ids is not None, audit=audit, action=AUDIT_ACTION,
            resource=resource_of(ids, f"{source.entry}/{{id}}/{target.path}"),
            origin=origin)
    risky = differencing_filters(request.filters)
    if risky:
        blocked: dict[str, str] = {}
        for h in requested:
            tiers = principal.tiers_for(h.id)
            if h.access.get("boolean") not in tiers:
                continue  # not queryable at all: the policy leaves it out
            needed = filter_tier(getattr(h.info, "access", None), h.access)
            if needed not in tiers:
                blocked[h.id] = needed
        if blocked:
            names = ", ".join(filter_summary(tuple(risky)))
            audit.record(user=user, action=AUDIT_ACTION, resource=resource_of(ids, target.path),
                         result="denied", reason=f"requested={request.granularity} "
                         "returned=none (403: negated/range filter needs "
                         f"{'/'.join(sorted(set(blocked.values())))})", origin=origin)
            raise AccessDeniedError(
                f"negated (!) and range (<, >, <=, >=) filters ({names}) would let counts be "
                "subtracted down to a single person, so they need "
                f"{' or '.join(sorted(set(blocked.values())))} access on dataset(s) "
                f"{', '.join(blocked)}; use = filters, or limit the query with datasetIds to "
                "datasets you hold that access for")
    return readable


def audit_refusal(store: NodeData, request: BeaconRequest, target: EntryType,
                  source: Source | None, *, audit: AuditSink, status: int,
                  origin: str | None = None, why: str | None = None) -> None:
    """Audit a request refused before the policy ran (bad credentials: 401 or 403).

    One entry per request, however many ``datasetIds`` it names (issue 11 §5): the resource
    holds only dataset ids this node publishes; anything else the client sent (unknown dataset
    ids, a path id) is recorded as a count and a digest, never as sent. The caller is recorded
    as ``anonymous``: its credentials were not accepted, and nothing read from them is logged.
    Cheap on purpose (no record lookups): a refused request must not cost the node more work.
    ``why`` is the verifier's reason; the sink escapes it like every other field.
    """
    notes = []
    if request.dataset_ids is not None:
        known = [d for d in request.dataset_ids if d in store.handles]
        unknown = [d for d in request.dataset_ids if d not in store.handles]
        ids = ",".join(known) or "none"
        if unknown:
            notes.append(f"{len(unknown)} unknown dataset id(s) {digest(chr(31).join(unknown))}")
    else:
        ids = "*"
    path = target.path
    if source is not None:
        if source.entry == "datasets" and source.id in store.handles:
            ids = source.id
        else:
            notes.append(f"path id {digest(source.id)}")
        path = f"{source.entry}/{{id}}/{target.path}"
    if why:
        notes.insert(0, why[:300])
    extra = f"; {'; '.join(notes)}" if notes else ""
    audit.record(user=ANONYMOUS_USER, action=AUDIT_ACTION, resource=resource_of(ids, path),
                 result="denied", reason=f"requested={request.granularity} returned=none "
                 f"({status}: credentials rejected){extra}", origin=origin)


def _holds(store: NodeData, ds: DatasetHandle, source: Source) -> bool:
    if source.entry == "g_variants":
        try:
            ds.index.lookup(source.id)
        except (NotFoundError, InvalidInputError):
            return False
        return True
    return store.index_of(ds.id, BY_PATH[source.entry].id, source.id) is not None


def _cohort_datasets(store: NodeData, cohort_id: str) -> set[str]:
    for record in store.collections("cohort"):
        if record.get("id") == cohort_id:
            linked = record.get("datasetIds") or record.get("datasets") or []
            ids = {str(x) for x in linked} if isinstance(linked, list) else set()
            # One study cohort per dataset: a cohort shares its dataset's id unless linked.
            return ids or ({cohort_id} if cohort_id in store.handles else set(store.handles))
    raise NotFoundError(f"cohort {cohort_id!r} is not on this node")


def _rows(ds: DatasetHandle, vq: VariantRequest) -> np.ndarray:
    if vq.impossible:
        return np.zeros(0, dtype=np.int64)
    rows = ds.index.find(vq.query)
    if vq.check is not None and rows.size:
        keep = [v.row for v in ds.index.variants(rows) if vq.check.accepts(v.pos, v.ref, v.alt)]
        rows = np.asarray(keep, dtype=np.int64)
    return rows


def _filters(store: NodeData, ds: DatasetHandle, request: BeaconRequest
             ) -> IndividualSet | None | UnknownFilterError:
    try:
        return store.filter_set(ds.id, request.filters)
    except UnknownFilterError as exc:
        return exc


def _compute(store: NodeData, ds: DatasetHandle, target: EntryType, request: BeaconRequest,
             vq: VariantRequest | None, source: Source | None, within: IndividualSet | None,
             need_members: bool) -> _Hit | None:
    """One dataset's exact answer, or ``None`` when the path id is not in this dataset."""
    index = ds.index
    src_rows: np.ndarray | None = None
    if source is not None and source.entry in PER_INDIVIDUAL:
        idx = store.index_of(ds.id, BY_PATH[source.entry].id, source.id)
        if idx is None:
            return None
        one = IndividualSet.from_indices([idx], ds.n)
        within = one if within is None else (within & one)
    elif source is not None and source.entry == "g_variants":
        try:
            src_rows = np.asarray([index.lookup(source.id)], dtype=np.int64)
        except NotFoundError:
            # An absent variant is a variant nobody carries, answered like a rare one: a 404
            # here and a floored or noisy answer for a present one would tell them apart.
            src_rows = np.zeros(0, dtype=np.int64)
    if target.path == "g_variants":
        rows = src_rows if src_rows is not None else (
            _rows(ds, vq) if vq is not None else np.arange(index.n_variants, dtype=np.int64))
        if vq is not None and src_rows is not None:
            rows = np.intersect1d(rows, _rows(ds, vq))
        unfiltered = rows
        if within is not None and rows.size:
            rows = index.rows_carried_by(rows, within)
        return _Hit(ds, int(rows.size), rows=rows, within=within, unfiltered=unfiltered,
                    variant=vq is not None or src_rows is not None)
    rows = src_rows
    if vq is not None:
        rows = _rows(ds, vq) if rows is None else np.intersect1d(rows, _rows(ds, vq))
    if rows is None:
        members = within if within is not None else None
        count = len(members) if members is not None else ds.n
        if need_members and members is None:
            members = IndividualSet.all(ds.n)
        return _Hit(ds, count, members=members, within=within)
    if not need_members:
        # The hot path: one popcount per row, no set is materialised.
        return _Hit(ds, index.count_carriers(rows, within=within) if rows.size else 0,
                    rows=rows, within=within, variant=True)
    members = index.carrier_set(rows, within=within) if rows.size else IndividualSet.empty(ds.n)
    return _Hit(ds, len(members), members=members, rows=rows, within=within, variant=True)


def _hits(store: NodeData, request: BeaconRequest, target: EntryType,
          vq: VariantRequest | None, source: Source | None, decision: Decision
          ) -> tuple[list[_Hit], list[UnknownFilterError]]:
    """Each answered dataset's exact answer (and the datasets that do not know a filter)."""
    hits: list[_Hit] = []
    unknown: list[UnknownFilterError] = []
    for ds in (store.handles[d] for d in decision.dataset_ids):
        within = _filters(store, ds, request)
        if isinstance(within, UnknownFilterError):
            # Unknown here but maybe known elsewhere: this dataset simply has no match.
            unknown.append(within)
            hits.append(_Hit(ds, 0, members=IndividualSet.empty(ds.n),
                             rows=np.zeros(0, dtype=np.int64)))
            continue
        hit = _compute(store, ds, target, request, vq, source, within,
                       decision.of(ds.id) == "record")
        if hit is not None:
            hits.append(hit)
    if unknown and len(unknown) == len(decision.dataset_ids):
        raise unknown[0]
    if source is not None and source.entry != "datasets" and source.entry != "cohorts" \
            and not hits:
        raise NotFoundError(f"{BY_PATH[source.entry].id} {source.id!r} is not in any dataset "
                            "you may query on this node")
    return hits, unknown


def _override(ds: DatasetHandle) -> dict[str, Any] | None:
    """The dataset descriptor's ``privacy`` object (docs/privacy.md)."""
    descriptor = getattr(ds.info, "descriptor", None)
    return descriptor.get("privacy") if isinstance(descriptor, dict) else None


def _facts(hit: _Hit, target: EntryType, principal: Principal, k: int, *,
           question: Callable[[], str]) -> AnswerFacts:
    """What the privacy guard needs to know about one dataset's exact answer."""
    ds = hit.ds
    # Below the record tier of the dataset: protected. A caller holding it could list the
    # records anyway, so its counts are exact at every granularity.
    protect = ds.access.get("record") not in principal.tiers_for(ds.id)
    if not protect:
        return AnswerFacts(ds.id, ds.n, hit.count, protect=False)
    rows = hit.rows if hit.variant and hit.rows is not None else None
    index = ds.index

    def people() -> int:
        return index.count_carriers(rows, within=hit.within) if rows is not None \
            and rows.size else 0

    def at_least(k: int) -> bool:
        if rows is None or not rows.size:
            return False
        # One row carried by k people settles it without the union (unfiltered answers).
        if hit.within is None and int(index.carrier_counts(rows).max()) >= k:
            return True
        return people() >= k

    return AnswerFacts(
        ds.id, ds.n, hit.count, protect=True,
        # Fewer than k people behind the answer (filters down to a handful, a tiny dataset):
        # even a large count (their variants) is theirs alone.
        few_people=_few_people(hit, target, k),
        variant=hit.variant,
        max_af=index.max_allele_frequency(rows) if rows is not None else 0.0,
        filtered=hit.within is not None,
        key=functools.cache(lambda: _answer_key(hit, target, rows)), question=question,
        override=_override(ds), people=people,
        counts_variants=target.path == "g_variants" and rows is not None, at_least=at_least,
        people_set=(lambda: _people_set(hit, target)) if hit.within is not None else None)


def _people_set(hit: _Hit, target: EntryType) -> tuple[str, IndividualSet]:
    """A filtered count's family (what it counts apart from the people) and its people."""
    ds = hit.ds
    h = hashlib.sha256(f"{ds.id}\x1f{ds.version}\x1f{target.path}\x1f".encode())
    if target.path == "g_variants":
        # A count of variants: the same rows before the filters, counted over other people.
        rows = hit.unfiltered if hit.unfiltered is not None else np.zeros(0, dtype=np.int64)
        h.update(b"rows:" + np.sort(rows).astype(np.int64).tobytes())
        people = hit.within
    elif hit.members is not None:
        people = hit.members
    elif hit.rows is not None:
        people = (ds.index.carrier_set(hit.rows, within=hit.within) if hit.rows.size
                  else IndividualSet.empty(ds.n))
    else:
        people = hit.within
    assert people is not None  # only called for filtered counts
    return h.hexdigest()[:32], people


def _question_key(ds: DatasetHandle, target: EntryType, request: BeaconRequest,
                  vq: VariantRequest | None, source: Source | None) -> Callable[[], str]:
    """A digest of the question asked of one dataset, from the request alone (not the data).

    Budgets charge per question: whether a question was asked before must not depend on the
    data. Keyed by what the answer counts (:func:`_answer_key`), every absent variant was one
    question (nothing matched), so past a spent budget a question about an absent allele was
    answered as a repeat while one about a present rare allele was refused. Spelling that
    cannot change the question is normalised (contig names, allele trimming, filter order).
    """

    def digest() -> str:
        h = hashlib.sha256(f"{ds.id}\x1f{ds.version}\x1f{target.path}\x1f".encode())
        if source is not None:
            h.update(f"source:{source.entry}/{source.id}\x1f".encode())
        if vq is not None:
            q = dataclasses.replace(vq.query, contig=normalize_contig(vq.query.contig))
            if (q.resolved_kind() == "sequence" and q.start is not None and q.ref and q.alt
                    and "N" not in (q.ref.upper(), q.alt.upper())):
                pos, ref, alt = normalize_allele(q.start + 1, q.ref, q.alt)
                q = dataclasses.replace(q, start=pos - 1, ref=ref.upper(), alt=alt.upper())
            h.update(f"variant:{q!r}\x1f{vq.check!r}\x1f{vq.impossible}\x1f".encode())
        h.update(f"filters:{sorted(repr(f) for f in request.filters)!r}".encode())
        return h.hexdigest()[:32]

    return functools.cache(digest)


def _answer_key(hit: _Hit, target: EntryType, rows: np.ndarray | None) -> str:
    """A digest of what an answer counts: the same for every wording of the same question."""
    h = hashlib.sha256()
    h.update(f"{hit.ds.id}\x1f{hit.ds.version}\x1f{target.path}\x1f".encode())
    h.update(b"rows:" + (np.sort(rows).astype(np.int64).tobytes() if rows is not None else b"-"))
    h.update(b"within:" + (hit.within.bits.tobytes() if hit.within is not None else b"-"))
    return h.hexdigest()[:32]


def _refusal_reason(exc: Exception) -> str:
    if isinstance(exc, BudgetSpentError):
        return (f"{exc.ledger} budget spent on {exc.dataset_id} "
                f"({exc.spent:.6g}/{exc.limit:g})")
    return "rare-allele query from an anonymous caller"


def answer(
    store: NodeData,
    request: BeaconRequest,
    target: EntryType,
    principal: Principal,
    *,
    settings: BeaconSettings,
    audit: AuditSink,
    privacy: PrivacyGuard | None = None,
    source: Source | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """Answer one entry request (``/{target}``, ``/{target}/{id}`` or ``/{src}/{id}/{target}``).

    ``privacy`` discloses the counts (floors, perturbation, risk budgets: ``onemg.privacy``);
    without it counts get the k floor alone. The per-dataset decisions are audited once the
    disclosure is known: a request the privacy rules refuse leaves one denial, as every other
    refusal does.

    Raises:
        InvalidInputError: malformed parameters or filters unknown to every dataset in scope.
        NotFoundError: an unknown dataset id, or a path id found in no dataset in scope.
        AccessDeniedError: an authenticated caller asked for more than it may see; the privacy
            rules refuse the answer (anonymous rare-allele query, budget spent).
    """
    if target.collection and (source is None or source.entry == target.path):
        return _collections(store, request, target, settings, source)
    vq = parse_variant(request.variant_params, gene_region=store.gene_region)
    readable = _narrowing_checks(store, request, target, source, principal, audit=audit,
                                 origin=origin)
    handles = _scope(store, request, source, readable)
    held = HeldAudit()
    try:
        decision = decide(request.granularity, [(h.id, h.access) for h in handles], principal,
                          audit=held, action=AUDIT_ACTION, origin=origin,
                          entry_type=target.path)
        hits, unknown = _hits(store, request, target, vq, source, decision)
        guard = privacy or floor_only(settings.k_anonymity)
        facts = [_facts(hit, target, principal, settings.k_anonymity,
                        question=_question_key(hit.ds, target, request, vq, source))
                 for hit in hits]  # fmt: skip
        disclosure = guard.disclose(facts, principal)
    except (PrivacyRefusedError, BudgetSpentError) as exc:
        # Refused by the privacy rules: one denial for the request, nothing granted.
        audit.record(user=principal.subject or ANONYMOUS_USER, action=AUDIT_ACTION,
                     resource=resource_of(",".join(decision.dataset_ids), target.path),
                     result="denied", reason=f"requested={request.granularity} returned=none "
                     f"(403: privacy: {_refusal_reason(exc)})", origin=origin)
        raise
    except BaseException:
        held.replay(audit)
        raise
    held.replay(audit, notes=disclosure.notes)
    granularity = decision.granularity
    k = settings.k_anonymity
    sets = []
    coarser: list[dict[str, Any]] = []
    exists = False
    for hit, count, extra in zip(hits, disclosure.counts, disclosure.infos, strict=True):
        g = decision.of(hit.ds.id)
        exists = exists or count.exists
        if g != request.granularity:
            coarser.append(_coarser(hit.ds, g, request.granularity, count.exists))
        if g == "boolean" and granularity != "boolean":
            continue  # no count to give: listed in info.coarserDatasets only
        results: list[dict[str, Any]] = []
        controlled = hit.ds.id in decision.controlled
        if g == "record":
            results = _records(store, hit, target, request, controlled=controlled,
                               beacon_id=settings.beacon_id, k=k)
        rs_info: dict[str, Any] = {"returnedGranularity": g} if g != granularity else {}
        if extra:
            rs_info.update(extra)
        if g == "count" and target.path == "g_variants":
            min_af = 0.0 if controlled else guard.listable_min_af(
                _override(hit.ds), principal, hit.ds.id)
            rs_info.update(_count_frequencies(store, hit, request, controlled=controlled,
                                              beacon_id=settings.beacon_id, k=k, min_af=min_af))
        sets.append(rsp.ResultSet(hit.ds.id, count, results, rs_info))
    info: dict[str, Any] = {}
    if unknown:
        info["warnings"] = [f"dataset(s) {', '.join(u.ids)}: {u}" for u in unknown]
    if coarser:
        info["coarserDatasets"] = coarser
    perturbed = [hit.ds.id for hit, extra in zip(hits, disclosure.infos, strict=True) if extra]
    if perturbed:
        # Said at the top too: a boolean answer has no result set to carry it.
        info["privacy"] = {"perturbedDatasets": perturbed, "about": PERTURBED_NOTE}

    def disclosed(hit: _Hit, rows: np.ndarray, people: int) -> bool:
        # The hint says a variant exists: only where the answer itself could say so, and
        # never about a rare allele where the privacy rules perturb or refuse those.
        protect = hit.ds.access.get("record") not in principal.tiers_for(hit.ds.id)
        if not protect:
            return people > 0
        return floor_count(people, k, protect=True).exists and guard.hint_allowed(
            _override(hit.ds), principal, hit.ds.id, hit.ds.index.max_allele_frequency(rows))

    if vq is not None and not exists and (hint := _one_based_hint(hits, vq, disclosed)):
        info["hints"] = [hint]
    return rsp.entry_response(settings, request, target, granularity,
                              total(s.count for s in sets), sets, info=info or None,
                              exists=exists)


def _coarser(ds: DatasetHandle, returned: str, requested: str, exists: bool
             ) -> dict[str, Any]:
    """``info.coarserDatasets`` entry: what was given, and what would unlock the rest."""
    out: dict[str, Any] = {"datasetId": ds.id, "returnedGranularity": returned,
                           "requestedGranularity": requested, "exists": exists}
    tier = unlocked_by(ds.access, returned, requested)
    if tier is not None:
        out["unlockedBy"] = tier
        out["howToUnlock"] = TIER_CREDENTIAL[tier].replace("CC", ds.country or "CC").replace(
            "ID", ds.id)
    return out


def _one_based_hint(hits: list[_Hit], vq: VariantRequest,
                    disclosed: Callable[[_Hit, np.ndarray, int], bool]) -> str | None:
    """A hint when the query would match with ``start - 1``: a VCF POS given as Beacon start.

    Given only when the shifted query's own answer would say the variant exists (enough
    carriers, or the record tier held): the hint must disclose nothing the floor hides.
    """
    query = vq.query
    if vq.impossible or query.start is None or query.start < 1 or query.alt is None:
        return None
    try:
        if query.resolved_kind() != "sequence":
            return None
    except InvalidInputError:
        return None
    shifted = dataclasses.replace(vq, query=dataclasses.replace(query, start=query.start - 1))
    for hit in hits:
        rows = _rows(hit.ds, shifted)
        if rows.size and disclosed(hit, rows,
                                   hit.ds.index.count_carriers(rows, within=hit.within)):
            return (f"no variant starts at {query.start} with these alleles, but one starts at "
                    f"{query.start - 1}: Beacon `start` is 0-based, so a VCF POS p is start "
                    f"p-1. Did you mean start={query.start - 1}?")
    return None


def _few_people(hit: _Hit, target: EntryType, k: int) -> bool:
    """True when fewer than ``k`` individuals are behind a hit's answer."""
    if hit.ds.n < k:
        return True
    # A count of people (or their samples) >= k already rests on >= k people; only a count of
    # variants can be large for a handful of them (and its row scan dwarfs this popcount).
    return target.path == "g_variants" and hit.within is not None and len(hit.within) < k


def _frequency(store: NodeData, ds: DatasetHandle, v: Any, *, exact: bool, beacon_id: str,
               k: int) -> dict[str, Any]:
    """The ``frequencyInPopulations`` item of variant ``v`` in ``ds`` (per country and sex)."""
    cohort = store.cohort(ds.id)
    if cohort.layout is not None:
        genotypes: dict[str, Any] = {"group_genotypes": ds.index.group_genotypes(v.row)}
    else:
        carriers, is_hom = ds.index.zygosity(v.row)
        genotypes = {"carriers": carriers, "is_hom": is_hom}
    pops = population_counts(contig=v.contig, pos=v.pos, ac=v.ac, an=v.an,
                             strata_counts=v.strata, cohort=cohort,
                             fallback_name=ds.country or ds.id, **genotypes)
    return frequencies(disclose(pops, k=k, exact=exact), dataset_id=ds.id,
                       source=f"{beacon_id} {ds.title}", version=ds.version or "1")


def _count_frequencies(store: NodeData, hit: _Hit, request: BeaconRequest, *, controlled: bool,
                       beacon_id: str, k: int, min_af: float = 0.0) -> dict[str, Any]:
    """``info`` of a count-granularity g_variants result set: the allele frequencies.

    Each matching variant (a page of them: ``skip``/``limit``) as a ``genomicVariation``
    record with no case data, carrying ``frequencyInPopulations``; filters do not narrow it
    (frequencies are the whole dataset's). Below the CONTROLLED tier a
    variant carried by fewer than ``k`` individuals is not listed (its existence is what the
    floor hides), and each population is floored (:mod:`onemg.beacon.frequencies`). Nor is
    a variant rarer than ``min_af``: where the privacy rules perturb or refuse rare-allele
    answers, an exact frequency list would give them away for free.
    """
    # Frequencies describe the dataset's variants, not the filtered people: listing only the
    # variants a filtered handful carries would tell their genotypes.
    rows = hit.unfiltered if hit.unfiltered is not None else np.zeros(0, dtype=np.int64)
    index = hit.ds.index
    if not controlled:
        if hit.ds.n < k:
            rows = rows[:0]
        rows = rows[index.carrier_counts(rows) >= k] if rows.size else rows
        if min_af > 0 and rows.size:
            rows = rows[index.allele_frequencies(rows) >= min_af]
    page = rows[request.offset:request.offset + request.limit]
    listed = [variant_record(v, frequency=_frequency(store, hit.ds, v, exact=controlled,
                                                     beacon_id=beacon_id, k=k))
              for v in index.variants(page)]
    note = ("allele frequencies per country and sex (whole dataset; filters do not apply) of "
            "the matching variants" +
            ("" if controlled else f" carried by at least {k} individuals; counts below {k} "
             "are not reported") +
            (f"; variants with allele frequency below {min_af:g} are not listed (privacy)"
             if min_af > 0 else ""))
    return {"variantFrequencies": listed, "variantFrequenciesNote": note,
            "variantFrequenciesListed": int(rows.size)}


def _records(store: NodeData, hit: _Hit, target: EntryType, request: BeaconRequest, *,
             controlled: bool, beacon_id: str, k: int) -> list[dict[str, Any]]:
    lo, hi = request.offset, request.offset + request.limit
    if target.path != "g_variants":
        members = hit.members if hit.members is not None else IndividualSet.all(hit.ds.n)
        return store.records(hit.ds.id, target.id, members.indices[lo:hi])
    rows = hit.rows[lo:hi] if hit.rows is not None else np.zeros(0, dtype=np.int64)
    out = []
    for v in hit.ds.index.variants(rows):
        freq = _frequency(store, hit.ds, v, exact=controlled, beacon_id=beacon_id, k=k)
        cases = _cases(store, hit, v.row) if controlled else None
        out.append(variant_record(v, frequency=freq, cases=cases))
    return out


def _cases(store: NodeData, hit: _Hit, row: int) -> list[dict[str, Any]]:
    carriers, is_hom = hit.ds.index.zygosity(row)
    if hit.within is not None and carriers.size:
        keep = hit.within.mask[carriers]
        carriers, is_hom = carriers[keep], is_hom[keep]
    carriers, is_hom = carriers[:_MAX_CASES], is_hom[:_MAX_CASES]
    samples = store.records(hit.ds.id, "biosample", carriers)
    by_index = dict(zip((int(i) for i in carriers), samples, strict=False))
    return case_level(carriers.tolist(), is_hom.tolist(), by_index)


def _collections(store: NodeData, request: BeaconRequest, target: EntryType,
                 settings: BeaconSettings, source: Source | None) -> dict[str, Any]:
    items = store.collections(target.id)
    if target.path == "datasets" and request.dataset_ids is not None:
        wanted = set(request.dataset_ids)
        items = [i for i in items if i.get("id") in wanted]
    if source is not None:
        items = [i for i in items if i.get("id") == source.id]
        if not items:
            raise NotFoundError(f"{target.id} {source.id!r} is not on this node")
    # Collections are catalogue metadata, not people: listed in full unless asked otherwise.
    granularity = request.granularity if request.granularity_given else "record"
    return rsp.collections_response(settings, request, target, granularity, items)


def filtering_terms(store: NodeData, *, dataset_id: str | None = None,
                    cohort_id: str | None = None) -> list[dict[str, Any]]:
    """Terms usable in ``filters`` (node-wide, or for one dataset or cohort)."""
    if cohort_id is not None:
        ids = sorted(_cohort_datasets(store, cohort_id))
        merged: dict[str, dict[str, Any]] = {}
        for ds_id in ids:
            for term in store.filtering_terms(ds_id):
                merged.setdefault(term["id"], term)
        return list(merged.values())
    if dataset_id is not None:
        store.dataset(dataset_id)
    return store.filtering_terms(dataset_id)

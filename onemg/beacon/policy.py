"""Who may see what: granularity tiers per dataset, and the privacy floor on small counts.

Granularity (``docs/beacon.md`` "Access levels"):

* each dataset's descriptor maps a granularity to the tier it needs, e.g.
  ``{"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"}`` (the default);
* for each dataset in scope, the caller gets the finest granularity not above the one requested
  that one of its tiers (``Principal.tiers_for``) allows, and that dataset's result set carries
  exactly that much: one restrictive dataset no longer lowers the answer for the others;
* the response document is given at the finest of these (``meta.returnedGranularity``), as the
  Beacon framework's response types nest: a dataset answered more coarsely than the document is
  listed in ``info.coarserDatasets`` with its own granularity, whether it exists (a boolean
  dataset gives no count, so it is left out of ``resultSets`` and of ``numTotalResults``), and
  the tier that would unlock the granularity asked for (:func:`unlocked_by`);
* anonymous callers are downgraded per dataset (datasets they may not even query are left out);
* every decision, anonymous or not, is audited per dataset in scope: ``user`` is the
  pseudonymous subject or ``"anonymous"``, ``resource`` is ``dataset:<id>/<entry type>``,
  ``result`` is ``granted`` (the requested granularity), ``downgraded`` (a coarser one) or
  ``denied``, and ``reason`` says ``requested=<g> returned=<g>``. The node's sink buffers
  entries in memory and writes them in batches (``onemg.access.audit.BufferedAudit``), so
  auditing costs no SQL on the request path;
* an authenticated caller who asks for more than its credentials allow on the datasets in scope
  gets a 403 naming those datasets, so a valid passport never silently yields less.

Privacy floor (every count below record granularity): a count ``c < k``, **zero included**, is
reported as ``0`` with ``exists: false``, ``countAdjustedTo: ["<k"]`` and ``countPrecision:
"imprecise"``. Zero and "fewer than k" give the same answer, so neither the count nor ``exists``
tells whether a person (or a handful) matched: reporting 1 as k while ``exists`` (or ``k`` vs
``0``) still said "someone matched" was an oracle (issue 11). A total over datasets is the sum of
the reported per-dataset counts (never the exact sum, which would let a caller subtract its way
to a hidden count); when any part is imprecise, ``countAdjustedTo`` carries the interval
``"L-U"`` that holds the true total.

Narrowing rules (issue 11 §1, §5), applied by the service before any record is looked at:

* a request scoped to one record (``/individuals/{id}``, ``/individuals/{id}/g_variants``,
  ``/biosamples/{id}/...``, runs, analyses) needs the record tier on the datasets it reads;
  below it the request is refused with one fixed 403 (:data:`RECORD_SCOPE_REFUSAL`), the same
  for existing and missing ids (:func:`record_scope`);
* negated (``!``) and range (``<``, ``>``, ``<=``, ``>=``) alphanumeric filters need the
  dataset's ``differencing`` tier (default: its record tier), since ``count(q) - count(q AND
  yearOfBirth!Y)`` is an exact count below k (:func:`differencing_filters`, :func:`filter_tier`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from onemg.errors import AccessDeniedError
from onemg.protocol.filters import AlphanumericFilter, Filter
from onemg.protocol.vocabulary import DEFAULT_ACCESS, GRANULARITIES
from onemg.security import TIERS, AuditSink, Principal


@dataclass(frozen=True)
class Decision:
    """The outcome of the granularity policy for one request."""

    granularity: str
    dataset_ids: tuple[str, ...]
    #: Datasets for which records carry case-level data (CONTROLLED tier held).
    controlled: frozenset[str] = frozenset()
    #: Each answered dataset's own granularity (never finer than ``granularity``).
    by_dataset: Mapping[str, str] = field(default_factory=dict)

    def of(self, dataset_id: str) -> str:
        """The granularity ``dataset_id`` is answered at."""
        return self.by_dataset.get(dataset_id, self.granularity)


#: What a tier asks of a caller, for hints in answers.
TIER_CREDENTIAL: Mapping[str, str] = {
    "REGISTERED": "a ResearcherStatus visa (log in at the hub and take a passport: "
                  "`onemg login`, then `onemg passport --node CC`)",
    "CONTROLLED": "a ControlledAccessGrants visa for this dataset (apply to the node's data "
                  "access committee: `onemg apply --node CC --dataset ID`, then take a new "
                  "passport once approved)",
}


def unlocked_by(access: Mapping[str, str], returned: str, requested: str) -> str | None:
    """The tier a caller needs for ``requested`` on a dataset answered at ``returned``."""
    lo, hi = GRANULARITIES.index(returned) + 1, GRANULARITIES.index(requested) + 1
    tiers = [access.get(g, DEFAULT_ACCESS[g]) for g in GRANULARITIES[lo:hi]]
    for tier in ("CONTROLLED", "REGISTERED"):
        if tier in tiers:
            return tier
    return None


def _finest(access: Mapping[str, str], tiers: frozenset[str], requested: str) -> str | None:
    best = None
    for g in GRANULARITIES[: GRANULARITIES.index(requested) + 1]:
        if access.get(g, DEFAULT_ACCESS[g]) in tiers:
            best = g
        else:
            # Granularities are nested: a finer one is never reachable past a refused coarser one.
            break
    return best


ANONYMOUS_USER = "anonymous"


def resource_of(ds_id: str, entry_type: str | None) -> str:
    """The audit ``resource`` of a decision on one dataset."""
    return f"dataset:{ds_id}/{entry_type}" if entry_type else f"dataset:{ds_id}"


def decide(
    requested: str,
    datasets: Sequence[tuple[str, Mapping[str, str]]],
    principal: Principal,
    *,
    audit: AuditSink,
    action: str,
    origin: str | None = None,
    entry_type: str | None = None,
) -> Decision:
    """Apply the tier policy to ``(dataset_id, access)`` pairs in scope and audit each decision.

    Raises:
        AccessDeniedError: an authenticated caller asked for a granularity its credentials do
            not allow on some dataset in scope.
    """
    user = principal.subject or ANONYMOUS_USER
    granted: list[tuple[str, str]] = []
    short: list[str] = []
    refused: list[str] = []
    for ds_id, access in datasets:
        tiers = principal.tiers_for(ds_id)
        finest = _finest(access, tiers, requested)
        if finest != requested:
            short.append(ds_id)
        if finest is None:
            refused.append(ds_id)
            continue
        granted.append((ds_id, finest))
    if principal.authenticated and short:
        for ds_id, _ in granted:
            if ds_id not in short:
                audit.record(user=user, action=action, resource=resource_of(ds_id, entry_type),
                             result="denied", reason=f"requested={requested} returned=none "
                             "(403: not granted on another dataset in scope)", origin=origin)
        for ds_id in short:
            audit.record(user=user, action=action, resource=resource_of(ds_id, entry_type),
                         result="denied", reason=f"requested={requested} returned=none "
                         "(403: granularity not granted)", origin=origin)
        raise AccessDeniedError(
            f"your passport does not allow {requested} granularity on dataset(s) "
            f"{', '.join(short)}. A passport lists the visas held when it was issued: if your "
            "access was approved since, take a new passport for this node (`onemg passport "
            "--node <its country>`, or the hub's token exchange, POST /oidc/token) and retry; "
            f"without an approval, apply for access (`onemg apply --dataset {short[0]} ...`), "
            "or ask for a coarser requestedGranularity"
        )
    # The document takes the finest granularity any dataset is answered at; with no dataset to
    # answer from, "none" is as exact at the requested granularity.
    level = max((GRANULARITIES.index(g) for _, g in granted),
                default=GRANULARITIES.index(requested))
    returned = GRANULARITIES[level]
    for ds_id in refused:
        audit.record(user=user, action=action, resource=resource_of(ds_id, entry_type),
                     result="denied", reason=f"requested={requested} returned=none "
                     "(no tier held allows any granularity; left out)", origin=origin)
    for ds_id, g in granted:
        audit.record(user=user, action=action, resource=resource_of(ds_id, entry_type),
                     result="granted" if g == requested else "downgraded",
                     reason=f"requested={requested} returned={g}", origin=origin)
    controlled = frozenset(ds for ds, _ in granted if "CONTROLLED" in principal.tiers_for(ds))
    return Decision(returned, tuple(ds for ds, _ in granted), controlled, dict(granted))


@dataclass(frozen=True)
class ReportedCount:
    """A count as it may be disclosed."""

    count: int
    exact: bool = True
    #: What the count was adjusted to (v2.2 ``countAdjustedTo``: ``"<k"`` or ``"L-U"``).
    adjusted_to: int | str | None = None
    #: The interval holding the true count (``None``: the count itself is exact).
    bounds: tuple[int, int] | None = None
    #: True for a noisy count (onemg.privacy): ``bounds`` is then its 99% interval, not a
    #: certainty, and ``adjusted_to`` reads ``"~L-U"``.
    noisy: bool = False

    @property
    def exists(self) -> bool:
        """Derived from the reported count, never from the hidden exact one."""
        return self.count > 0

    @property
    def precision(self) -> str:
        """v2.2 ``countPrecision``."""
        return "exact" if self.exact else "imprecise"

    @property
    def interval(self) -> tuple[int, int]:
        """The interval holding the true count."""
        return self.bounds or (self.count, self.count)


def floor_count(count: int, k: int, *, protect: bool) -> ReportedCount:
    """Apply the privacy floor ``k`` to ``count`` when ``protect`` is true.

    Every count below ``k``, zero included, is reported alike (0, imprecise, ``"<k"``).
    """
    if protect and k > 1 and count < k:
        return suppressed(k)
    return ReportedCount(count)


def suppressed(k: int) -> ReportedCount:
    """The one answer given for any count below ``k``."""
    return ReportedCount(0, exact=False, adjusted_to=f"<{k}", bounds=(0, k - 1))


def total(parts: Iterable[ReportedCount]) -> ReportedCount:
    """Sum of reported counts; when any part is imprecise, the interval of the true total."""
    parts = list(parts)
    count = sum(p.count for p in parts)
    if all(p.exact for p in parts):
        return ReportedCount(count)
    if len(parts) == 1:
        return parts[0]
    low = sum(p.interval[0] for p in parts)
    high = sum(p.interval[1] for p in parts)
    noisy = any(p.noisy for p in parts)
    label = f"~{low}-{high}" if noisy else f"{low}-{high}"
    return ReportedCount(count, exact=False, adjusted_to=label, bounds=(low, high), noisy=noisy)


# Narrowing rules ---------------------------------------------------------------------------

#: Alphanumeric operators that make differencing trivial (issue 11 §5).
DIFFERENCING_OPERATORS: frozenset[str] = frozenset({"!", "<", ">", "<=", ">="})
#: The one refusal of a per-record request below the record tier: the same status and body
#: whether the id exists or not (it names no id and no dataset).
RECORD_SCOPE_REFUSAL = (
    "requests about one individual, biosample, run or analysis (/individuals/{id}, "
    "/individuals/{id}/g_variants, /biosamples/{id}/..., /runs/{id}/..., /analyses/{id}/...) "
    "need record-level access to the dataset; query the population instead (e.g. "
    "/individuals with filters), or apply for access and send your passport"
)


def differencing_filters(filters: Iterable[Filter]) -> list[Filter]:
    """The negated and range alphanumeric filters of a request."""
    return [f for f in filters
            if isinstance(f, AlphanumericFilter) and f.operator in DIFFERENCING_OPERATORS]


def filter_tier(declared: Mapping[str, str] | None, access: Mapping[str, str]) -> str:
    """The tier a dataset needs for negated/range filters below record granularity.

    ``declared`` is the descriptor's raw ``access`` map: its ``differencing`` key when set
    (e.g. ``"REGISTERED"``), else the dataset's record tier.
    """
    value = str((declared or {}).get("differencing") or "").upper()
    return value if value in TIERS else access.get("record", DEFAULT_ACCESS["record"])


def record_scope(
    datasets: Sequence[tuple[str, Mapping[str, str]]],
    principal: Principal,
    *,
    explicit: bool,
    audit: AuditSink,
    action: str,
    resource: str,
    origin: str | None = None,
) -> list[str]:
    """The datasets a per-record request may read: those whose record tier the caller holds.

    Decided from tiers alone, before any record is looked up. Refuses (one audited denial,
    :data:`RECORD_SCOPE_REFUSAL`) when no dataset qualifies, or when the caller named
    (``explicit``) a dataset it may not read records of.

    Raises:
        AccessDeniedError: as above; the message is the same for every id.
    """
    readable = [ds for ds, access in datasets
                if access.get("record", DEFAULT_ACCESS["record"]) in principal.tiers_for(ds)]
    if not readable or (explicit and len(readable) < len(datasets)):
        audit.record(user=principal.subject or ANONYMOUS_USER, action=action,
                     resource=resource, result="denied",
                     reason="requested=record-scope returned=none (403: record tier not held)",
                     origin=origin)
        raise AccessDeniedError(RECORD_SCOPE_REFUSAL)
    return readable

"""Who may see what: granularity tiers per dataset, and the privacy floor on small counts.

Granularity (``docs/beacon.md`` "Access levels"):

* each dataset's descriptor maps a granularity to the tier it needs, e.g.
  ``{"boolean": "PUBLIC", "count": "PUBLIC", "record": "CONTROLLED"}`` (the default);
* for each dataset in scope, the caller gets the finest granularity not above the one requested
  that one of its tiers (``Principal.tiers_for``) allows; the response is given at the coarsest of
  these, so one ``meta.returnedGranularity`` is true of every dataset in it;
* anonymous callers are downgraded silently (datasets they may not even query are left out);
* every decision, anonymous or not, is audited per dataset in scope: ``user`` is the
  pseudonymous subject or ``"anonymous"``, ``resource`` is ``dataset:<id>/<entry type>``,
  ``result`` is ``granted`` (the requested granularity), ``downgraded`` (a coarser one) or
  ``denied``, and ``reason`` says ``requested=<g> returned=<g>``. The node's sink buffers
  entries in memory and writes them in batches (``onemg.access.audit.BufferedAudit``), so
  auditing costs no SQL on the request path;
* an authenticated caller who asks for more than its credentials allow on the datasets in scope
  gets a 403 naming those datasets, so a valid passport never silently yields less.

Privacy floor (counts of people below record granularity): a count ``c`` with ``0 < c < k`` is
reported as ``k`` with ``countAdjustedTo: [k]`` and ``countPrecision: "imprecise"`` (the same
encoding as the EGA production beacon). ``exists`` is derived from the *reported* count, so it
says ``c > 0`` and nothing the adjusted count hides. A total over datasets is the sum of the
reported per-dataset counts (never the exact sum, which would let a caller subtract its way to a
hidden count), and is imprecise when any part is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from onemg.errors import AccessDeniedError
from onemg.protocol.vocabulary import DEFAULT_ACCESS, GRANULARITIES
from onemg.security import AuditSink, Principal


@dataclass(frozen=True)
class Decision:
    """The outcome of the granularity policy for one request."""

    granularity: str
    dataset_ids: tuple[str, ...]
    #: Datasets for which records carry case-level data (CONTROLLED tier held).
    controlled: frozenset[str] = frozenset()


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
            f"your credentials do not allow {requested} granularity on dataset(s) "
            f"{', '.join(short)}; ask for a coarser requestedGranularity, or limit the query "
            "to datasets you hold a ControlledAccessGrants visa for with datasetIds"
        )
    # With no dataset to answer from, "none" is as exact at the requested granularity.
    level = min((GRANULARITIES.index(g) for _, g in granted),
                default=GRANULARITIES.index(requested))
    returned = GRANULARITIES[level]
    for ds_id in refused:
        audit.record(user=user, action=action, resource=resource_of(ds_id, entry_type),
                     result="denied", reason=f"requested={requested} returned=none "
                     "(no tier held allows any granularity; left out)", origin=origin)
    for ds_id, _ in granted:
        audit.record(user=user, action=action, resource=resource_of(ds_id, entry_type),
                     result="granted" if returned == requested else "downgraded",
                     reason=f"requested={requested} returned={returned}", origin=origin)
    controlled = frozenset(ds for ds, _ in granted if "CONTROLLED" in principal.tiers_for(ds))
    return Decision(returned, tuple(ds for ds, _ in granted), controlled)


@dataclass(frozen=True)
class ReportedCount:
    """A count as it may be disclosed."""

    count: int
    exact: bool = True
    #: The value the count was adjusted to (v2.2 ``countAdjustedTo``), when not exact.
    adjusted_to: int | None = None

    @property
    def exists(self) -> bool:
        """Derived from the reported count, never from the hidden exact one."""
        return self.count > 0

    @property
    def precision(self) -> str:
        """v2.2 ``countPrecision``."""
        return "exact" if self.exact else "imprecise"


def floor_count(count: int, k: int, *, protect: bool) -> ReportedCount:
    """Apply the privacy floor ``k`` to ``count`` when ``protect`` is true."""
    if protect and 0 < count < k:
        return ReportedCount(k, exact=False, adjusted_to=k)
    return ReportedCount(count)


def total(parts: Iterable[ReportedCount]) -> ReportedCount:
    """Sum of reported counts; imprecise when any part is."""
    parts = list(parts)
    count = sum(p.count for p in parts)
    if all(p.exact for p in parts):
        return ReportedCount(count)
    return ReportedCount(count, exact=False, adjusted_to=count)

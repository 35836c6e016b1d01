"""The network search form: a Beacon query built from form fields, answered per country.

The form's fields become an ordinary Beacon v2 GET query (the same parser a node uses checks
it), sent through the hub's fan-out as the logged-in user (member-scoped passports minted by the
broker) or anonymously (the public tier). Counts are shown with their precision read by
:mod:`onemg.network.counts`: a floored count is "fewer than 5", never a number.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from onemg.errors import InvalidInputError
from onemg.network.counts import CountPart, read_count, total
from onemg.network.query import from_get
from onemg.network.service import NetworkService
from onemg.security import Principal

#: Beacon filter ids of the sex choice (NCIT, as Beacon v2 individuals use).
SEX = {"female": "NCIT:C16576", "male": "NCIT:C20197"}
_CHROM = r"^\s*(?:chr)?([0-9]{1,2}|X|Y|MT?)\s*:\s*"
_POSITION = re.compile(_CHROM + r"([0-9][0-9,]*)\s*$", re.I)
_RANGE = re.compile(_CHROM + r"([0-9][0-9,]*)\s*-\s*([0-9][0-9,]*)\s*$", re.I)
_ALLELE = re.compile(r"^[ACGTN]+$", re.I)
_TERM_ID = re.compile(r"^([A-Za-z][A-Za-z0-9_.]*:[^\s,]+)")


@dataclass(frozen=True)
class SearchForm:
    """What the person typed; every field optional (an empty form searches nothing)."""

    kind: str = "variant"
    position: str = ""
    ref: str = ""
    alt: str = ""
    hgvs: str = ""
    gene: str = ""
    region: str = ""
    filters: tuple[str, ...] = ()
    sex: str = ""
    assembly: str = "GRCh38"

    @classmethod
    def from_params(cls, params: Mapping[str, Any], filters: list[str]) -> SearchForm:
        """Read the query-string fields of ``/search``."""
        return cls(
            kind=str(params.get("kind") or "variant"),
            position=str(params.get("position") or ""),
            ref=str(params.get("ref") or ""),
            alt=str(params.get("alt") or ""),
            hgvs=str(params.get("hgvs") or ""),
            gene=str(params.get("gene") or ""),
            region=str(params.get("region") or ""),
            filters=tuple(f for f in filters if f.strip()),
            sex=str(params.get("sex") or ""),
        )

    @property
    def empty(self) -> bool:
        """True when nothing was asked."""
        fields = {
            "variant": self.position,
            "hgvs": self.hgvs,
            "gene": self.gene,
            "region": self.region,
        }
        return not fields.get(self.kind, "") and not self.filters and not self.sex


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def beacon_params(form: SearchForm) -> tuple[str, dict[str, str], list[str]]:
    """The entry path, Beacon GET parameters and filters for ``form``.

    Positions are 1-based as people write them (``17:43045712``); Beacon v2 ``start`` is 0-based.

    Raises:
        InvalidInputError: a field that cannot be read, naming it and showing the expected form.
    """
    params: dict[str, str] = {}
    filters = []
    for raw in form.filters:
        match = _TERM_ID.match(raw.strip())
        if not match:
            raise InvalidInputError(
                f"filter {raw!r}: start with a term id such as HP:0001250 (pick one from the list)"
            )
        filters.append(match[1])
    if form.sex:
        if form.sex not in SEX:
            raise InvalidInputError("sex: choose female, male or any")
        filters.append(SEX[form.sex])
    entry = "individuals"
    if form.kind == "variant" and form.position:
        match = _POSITION.match(form.position)
        if not match:
            raise InvalidInputError(
                f"position {form.position!r}: write chromosome:position, e.g. 7:117559590"
            )
        for name, allele in (("reference", form.ref), ("alternate", form.alt)):
            if not _ALLELE.match(allele.strip()):
                raise InvalidInputError(f"{name} allele {allele!r}: write bases, e.g. A or CTT")
        params |= {
            "referenceName": match[1].upper(),
            "start": str(_number(match[2]) - 1),
            "referenceBases": form.ref.strip().upper(),
            "alternateBases": form.alt.strip().upper(),
        }
        entry = "g_variants"
    elif form.kind == "hgvs" and form.hgvs:
        params["genomicAlleleShortForm"] = form.hgvs.strip()
        entry = "g_variants"
    elif form.kind == "gene" and form.gene:
        if not re.fullmatch(r"[A-Za-z0-9-]{1,20}", form.gene.strip()):
            raise InvalidInputError(f"gene {form.gene!r}: write an HGNC symbol, e.g. CFTR")
        params["geneId"] = form.gene.strip().upper()
        entry = "g_variants"
    elif form.kind == "region" and form.region:
        match = _RANGE.match(form.region)
        if not match:
            raise InvalidInputError(
                f"region {form.region!r}: write chromosome:start-end, e.g. 7:117480000-117670000"
            )
        start, end = _number(match[2]), _number(match[3])
        if end < start:
            raise InvalidInputError(f"region {form.region!r}: the end is before the start")
        params |= {"referenceName": match[1].upper(), "start": str(start - 1), "end": str(end)}
        entry = "g_variants"
    if entry == "g_variants":
        params["assemblyId"] = form.assembly
    return entry, params, filters


def count_text(part: CountPart | None) -> str:
    """A count in words that never claim more than the member said."""
    if part is None:
        return "not shown at your access level"
    if part.exact:
        return f"{part.reported:,}"
    if part.soft and part.upper is not None:
        # A noisy count (docs/privacy.md): its interval is likely, not certain.
        return (f"about {part.reported:,} (with privacy noise: between {part.lower:,} and "
                f"{part.upper:,} with 99% probability)")
    if part.upper is not None and part.lower == 0:
        return f"fewer than {part.upper + 1:,}"
    if part.upper is None:
        return f"at least {part.lower:,}"
    if part.lower == part.upper:
        return f"{part.lower:,}"
    return f"between {part.lower:,} and {part.upper:,}"


@dataclass(frozen=True)
class DatasetHit:
    """One dataset's answer."""

    dataset: str
    country: str
    member_id: str
    exists: bool
    count: str
    records: int
    #: What would unlock a finer answer (the node's ``howToUnlock``), when it was coarser.
    unlock: str = ""


@dataclass(frozen=True)
class CountryRow:
    """One country's answer: its datasets summed honestly."""

    country: str
    count: str
    plotted: int | None
    datasets: list[DatasetHit] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    """What the results part of ``/search`` shows."""

    entry: str
    granularity: str
    exists: bool
    countries: list[CountryRow]
    failed: list[dict[str, Any]]
    beacon_url: str

    @property
    def noun(self) -> str:
        """What the counts count."""
        return "variants" if self.entry == "g_variants" else "individuals"


async def ask_network(
    service: NetworkService,
    entry: str,
    params: Mapping[str, str],
    filters: list[str],
    principal: Principal,
    granularity: str,
    dataset_ids: Sequence[str] = (),
) -> tuple[str, dict[str, Any]]:
    """Send one Beacon GET query through the hub's fan-out; returns its query string and the
    merged answer."""
    pairs = [
        *params.items(),
        ("requestedGranularity", granularity),
        ("includeResultsetResponses", "ALL"),
    ]
    if filters:
        pairs.append(("filters", ",".join(filters)))
    if dataset_ids:
        pairs.append(("datasetIds", ",".join(dataset_ids)))
    query_string = urlencode(pairs)
    query = from_get(
        entry,
        dict(pairs),
        query_string,
        filters=[",".join(filters)] if filters else [],
        max_page=service.beacon.max_page_size,
    )
    _, body = await service.query_as(query, principal)
    return query_string, body


async def run_search(
    service: NetworkService,
    form: SearchForm,
    principal: Principal,
    record_datasets: Sequence[str] = (),
) -> SearchResult:
    """Send ``form``'s query to every member as ``principal`` and sort the answers by country.

    Everyone gets counts (exact where the passport unlocks them, floored otherwise); a
    logged-in researcher also gets the records of ``record_datasets`` (their approved datasets),
    asked for with ``datasetIds`` because a node refuses a record query on datasets the
    passport does not cover.
    """
    entry, params, filters = beacon_params(form)
    query_string, body = await ask_network(service, entry, params, filters, principal, "count")
    records: dict[tuple[str, str], int] = {}
    if principal.authenticated and record_datasets:
        _, rec = await ask_network(
            service, entry, params, filters, principal, "record", sorted(set(record_datasets))
        )
        for rs in (rec.get("response") or {}).get("resultSets") or []:
            key = (str((rs.get("info") or {}).get("memberId")), str(rs.get("id")))
            records[key] = len(rs.get("results") or [])
    by_country: dict[str, list[tuple[DatasetHit, CountPart | None]]] = defaultdict(list)
    for rs in (body.get("response") or {}).get("resultSets") or []:
        info = rs.get("info") or {}
        part = read_count(rs, count_key="resultsCount")
        hit = DatasetHit(
            dataset=str(rs.get("id")),
            country=str(info.get("country") or "?"),
            member_id=str(info.get("memberId") or "?"),
            exists=bool(rs.get("exists")),
            count=count_text(part) if part is not None else ("yes" if rs.get("exists") else "no"),
            records=records.get((str(info.get("memberId")), str(rs.get("id"))), 0),
        )
        by_country[hit.country].append((hit, part))
    network = (body.get("info") or {}).get("network") or {}
    shown = {(h.member_id, h.dataset) for hits in by_country.values() for h, _ in hits}
    for member in network.get("members") or []:
        # Datasets a node answered only at a coarser level (e.g. yes/no) have no result set:
        # list them with what the node said and what would unlock more.
        for c in member.get("coarserDatasets") or []:
            key = (str(member.get("id")), str(c.get("datasetId")))
            if key in shown:
                continue
            country = str(member.get("country") or "?")
            hit = DatasetHit(
                dataset=key[1],
                country=country,
                member_id=key[0],
                exists=bool(c.get("exists")),
                count="not shown at your access level",
                records=0,
                unlock=str(c.get("howToUnlock") or ""),
            )
            by_country[country].append((hit, None))
    countries = []
    for country, hits in sorted(by_country.items()):
        parts = [p for _, p in hits]
        if parts and all(p is not None for p in parts):
            t = total(p for p in parts if p is not None)
            tpart = CountPart(t.reported, t.precision, t.lower, t.upper)
            text, plotted = count_text(tpart), (t.reported if t.precision == "exact" else None)
        else:
            text = "yes" if any(h.exists for h, _ in hits) else "no"
            plotted = None
        countries.append(CountryRow(country, text, plotted, [h for h, _ in hits]))
    return SearchResult(
        entry=entry,
        granularity=str((body.get("meta") or {}).get("returnedGranularity", "boolean")),
        exists=bool((body.get("responseSummary") or {}).get("exists")),
        countries=countries,
        failed=list(network.get("unavailable") or []),
        beacon_url=f"/api/{entry}?{query_string}",
    )


def chart(result: SearchResult) -> dict[str, Any] | None:
    """A plotly bar chart of exact counts by country (imprecise ones are not drawn as numbers)."""
    rows = [c for c in result.countries if c.plotted is not None]
    if not rows:
        return None
    # A plain plotly figure dict (no template: the page stays small); drawn by charts.js.
    return {
        "data": [
            {
                "type": "bar",
                "x": [c.country for c in rows],
                "y": [c.plotted for c in rows],
                "marker": {"color": "#1f5fa8"},
            }
        ],
        "layout": {
            "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
            "height": 280,
            "yaxis": {"title": {"text": f"{result.noun} found"}},
            "xaxis": {"title": {"text": "country"}},
        },
    }

"""Allele frequencies of one variant by country: the nodes' g_variants answers, as a table.

The variant is asked as a count-granularity ``g_variants`` query through the hub's fan-out (the
same form fields as the network search: position and alleles, or HGVS). Each node lists, per
dataset, the matching variants with ``frequencyInPopulations`` per country and sex
(:mod:`onemg.beacon.frequencies`, ``docs/beacon.md``); this module reads them into rows whose
numbers are exactly what the node gave. A count a node withheld is said in words ("fewer than
5", "not reported"), never a number; a dataset that lists no variant has it below the node's
floor or not at all, which the page says as such.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from onemg.errors import InvalidInputError
from onemg.network.service import NetworkService
from onemg.portal.search import SearchForm, ask_network, beacon_params
from onemg.security import Principal

#: What a population suffix means (the GDI naming: ``FI``, ``FI_F``, ``FI_M``, ``FI_U``).
GROUPS = {"": "everyone", "F": "women", "M": "men", "U": "sex unknown"}
_FLOOR = re.compile(r"^<\s*(\d+)$")


@dataclass(frozen=True)
class PopulationRow:
    """One population's line of the table, every cell as text a person reads."""

    country: str
    dataset: str
    variant: str
    population: str
    group: str
    allele_count: str
    allele_number: str
    frequency: str
    heterozygous: str
    homozygous: str
    hemizygous: str
    #: The frequency as a number when the node gave it exactly (what the chart draws).
    plotted: float | None = None


@dataclass(frozen=True)
class Missing:
    """A dataset that answered but listed no matching variant."""

    country: str
    dataset: str
    why: str


@dataclass(frozen=True)
class FrequencyResult:
    """What ``/frequencies`` shows."""

    rows: list[PopulationRow]
    missing: list[Missing]
    failed: list[dict[str, Any]]
    beacon_url: str
    notes: list[str] = field(default_factory=list)


def frequency_form(params: Mapping[str, Any]) -> SearchForm:
    """The variant fields of the search form (``kind`` is ``variant`` or ``hgvs``)."""
    form = SearchForm.from_params(params, [])
    if form.kind not in ("variant", "hgvs"):
        form = SearchForm.from_params({**params, "kind": "variant"}, [])
    return form


def _floor_text(item: Mapping[str, Any]) -> str:
    for adjusted in item.get("countAdjustedTo") or []:
        if m := _FLOOR.match(str(adjusted)):
            return f"fewer than {m[1]}"
    return "not reported"


def _cell(item: Mapping[str, Any], key: str, withheld: str) -> str:
    if key in item:
        return f"{int(item[key]):,}"
    if key in (item.get("notReported") or []):
        return withheld
    return "does not apply"


def _row(country: str, dataset: str, variant: str, item: Mapping[str, Any]) -> PopulationRow:
    name = str(item.get("population") or "?")
    suffix = name.rpartition("_")[2] if "_" in name else (name if name in GROUPS else "")
    withheld = _floor_text(item)
    given = "alleleCount" in item
    frequency = f"{float(item['alleleFrequency']):.4g}" if given else withheld
    return PopulationRow(
        country=country,
        dataset=dataset,
        variant=variant,
        population=name,
        group=GROUPS.get(suffix, name),
        allele_count=_cell(item, "alleleCount", withheld),
        allele_number=_cell(item, "alleleNumber", withheld),
        frequency=frequency,
        heterozygous=_cell(item, "alleleCountHeterozygous", withheld),
        homozygous=_cell(item, "alleleCountHomozygous", withheld),
        hemizygous=_cell(item, "alleleCountHemizygous", withheld),
        plotted=float(item["alleleFrequency"]) if given else None,
    )


def _absent_text(rs: Mapping[str, Any]) -> str:
    for adjusted in rs.get("countAdjustedTo") or []:
        if m := _FLOOR.match(str(adjusted)):
            return f"not in this dataset, or carried by fewer than {m[1]} people"
    return "not in this dataset"


async def run_frequencies(
    service: NetworkService, form: SearchForm, principal: Principal
) -> FrequencyResult:
    """Ask every member for ``form``'s variant and read the frequencies of each dataset.

    Raises:
        InvalidInputError: the form does not name one variant (position and alleles, or HGVS).
    """
    entry, params, _ = beacon_params(form)
    if entry != "g_variants":
        raise InvalidInputError(
            "give a variant: chromosome:position with both alleles (e.g. 7:117559590, ATCT, A), "
            "or an HGVS expression"
        )
    query_string, body = await ask_network(service, entry, params, [], principal, "count")
    rows: list[PopulationRow] = []
    missing: list[Missing] = []
    for rs in (body.get("response") or {}).get("resultSets") or []:
        info = rs.get("info") or {}
        country = str(info.get("country") or "?")
        dataset = str(rs.get("id"))
        listed = info.get("variantFrequencies") or []
        if not listed:
            missing.append(Missing(country, dataset, _absent_text(rs)))
        for record in listed:
            variant = str(record.get("variantInternalId") or "?")
            for fip in record.get("frequencyInPopulations") or []:
                for item in fip.get("frequencies") or []:
                    rows.append(_row(country, dataset, variant, item))
    network = (body.get("info") or {}).get("network") or {}
    notes = []
    for member in network.get("members") or []:
        for c in member.get("coarserDatasets") or []:
            notes.append(
                f"{member.get('country')}: dataset {c.get('datasetId')} answers yes/no only at "
                f"your access level. {c.get('howToUnlock') or ''}".strip()
            )
    rows.sort(key=lambda r: (r.country, r.dataset, r.variant))
    return FrequencyResult(
        rows=rows,
        missing=sorted(missing, key=lambda m: (m.country, m.dataset)),
        failed=list(network.get("unavailable") or []),
        beacon_url=f"/api/{entry}?{query_string}",
        notes=notes,
    )


def frequency_chart(result: FrequencyResult) -> dict[str, Any] | None:
    """A plotly grouped bar chart of the exact allele frequencies, by country and sex."""
    traces = []
    for group in GROUPS.values():
        rows = [r for r in result.rows if r.group == group and r.plotted is not None]
        if rows:
            traces.append(
                {
                    "type": "bar",
                    "name": group,
                    "x": [f"{r.country} {r.dataset}" for r in rows],
                    "y": [r.plotted for r in rows],
                }
            )
    if not traces:
        return None
    return {
        "data": traces,
        "layout": {
            "barmode": "group",
            "margin": {"l": 60, "r": 10, "t": 10, "b": 60},
            "height": 300,
            "yaxis": {"title": {"text": "allele frequency"}, "rangemode": "tozero"},
            "xaxis": {"title": {"text": "country and dataset"}},
            "legend": {"orientation": "h"},
        },
    }

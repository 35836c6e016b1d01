"""The network's datasets as the portal shows them: browse, facets, full-text search.

Built from what the hub already has: the members' Beacon ``/datasets`` collections (name,
description, data-use conditions) and ``/cohorts`` (one study-defined cohort per dataset, with
its size), fetched through the hub's :class:`~onemg.network.service.NetworkService` fan-out with
the public view, and the member's country and organisation from its cached ``/info``.
Descriptions are metadata written by others: they are sanitised with nh3 before display.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from markupsafe import Markup

from onemg.network.query import from_get
from onemg.network.service import NetworkService
from onemg.portal.conditions import Condition, explain
from onemg.web.markdown import sanitise_html

#: Size buckets of the size facet (number of individuals).
SIZES: tuple[tuple[str, int, int | None], ...] = (
    ("under 1,000", 0, 1000),
    ("1,000 to 10,000", 1000, 10000),
    ("10,000 to 100,000", 10000, 100000),
    ("over 100,000", 100000, None),
)
CONTROLLED = "Controlled access (apply to the national committee)"
OPEN = "Open access"
UNKNOWN_SIZE = "size not published"
FACETS = ("country", "theme", "access", "condition", "size")
NO_THEME = "none published"


def sanitise(text: str) -> Markup:
    """Metadata HTML or text made safe to show: nh3 keeps harmless markup, drops the rest."""
    return sanitise_html(text)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", nh3.clean(text or "", tags=set())).strip()


@dataclass(frozen=True)
class Dataset:
    """One dataset of one member, ready to show."""

    id: str
    name: str
    description: str
    country: str
    member_id: str
    organisation: str | None
    contact: str | None
    conditions: tuple[Condition, ...]
    size: int | None
    updated: str | None
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Themes, disease areas and keywords (the DCAT-AP catalogue and DS conditions).
    themes: tuple[str, ...] = ()
    #: The Beacon ``dataUseConditions`` as the node published them (for the DUO matcher).
    conditions_raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def description_html(self) -> Markup:
        """The description, sanitised."""
        return sanitise(self.description)

    @property
    def summary(self) -> str:
        """The description as plain text, cut to about 240 characters."""
        text = _plain(self.description)
        return text if len(text) <= 240 else text[:237].rsplit(" ", 1)[0] + "…"


def _size_bucket(size: int | None) -> str:
    if size is None:
        return UNKNOWN_SIZE
    for label, low, high in SIZES:
        if size >= low and (high is None or size < high):
            return label
    return UNKNOWN_SIZE


def _organisation(info: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    org = ((info or {}).get("response") or {}).get("organization") or {}
    return org.get("name"), org.get("contactUrl")


def _diseases(conditions: Mapping[str, Any] | None) -> list[str]:
    """The disease areas a disease-specific (DS) condition names, e.g. "Cystic fibrosis"."""
    out = []
    for entry in (conditions or {}).get("duoDataUse") or []:
        for d in entry.get("diseases") or []:
            label, code = d.get("label"), str(d.get("id") or "")
            out.append(f"{label} ({code})" if label and code else str(label or code))
    return [d for d in out if d]


def build_datasets(
    datasets: Mapping[str, Any],
    cohorts: Mapping[str, Any],
    members: Iterable[Any],
    topics: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> list[Dataset]:
    """Datasets from a network ``/datasets`` and ``/cohorts`` answer and the member states.

    ``topics`` are the themes, health categories and keywords of each (member, dataset) from
    the hub's harvest of the members' DCAT-AP catalogues (:meth:`CatalogueHarvester.topics`);
    the disease of a disease-specific data-use condition is a theme too.
    """
    topics = topics or {}
    infos = {m.config.id: m.metadata.info for m in members}
    sizes: dict[tuple[str, str], int] = {}
    for c in (cohorts.get("response") or {}).get("collections") or []:
        if isinstance(c.get("cohortSize"), int):
            sizes[(c.get("info", {}).get("memberId", ""), str(c.get("id")))] = c["cohortSize"]
    out = []
    for d in (datasets.get("response") or {}).get("collections") or []:
        info = d.get("info") or {}
        member = str(info.get("memberId", ""))
        conditions = tuple(explain(d.get("dataUseConditions")))
        codes = tuple(sorted({c.code for c in conditions}))
        access = OPEN if codes == ("NRES",) else CONTROLLED
        size = sizes.get((member, str(d.get("id"))))
        organisation, contact = _organisation(infos.get(member))
        country = str(info.get("country") or "?")
        harvested = topics.get((member, str(d.get("id"))), ())
        themes = tuple(dict.fromkeys([*harvested, *_diseases(d.get("dataUseConditions"))]))
        out.append(
            Dataset(
                id=str(d.get("id")),
                name=str(d.get("name") or d.get("id")),
                description=str(d.get("description") or ""),
                country=country,
                member_id=member,
                organisation=organisation,
                contact=contact,
                conditions=conditions,
                size=size,
                updated=d.get("updateDateTime"),
                conditions_raw=d.get("dataUseConditions") or {},
                themes=themes,
                facets={
                    "country": (country,),
                    "theme": themes or (NO_THEME,),
                    "access": (access,),
                    "condition": tuple(f"{c.code}: {c.label}" for c in conditions)
                    or ("none stated",),
                    "size": (_size_bucket(size),),
                },
            )
        )
    return sorted(out, key=lambda d: (d.country, d.name))


async def network_datasets(
    service: NetworkService, topics: Mapping[tuple[str, str], Sequence[str]] | None = None
) -> list[Dataset]:
    """Every member's datasets as the public sees them (one fan-out for each collection), with
    the ``topics`` of the harvested catalogues."""
    answers = []
    for entry in ("datasets", "cohorts"):
        query = from_get(entry, {}, "", filters=[], max_page=service.beacon.max_page_size)
        _, body = await service.query(query, token=None)
        answers.append(body)
    return build_datasets(answers[0], answers[1], service.registry.members, topics)


@dataclass(frozen=True)
class Browse:
    """A filtered, searched list of datasets and the facet counts that go with it."""

    datasets: list[Dataset]
    facets: dict[str, list[tuple[str, int, bool]]]
    total: int


def browse(
    datasets: Sequence[Dataset], *, text: str = "", chosen: Mapping[str, Sequence[str]]
) -> Browse:
    """Datasets matching every word of ``text`` and, per facet, any chosen value.

    Facet counts are computed over the datasets that match the text and the *other* facets, so
    each count says how many datasets ticking that value would show.
    """
    words = [w.casefold() for w in re.findall(r"\w+", text)]

    def text_ok(d: Dataset) -> bool:
        hay = " ".join(
            [
                d.id,
                d.name,
                _plain(d.description),
                d.country,
                d.organisation or "",
                *(f"{c.code} {c.label}" for c in d.conditions),
                *d.themes,
            ]
        ).casefold()
        return all(w in hay for w in words)

    def facets_ok(d: Dataset, skip: str | None = None) -> bool:
        return all(
            not values or set(values) & set(d.facets.get(name, ()))
            for name, values in chosen.items()
            if name != skip
        )

    matching = [d for d in datasets if text_ok(d)]
    facets: dict[str, list[tuple[str, int, bool]]] = {}
    for name in FACETS:
        counts = Counter(v for d in matching if facets_ok(d, name) for v in d.facets.get(name, ()))
        for value in chosen.get(name, ()):
            counts.setdefault(value, 0)
        facets[name] = [(v, n, v in chosen.get(name, ())) for v, n in sorted(counts.items())]
    shown = [d for d in matching if facets_ok(d)]
    return Browse(shown, facets, len(datasets))

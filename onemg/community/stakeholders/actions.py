"""Related pan-European actions and initiatives: a curated list of links.

Coordinators add and remove entries (audited). :data:`DEMO_ACTIONS` is the demo hub's list,
written for the demo from the public record of the 1+MG initiative.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from onemg.community.stakeholders.context import Deps, Viewer, require
from onemg.community.stakeholders.store import ActionRecord
from onemg.errors import InvalidInputError

DEMO_ACTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "1+ Million Genomes initiative",
        "https://digital-strategy.ec.europa.eu/en/policies/1-million-genomes",
        "The declaration of EU countries to give secure cross-border access to genomic and "
        "related health data.",
    ),
    (
        "Beyond 1 Million Genomes (B1MG)",
        "https://b1mg-project.eu/",
        "The 2020-2023 project that supported the 1+MG initiative: stakeholder coordination, "
        "the Maturity Level Model, the Trust Framework.",
    ),
    (
        "Genomic Data Infrastructure (GDI)",
        "https://gdi.onemilliongenomes.eu/",
        "The project that builds the 1+MG infrastructure: national nodes and the user portal.",
    ),
    (
        "1+MG Framework",
        "https://framework.onemilliongenomes.eu/",
        "Guidelines and standards for the 1+MG network: governance, ELSI, technical "
        "infrastructure, data quality.",
    ),
    (
        "European Health Data Space",
        "https://health.ec.europa.eu/ehealth-digital-health-and-care/european-health-data-space_en",
        "The EU framework for the primary and secondary use of health data.",
    ),
    (
        "ELIXIR",
        "https://elixir-europe.org/",
        "The European infrastructure for life-science data, a partner of B1MG and GDI.",
    ),
    (
        "European Joint Programme on Rare Diseases",
        "https://www.ejprarediseases.org/",
        "A European programme for rare-disease research and its data resources.",
    ),
)


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) address."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInputError(f"link {url!r}: give a full address starting with https://")
    return url


class Actions:
    """The curated list of related actions."""

    def __init__(self, deps: Deps) -> None:
        self._d = deps

    def list(self) -> list[ActionRecord]:
        """The related actions, in their curated order."""
        return self._d.store.actions()

    def add(self, viewer: Viewer | None, *, title: str, url: str, summary: str) -> int:
        """Add an action at the end of the list (coordinators); its id."""
        actor = require(viewer, "coordinator")
        title = " ".join(title.split())
        if not 1 <= len(title) <= 300:
            raise InvalidInputError("title: name the action")
        position = len(self._d.store.actions())
        action_id = self._d.store.add_action(
            title=title, url=check_url(url), summary=summary.strip()[:2000], position=position
        )
        self._d.record(actor.sub, "stakeholders.action", f"action:{action_id}", "added")
        return action_id

    def remove(self, viewer: Viewer | None, action_id: int) -> None:
        """Remove an action (coordinators)."""
        actor = require(viewer, "coordinator")
        self._d.store.remove_action(action_id)
        self._d.record(actor.sub, "stakeholders.action", f"action:{action_id}", "removed")

    def seed_demo(self) -> int:
        """Load :data:`DEMO_ACTIONS` into an empty list; how many were added."""
        if self._d.store.actions():
            return 0
        for n, (title, url, summary) in enumerate(DEMO_ACTIONS):
            self._d.store.add_action(title=title, url=url, summary=summary, position=n)
        return len(DEMO_ACTIONS)

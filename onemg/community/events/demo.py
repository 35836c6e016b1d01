"""Demo events: the B1MG events table (b1mg-project.eu, news & events page), plus one
upcoming forum that takes registrations, so the demo hub shows the whole flow.

The names, months, work packages, organisers and outcomes are those of the B1MG events table;
the 2022 forum's date (13 October 2022) and registration deadline (Wed 12 October 2022, 12:00
Central European time) and the 2021 forum's days (17-18 November 2021) are from the same page.
Everything is marked as demo content.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from onemg.community.events.records import WORKSHOP_AREAS
from onemg.community.events.service import EventService, SessionDraft
from onemg.community.events.zones import CET, in_zone

CONTACT = "b1mg-coordination@elixir-europe.org"
_TRUST = "Open consultation with internal and external stakeholders"
_ROUNDTABLE = "Stakeholders engagement: requirements, consultation, validation."
_VISIT = "Capacity building, Mirror Groups and sustainability."

#: (id, month "YYYY-MM", name, WP, organiser, outcome) of the events table, month precision.
TABLE: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "b1mg-kick-off-2020",
        "2020-06",
        "B1MG Kick-off",
        "WP6/All",
        "ELIXIR Hub",
        "All the project board mobilised. Review and agree plan for the year ahead.",
    ),
    (
        "roundtable-2020-10",
        "2020-10",
        "Framework Stakeholder Coordination Roundtable",
        "WP1",
        "EAPM",
        _ROUNDTABLE,
    ),
    (
        "country-visit-1-2021",
        "2021-01",
        "B1MG Personalised Medicine Delivery (country visit)",
        "WP5, WP6",
        "University of Tartu",
        _VISIT,
    ),
    (
        "wp4-workshop-2021-03",
        "2021-03",
        "B1MG Secure Cross-Border Technical infrastructure",
        "WP4",
        "Uppsala University",
        "Synthetic human datasets for safe cross-border testing.",
    ),
    (
        "country-visit-2-2021",
        "2021-04",
        "B1MG Personalised Medicine Delivery. Country Visit 2",
        "WP5, WP6",
        "ELIXIR Hub",
        _VISIT,
    ),
    (
        "wp4-workshop-2021-06",
        "2021-06",
        "B1MG Secure Cross-Border Technical infrastructure; B1MG-OG F2F meeting",
        "WP4, WP6",
        "CSC",
        "Security on federated data access processes.",
    ),
    (
        "elsi-workshop-2021-06",
        "2021-06",
        "B1MG ELSI Stakeholder Workshop",
        "WP2",
        "ECRIN",
        "Security on federated data access processes.",
    ),
    (
        "pmd-workshop-1-2021",
        "2021-09",
        "B1MG Personalised Medicine Delivery. Workshop 1",
        "WP5, WP6",
        "INSA",
        "Capacity building: B1MG Maturity level model, indicators, processes.",
    ),
    (
        "roundtable-2021-09",
        "2021-09",
        "Framework Stakeholder Coordination Roundtable",
        "WP1",
        "EMBL",
        _ROUNDTABLE,
    ),
    (
        "wp4-workshop-2021-09",
        "2021-09",
        "B1MG Secure Cross-Border Technical infrastructure",
        "WP4",
        "CNRS",
        "Synchronicity between regulation and technology.",
    ),
    (
        "pmd-workshop-2-2021",
        "2021-11",
        "B1MG Personalised Medicine Delivery. Workshop 2",
        "WP5, WP6",
        "DTL Projects",
        "Capacity building: Harmonising economic evaluation models. Sustainability.",
    ),
    (
        "general-assembly-2021",
        "2021-11",
        "B1MG Summit Open event; B1MG GA meeting",
        "WP6 (All)",
        "ELIXIR Hub",
        f"{_TRUST}; GA meeting. Review and agreed plan for the second half of the "
        "project; EC review meeting.",
    ),
    (
        "roundtable-2021-11",
        "2021-11",
        "Framework Stakeholder Coordination Roundtable",
        "WP1",
        "EAPM",
        _ROUNDTABLE,
    ),
    (
        "ec-review-2021",
        "2021-12",
        "B1MG EC review meeting",
        "WP6 (All)",
        "ELIXIR Hub",
        "Review project progress and preparation for the B1MG summit and the mid-term review.",
    ),
    (
        "og-f2f-2022-01",
        "2022-01",
        "B1MG-OG F2F meeting",
        "WP6 (All)",
        "ELIXIR Hub",
        "Review EC feedback. Review and agree a plan for the second-half of the project.",
    ),
    (
        "wp4-workshop-2022-03",
        "2022-03",
        "B1MG Secure Cross-Border Technical infrastructure",
        "WP4",
        "CRG",
        "Identify the barriers: existing cross-border data discovery and access solutions.",
    ),
    (
        "wp4-workshop-2022-09",
        "2022-09",
        "B1MG Secure Cross-Border Technical infrastructure",
        "WP4",
        "University of Milan",
        "Interfaces for cross-border interoperable services.",
    ),
    (
        "roundtable-2022-12",
        "2022-12",
        "Framework Stakeholder Coordination Roundtable",
        "WP1",
        "EMBL",
        _ROUNDTABLE,
    ),
    (
        "wp4-workshop-2023-03",
        "2023-03",
        "B1MG Secure Cross-Border Technical infrastructure",
        "WP4",
        "University of Ljubljana",
        "Healthcare and genomes - capacity building for Europe.",
    ),
    (
        "final-review-2023",
        "2023-06",
        "B1MG Final Review",
        "WP6 (All)",
        "ELIXIR Hub",
        "Final project review meeting.",
    ),
)

UPCOMING_ID = "stakeholder-forum-demo"


def seed_demo_events(service: EventService, *, clock: Callable[[], float] = time.time) -> int:
    """Create the demo events that are missing; returns how many were created."""
    have = {e.id for e in service.events()}
    made = 0

    def create(**fields: object) -> None:
        nonlocal made
        if fields["id"] not in have:
            service.create(demo=True, timezone=CET, contact_email=CONTACT, **fields)  # type: ignore[arg-type]
            made += 1

    create(
        id="stakeholder-forum-2022",
        name="1+MG / B1MG Stakeholder Forum",
        precision="day",
        start="2022-10-13",
        wp="WP1",
        organiser="1+MG/B1MG",
        online=True,
        location="Virtual meeting",
        description="The third and last stakeholder forum of B1MG: how stakeholders can "
        "contribute to scaling up and sustaining the B1MG efforts, with a panel on industry "
        "engagement and parallel workshops per use case.",
        outcome="Panel discussion on industry engagement; contribution from stakeholders to "
        "scale up and sustainability of B1MG efforts; updates on progress to date (MLM and "
        "1+MG Trust Framework).",
        registration=True,
        registration_deadline="2022-10-12 12:00",
        sessions=[SessionDraft(k, t) for k, t in WORKSHOP_AREAS if k != "industry"],
    )
    create(
        id="stakeholder-forum-2021",
        name="B1MG Stakeholder Forum",
        precision="day",
        start="2021-11-17",
        end="2021-11-18",
        wp="WP1",
        organiser="ELIXIR Hub",
        online=True,
        location="Virtual meeting",
        description="About 300 attendees; parallel workshops for each use case gave "
        "recommendations on elements of the 1+MG Trust Framework.",
        outcome=f"{_TRUST}; set out the 1+MG Trust framework; alignment of Stakeholders and "
        "Partner Projects with the B1MG Use Cases.",
        sessions=[SessionDraft(k, t) for k, t in WORKSHOP_AREAS],
    )
    for event_id, month, name, wp, organiser, outcome in TABLE:
        create(
            id=event_id,
            name=name,
            precision="month",
            start=month,
            wp=wp,
            organiser=organiser,
            outcome=outcome,
        )
    # One forum ahead of now, open for registration (small capacities, to try the waiting list).
    day = in_zone(datetime.fromtimestamp(clock(), UTC) + timedelta(days=60), CET).date()
    create(
        id=UPCOMING_ID,
        name="1+MG Stakeholder Forum (demo)",
        precision="time",
        start=f"{day} 09:30",
        end=f"{day} 16:30",
        wp="WP1",
        organiser="1+MG coordination",
        online=True,
        location="Virtual meeting",
        description="A fictional forum to try registration: pick a workshop session; when "
        "it is full you join its waiting list.",
        registration=True,
        registration_deadline=f"{day - timedelta(days=1)} 12:00",
        capacity=100,
        sessions=[SessionDraft(k, t, 15) for k, t in WORKSHOP_AREAS],
    )
    return made


def load_demo_events(data_dir: Path, *, echo: Callable[[str], None] = print) -> str:
    """Seed the demo events into the hub data directory ``data_dir``; returns the page path."""
    from onemg.community.events.wiring import build_service
    from onemg.settings import Settings
    from onemg.web.pages import WebServices

    web = WebServices.for_settings(Settings(data_dir=data_dir))
    try:
        made = seed_demo_events(build_service(web))
    finally:
        web.dispose()
    if made:
        echo(f"loaded {made} demo events (the B1MG events table) ...")
    return "/events"

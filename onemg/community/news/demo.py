"""Demo news: eight posts on the 1+MG / B1MG milestones, labelled as demo content.

Titles and dates are those of the B1MG project's news page (b1mg-project.eu, June 2020 to
October 2022); the texts are short summaries written for onemg, not copies. Loading is
idempotent: a post whose address exists already is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from onemg.community.news.service import slugify, validate_post
from onemg.community.news.store import NewsStore
from onemg.times import instant_in_zone

_NOTE = (
    "\n\n*Demo content: a summary written for the onemg demonstration hub, after the "
    "B1MG project's news page. It is not an official 1+MG or B1MG communication.*\n"
)

#: (title, date, summary, body, tags, links as "label | URL" lines)
POSTS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "The Beyond 1 Million Genomes project begins",
        "2020-06-04",
        "B1MG, the EU project that supports the 1+ Million Genomes initiative, started in "
        "June 2020.",
        "The **Beyond 1 Million Genomes** project (B1MG, Horizon 2020 grant 951724) started in "
        "June 2020. Over three years it works with the countries of the 1+ Million Genomes "
        "initiative (1+MG) on what cross-border access to genomic health data needs: legal "
        "and ethical guidance, quality standards, technical infrastructure, and ways to bring "
        "genomics into healthcare.\n\nStakeholder engagement is part of the plan from the "
        "first day: a coordination group, a portal for stakeholders, and yearly forums.",
        "project",
        "B1MG grant on CORDIS | https://cordis.europa.eu/project/id/951724",
    ),
    (
        "The B1MG Stakeholder Portal launches",
        "2020-10-19",
        "The Stakeholder Coordination Portal opens: people from ten stakeholder groups can "
        "register and take part in the project's work.",
        "The **Stakeholder Coordination Portal** is open. It is how the Stakeholder "
        "Coordination Group brings experts into the project's work packages.\n\nTen groups "
        "are invited: citizens and patient organisations; clinicians and medical specialists; "
        "academics; medicines authorities (EU/EMA and national); HTA bodies; funders; industry "
        "(diagnostics, pharmaceuticals, ICT); national policy and decision makers; "
        "infrastructures; and EU Joint Actions.\n\nRegistered members can:\n\n"
        "- join project workshops as external experts;\n"
        "- be **early reviewers** of initial draft recommendations;\n"
        "- be **validators** of mature drafts;\n"
        "- read the project's documents;\n"
        "- find related actions at European level.",
        "stakeholder portal, stakeholder forum",
        "The Stakeholder Coordination Portal | /stakeholders",
    ),
    (
        "New B1MG newsletter released",
        "2021-04-08",
        "The April 2021 newsletter reports on the first country visit, Denmark joining 1+MG "
        "and the Genome of Europe proposal.",
        "The **April 2021** edition of the B1MG newsletter is out. It carries a report from "
        "the project's first country visit, the news that Denmark has joined the 1+ Million "
        "Genomes initiative, and information on the Genome of Europe proposal.\n\n"
        "Subscribe to get the next edition by e-mail.",
        "newsletter",
        "Subscribe to the newsletter | /newsletter",
    ),
    (
        "Five project deliverables published",
        "2021-06-07",
        "Five deliverables are public: the stakeholder portal (D1.2), sequencing quality "
        "metrics (D3.1), phenotypic and genetic data linking (D3.7), the cross-border access "
        "roadmap (D4.1) and mirror groups (D6.6).",
        "Five B1MG deliverables are now public on Zenodo:\n\n"
        "- **D1.2**: the stakeholder portal within the project website, where stakeholders "
        "share documents and give feedback;\n"
        "- **D3.1**: quality metrics for whole genome and whole exome sequencing;\n"
        "- **D3.7**: good practice for sharing and linking phenotypic and genetic data, in "
        "healthcare and research;\n"
        "- **D4.1**: a living roadmap for the infrastructure for secure cross-border access "
        "to genetic and phenotypic data;\n"
        "- **D6.6**: an analysis of the national mirror groups, which take different shapes "
        "from country to country.",
        "deliverables",
        "D1.2 Stakeholder portal | https://zenodo.org/record/4813451\n"
        "D3.1 Quality metrics for sequencing | https://zenodo.org/record/4889391\n"
        "D3.7 Sharing and linking phenotypic and genetic data | https://zenodo.org/record/4819149\n"
        "D4.1 Secure cross-border data access roadmap | https://zenodo.org/record/4889401\n"
        "D6.6 Analysis and assessment of mirror groups | https://zenodo.org/record/4813544",
    ),
    (
        "Country visit videos now online",
        "2021-08-17",
        "Recordings of the virtual visits to the UK, Estonia and Finland, and flash talks from "
        "nine more countries, are online.",
        "In 2021 B1MG partners visited, virtually, three countries with established genomic "
        "medicine programmes: the **United Kingdom** (March, 12 videos), **Estonia** (May, 10) "
        "and **Finland** (June, 10). The visits looked at how genomic medicine reaches "
        "healthcare, at national mirror groups and at sustainability, and fed the 1+MG "
        "roadmap.\n\nCountries of the initiative also gave flash talks on their progress: "
        "Belgium, Bulgaria, Denmark, Hungary, Latvia, Lithuania, Portugal, Spain and Sweden.",
        "country visit",
        "",
    ),
    (
        "Experts debate secure access to genomic health data in Europe",
        "2021-11-30",
        "On 17 and 18 November 2021 about 300 people met online for the B1MG stakeholder "
        "meeting and General Assembly.",
        "For two days, on **17 and 18 November 2021**, the project discussed its plan for "
        "secure cross-border access to genomic health data with its stakeholders. About 300 "
        "people attended the stakeholder meeting.\n\nParallel workshops, one per use case "
        "(rare diseases, cancers, common and complex diseases, infectious diseases, industry "
        "and the Genome of Europe), gave feedback on parts of the 1+MG Trust Framework. A "
        "summary of the discussions is to follow, and will shape the project's tasks for "
        "2022.",
        "stakeholder forum",
        "Events | /events",
    ),
    (
        "2021 B1MG General Assembly",
        "2021-11-30",
        "All work packages met in one virtual room to review progress, from the stakeholder "
        "strategy to ELSI, infrastructure and health technology assessment.",
        "The General Assembly that followed the stakeholder meeting brought every work "
        "package together. It opened with the stakeholder engagement strategy, then covered "
        "ethical, legal and social implications, national differences in law, "
        "infrastructure, standards and quality, data access requirements, personalised "
        "medicine, health technology assessment, sustainability, mirror groups and "
        "training.\n\nSmaller rooms per work package followed, so that the work of each feeds "
        "the common 1+MG roadmap.",
        "project",
        "",
    ),
    (
        "1+MG / B1MG Stakeholder Forum - 13 October 2022",
        "2022-10-13",
        "The third and last B1MG Stakeholder Forum, online on 13 October 2022: how "
        "stakeholders can help scale up and sustain the project's results.",
        "The third B1MG Stakeholder Forum took place online on **Thursday 13 October 2022**; "
        "registration closed at 12:00 CET on 12 October.\n\nAs the last forum of the project "
        "it asked how stakeholders can help scale up and sustain what B1MG built. Updates "
        "covered the 1+MG Trust Framework, the Maturity Level Model and industry engagement, "
        "with a panel on industry and parallel workshops on rare disease, cancer, common and "
        "complex disease, infectious disease and the Genome of Europe.",
        "stakeholder forum",
        "Events | /events\nThe Maturity Level Model | /mlm/model",
    ),
)


def load_demo_news(engine: Engine) -> int:
    """Add the demo posts that are missing (published, marked demo); return how many."""
    store = NewsStore(engine)
    added = 0
    for title, date, summary, body, tags, links in POSTS:
        if store.has_slug(slugify(title)):
            continue
        when = instant_in_zone(date, "12:00", "Europe/Brussels")
        data = validate_post(
            title=title,
            dated_at=when,
            summary=summary,
            body=body + _NOTE,
            tags=tags,
            links=links,
            demo=True,
        )
        store.create(data, author=None, published=True)
        added += 1
    return added


def load_demo_news_hub(data_dir: Path, *, echo: Callable[[str], None] = print) -> int:
    """Load the demo posts into the hub data directory ``data_dir`` (``onemg demo``)."""
    from onemg.settings import Settings
    from onemg.web.pages import WebServices

    web = WebServices.for_settings(Settings(data_dir=data_dir))
    try:
        added = load_demo_news(web.engine)
    finally:
        web.dispose()
    if added:
        echo(f"loaded {added} demo news posts (1+MG/B1MG milestones)")
    return added

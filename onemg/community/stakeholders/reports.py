"""The consolidated report of a closed round: every comment with its disposition, the verdict
tally by stakeholder group, and the participants who consented to be named; as HTML (a page),
PDF (weasyprint) and CSV.

Contributors who did not consent to be named appear as "Reviewer 1", "Reviewer 2"... (numbered
in order of first contribution), so the report never names anyone without their consent.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

import jinja2

from onemg.community.stakeholders.context import Deps, Viewer
from onemg.community.stakeholders.reviews import Reviews, RoundView
from onemg.community.stakeholders.vocab import (
    DISPOSITION_LABELS,
    GROUP_LABELS,
    ROUND_LABELS,
    VERDICT_LABELS,
    VERDICTS,
)
from onemg.errors import WorkflowError


@dataclass(frozen=True)
class ReportComment:
    """One comment as the report shows it."""

    paragraph: str
    contributor: str
    groups: str
    body: str
    disposition: str
    response: str


@dataclass(frozen=True)
class Report:
    """A round's consolidated report."""

    view: RoundView
    kind_label: str
    comments: tuple[ReportComment, ...]
    #: (group label, {verdict key: count}) for every group with a verdict; then "All".
    tally: tuple[tuple[str, dict[str, int]], ...]
    verdicts: tuple[tuple[str, str, str, str], ...]  # contributor, groups, verdict, why
    named: tuple[tuple[str, str, str], ...]  # name, organisation, country
    verdict_labels: tuple[tuple[str, str], ...] = VERDICTS


def _groups(keys: tuple[str, ...]) -> str:
    return "; ".join(GROUP_LABELS.get(k, k) for k in keys)


def build_report(deps: Deps, reviews: Reviews, viewer: Viewer | None, round_id: int) -> Report:
    """The consolidated report of a closed round (its viewers only)."""
    view = reviews.view(viewer, round_id)
    if view.round.status != "closed":
        raise WorkflowError("the consolidated report is made when the round closes")
    order: list[str] = []
    for sub in [c.author for c in view.comments] + [v.author for v in view.verdicts]:
        if sub not in order:
            order.append(sub)
    members = {sub: deps.store.member(sub) for sub in order}

    def label(sub: str) -> str:
        member = members.get(sub)
        if member is not None and member.named_in_reports:
            return f"{member.name} ({member.organisation})"
        return f"Reviewer {order.index(sub) + 1}"

    comments = tuple(
        ReportComment(
            paragraph=c.paragraph or "whole document",
            contributor=label(c.author),
            groups=_groups(members[c.author].groups) if members.get(c.author) else "",
            body=c.body,
            disposition=DISPOSITION_LABELS.get(c.disposition or "", "no disposition"),
            response=c.response,
        )
        for c in view.comments
    )
    per_group: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for v in view.verdicts:
        total[v.verdict] += 1
        for g in v.groups:
            per_group.setdefault(g, Counter())[v.verdict] += 1
    tally = tuple(
        (GROUP_LABELS[g], {k: per_group[g][k] for k, _ in VERDICTS})
        for g in GROUP_LABELS
        if g in per_group
    )
    if view.verdicts:
        tally += (("All validators", {k: total[k] for k, _ in VERDICTS}),)
    named = tuple(
        (m.name, m.organisation, m.country)
        for m in (members[s] for s in order)
        if m is not None and m.named_in_reports
    )
    return Report(
        view=view,
        kind_label=ROUND_LABELS[view.round.kind],
        comments=comments,
        tally=tally,
        verdicts=tuple(
            (label(v.author), _groups(v.groups), VERDICT_LABELS[v.verdict], v.justification)
            for v in view.verdicts
        ),
        named=named,
    )


def report_csv(report: Report) -> str:
    """The report as CSV: one row per comment, per verdict and per tally cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["kind", "paragraph", "contributor", "groups", "text", "outcome", "response"])
    for c in report.comments:
        writer.writerow(
            [
                "comment",
                c.paragraph,
                c.contributor,
                c.groups,
                _cell(c.body),
                c.disposition,
                _cell(c.response),
            ]
        )
    for contributor, groups, verdict, why in report.verdicts:
        writer.writerow(["verdict", "", contributor, groups, _cell(why), verdict, ""])
    for group, counts in report.tally:
        for key, count in counts.items():
            writer.writerow(["tally", "", "", group, str(count), VERDICT_LABELS[key], ""])
    return out.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet programs (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_PDF_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("onemg.community.stakeholders", "templates"),
    autoescape=jinja2.select_autoescape(default=True),
)


def report_pdf(report: Report, context: dict[str, Any] | None = None) -> bytes:
    """The report as PDF (weasyprint over the same report body as the page)."""
    import weasyprint

    html = _PDF_TEMPLATES.get_template("stakeholders/report_pdf.html").render(
        {"report": report, **(context or {})}
    )
    return weasyprint.HTML(string=html).write_pdf()

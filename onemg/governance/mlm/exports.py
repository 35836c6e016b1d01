"""CSV export of an assessment (the JSON export is :meth:`MlmService.export`)."""

from __future__ import annotations

import csv
import io
from typing import Any


def to_csv(document: dict[str, Any]) -> str:
    """One row per indicator: domain, subdomain, statement, consensus, panel median/agreement."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    a = document["assessment"]
    gaps = {g["indicator"]: g for g in document["gaps"]}
    writer.writerow(
        [
            "system",
            "assessment",
            "model_version",
            "indicator",
            "domain",
            "subdomain",
            "statement",
            "consensus_level",
            "panel_median",
            "panel_agreement_pct",
            "panel_agreed",
            "target_level",
            "next_step",
            "stage",
            "owner",
            "due",
            "rationale",
        ]
    )
    for ind in document["indicators"]:
        g = gaps.get(ind["id"], {})
        pct = ind["panelAgreementPct"]
        writer.writerow(
            [
                a["system"]["id"],
                a["id"],
                a["modelVersion"],
                ind["id"],
                ind["domain"],
                ind["subdomain"],
                ind["statement"],
                ind["consensusLevel"] or "",
                "" if ind["panelMedian"] is None else ind["panelMedian"],
                "" if pct is None else f"{pct:.1f}",
                ind["panelAgreed"],
                a["targetLevel"],
                g.get("nextStep", ""),
                g.get("stage", ""),
                g.get("owner", ""),
                g.get("due", ""),
                ind["rationale"],
            ]
        )
    return buf.getvalue()

"""Assembles the PDF report of an assessment from the service's results (see :mod:`.pdf`)."""

from __future__ import annotations

from onemg.governance.mlm.pdf import report_pdf
from onemg.governance.mlm.service import Actor, MlmService


def pdf_bytes(service: MlmService, actor: Actor, assessment_id: int) -> bytes:
    """The PDF report: charts, domain summaries (derived), gap list and roadmap, progress."""
    data = service.results(actor, assessment_id)
    view = data["view"]
    series = [(view.record.title, view.levels)]
    if data["deltas"] is not None:
        series.append(
            (
                data["previous"].title,
                {d.indicator.id: d.previous for d in data["deltas"] if d.previous is not None},
            )
        )
    return report_pdf({"model": view.model, "v": view, "series": series, **data})

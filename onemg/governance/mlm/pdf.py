"""The PDF report of an assessment: weasyprint over HTML, charts as inline SVG from matplotlib.

Plotly's own static export (kaleido) drives a headless Chrome; a hub should not need a browser to
write a report, so the PDF draws the same radar and heat-map series with matplotlib's SVG backend.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from onemg.governance.mlm.charts import domain_means
from onemg.governance.mlm.model import Domain, Model


def _svg(fig: Any) -> Markup:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return Markup(text[text.index("<svg") :])


def _radar(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], title: str
) -> Markup:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # keep chart text as text (searchable PDF)
    import matplotlib.pyplot as plt
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, len(labels), endpoint=False).tolist()
    fig, ax = plt.subplots(figsize=(4.2, 4.2), subplot_kw={"projection": "polar"})
    colours = ("#0b4f8a", "#c45100", "#1a6b2f")
    for n, (name, values) in enumerate(series):
        vals = [v if v is not None else 0 for v in values]
        ax.plot([*angles, angles[0]], [*vals, vals[0]], color=colours[n % 3], label=name)
        if n == 0:
            ax.fill([*angles, angles[0]], [*vals, vals[0]], color=colours[0], alpha=0.2)
    ax.set_ylim(0, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_xticks(angles)
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.25), fontsize=7, ncol=2)
    return _svg(fig)


def radar_domain_svg(domain: Domain, series: Sequence[tuple[str, Mapping[str, int]]]) -> Markup:
    """A domain's radar as SVG."""
    return _radar(
        [f"Ind. {i.id}" for i in domain.indicators],
        [(name, [lv.get(i.id) for i in domain.indicators]) for name, lv in series],
        f"{domain.id}. {domain.name}",
    )


def radar_overall_svg(model: Model, series: Sequence[tuple[str, Mapping[str, int]]]) -> Markup:
    """The all-domains radar (domain means, derived) as SVG."""
    return _radar(
        [d.id for d in model.domains],
        [(name, domain_means(model, lv)) for name, lv in series],
        "All domains (mean level, derived)",
    )


def heatmap_svg(model: Model, series: Sequence[tuple[str, Mapping[str, int]]]) -> Markup:
    """The indicator heat map as SVG."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt
    import numpy as np

    ids = [i.id for i in model.indicators]
    z = np.array([[lv.get(i, np.nan) for i in ids] for _, lv in series], dtype=float)
    fig, ax = plt.subplots(figsize=(9, 0.5 + 0.45 * len(series)))
    im = ax.imshow(z, cmap="Blues", vmin=1, vmax=5, aspect="auto")
    ax.set_xticks(range(len(ids)), ids, fontsize=6)
    ax.set_yticks(range(len(series)), [s for s, _ in series], fontsize=7)
    ax.set_title("Indicator heat map", fontsize=9)
    fig.colorbar(im, ax=ax, label="Level")
    return _svg(fig)


_TEMPLATE = jinja2.Environment(
    loader=jinja2.PackageLoader("onemg.governance.mlm", "templates"),
    autoescape=jinja2.select_autoescape(default=True),
)


def report_pdf(context: Mapping[str, Any]) -> bytes:
    """Render ``mlm/report.html`` with ``context`` (plus the charts) to PDF bytes."""
    import weasyprint

    model: Model = context["model"]
    series = context["series"]
    charts = {
        "overall": radar_overall_svg(model, series),
        "heatmap": heatmap_svg(model, series),
        "domains": [radar_domain_svg(d, series) for d in model.domains],
    }
    html = _TEMPLATE.get_template("mlm/report.html").render({**context, "charts": charts})
    return weasyprint.HTML(string=html).write_pdf()

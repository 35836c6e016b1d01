"""The attack report: JSON, and a standalone HTML page with plotly charts (plotly.js inline)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from onemg.privacy.attacks.strategies import LABELS


def write_json(report: dict[str, Any], path: Path) -> None:
    """Write ``report`` as indented JSON (per-target first detections included)."""
    Path(path).write_text(json.dumps(report, indent=1) + "\n")


def _figures(report: dict[str, Any]) -> list[Any]:
    import plotly.graph_objects as go

    attacks = report["attacks"]
    power = go.Figure(
        layout={
            "title": f"Power at {report['fpr']:.0%} false-positive rate",
            "xaxis": {"title": "questions per target", "type": "log"},
            "yaxis": {"title": "power", "range": [0, 1.02]},
        }
    )
    curve = go.Figure(
        layout={
            "title": f"ROC after {report['max_queries']} questions",
            "xaxis": {"title": "false-positive rate"},
            "yaxis": {"title": "true-positive rate"},
        }
    )
    first = go.Figure(
        layout={
            "title": "Questions to first detection (members)",
            "xaxis": {"title": "questions", "type": "log"},
            "yaxis": {"title": "members"},
            "barmode": "overlay",
        }
    )
    for name, res in attacks.items():
        label = LABELS.get(name, name)
        power.add_trace(
            go.Scatter(x=res["queries"], y=res["power"], mode="lines+markers", name=label)
        )
        curve.add_trace(
            go.Scatter(
                x=res["roc"]["fpr"],
                y=res["roc"]["tpr"],
                mode="lines",
                name=f"{label} (AUC {res['roc']['auc']:.2f})",
            )
        )
        hits = [v for v in res["first_detection"]["values"] if v > 0]
        first.add_trace(go.Histogram(x=hits, name=label, opacity=0.6))
    curve.add_trace(
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"dash": "dot", "color": "grey"}
        )
    )
    return [power, curve, first]


def write_html(report: dict[str, Any], path: Path) -> None:
    """A standalone page: summary table and charts; plotly.js is embedded (no CDN)."""
    figures = _figures(report)
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figures)]
    rows = "".join(
        f"<tr><td>{html.escape(LABELS.get(name, name))}</td><td>{res['power_at_max']:.3f}</td>"
        f"<td>{res['roc']['auc']:.3f}</td><td>{res['first_detection']['median'] or '-'}</td>"
        f"<td>{res['refused']}</td></tr>"
        for name, res in report["attacks"].items()
    )
    meta = html.escape(json.dumps({k: v for k, v in report.items() if k != "attacks"}))
    Path(path).write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>onemg privacy attack report</title></head><body>"
        "<h1>Re-identification attacks</h1>"
        f"<p>Target: {html.escape(str(report.get('url', '')))}; "
        f"{report['targets_in']} members, {report['targets_out']} non-members, "
        f"up to {report['max_queries']} questions each.</p>"
        "<table border='1'><tr><th>attack</th>"
        f"<th>power at {report['fpr']:.0%} FPR</th><th>AUC</th>"
        "<th>median questions to detection</th><th>refused</th></tr>"
        f"{rows}</table>{''.join(parts)}<pre>{meta}</pre></body></html>\n"
    )

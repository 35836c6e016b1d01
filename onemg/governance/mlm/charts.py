"""Plotly figures of an assessment's results, as JSON-ready dicts.

Pages draw them with the plotly.js shipped in the plotly wheel (``/static/vendor``); the PDF
report draws the same series with matplotlib (:mod:`.pdf`), since plotly's static export needs a
browser (kaleido + Chrome) that a hub server should not depend on.
"""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from onemg.governance.mlm.model import Domain, Model

COLOURS = ("#0b4f8a", "#c45100", "#1a6b2f", "#6f42c1", "#a4001d")
_LAYOUT: dict[str, Any] = {
    "margin": {"l": 70, "r": 70, "t": 60, "b": 40},
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "legend": {"orientation": "h"},
}


def _closed(values: list[Any]) -> list[Any]:
    return [*values, values[0]] if values else values


def _fig(fig: go.Figure) -> dict[str, Any]:
    return fig.to_plotly_json()


def domain_means(model: Model, levels: Mapping[str, int]) -> list[float | None]:
    """Mean consensus level per domain (derived), in model order."""
    out = []
    for d in model.domains:
        vals = [levels[i.id] for i in d.indicators if i.id in levels]
        out.append(round(statistics.fmean(vals), 2) if vals else None)
    return out


def radar_domain(
    domain: Domain, series: Sequence[tuple[str, Mapping[str, float]]]
) -> dict[str, Any]:
    """One domain's indicators as a radar, one trace per (label, levels) series."""
    theta = _closed([f"Ind. {i.id}" for i in domain.indicators])
    fig = go.Figure()
    for n, (label, levels) in enumerate(series):
        r = _closed([levels.get(i.id) for i in domain.indicators])
        fig.add_trace(
            go.Scatterpolar(
                r=r,
                theta=theta,
                name=label,
                fill="toself" if n == 0 else "none",
                line={"color": COLOURS[n % len(COLOURS)]},
                hovertext=_closed([i.statement for i in domain.indicators]),
                hoverinfo="r+text+name",
            )
        )
    fig.update_layout(
        title={"text": f"{domain.id}. {domain.name}"},
        polar={"radialaxis": {"range": [0, 5], "dtick": 1}},
        **_LAYOUT,
    )
    return _fig(fig)


def radar_overall(
    model: Model, series: Sequence[tuple[str, Mapping[str, float]]]
) -> dict[str, Any]:
    """All domains on one radar: each domain's mean level (derived)."""
    theta = _closed(["<br>".join(textwrap.wrap(f"{d.id}. {d.name}", 18)) for d in model.domains])
    fig = go.Figure()
    for n, (label, levels) in enumerate(series):
        fig.add_trace(
            go.Scatterpolar(
                r=_closed(domain_means(model, levels)),
                theta=theta,
                name=label,
                fill="toself" if n == 0 else "none",
                line={"color": COLOURS[n % len(COLOURS)]},
            )
        )
    fig.update_layout(
        title={"text": "All domains (mean level, derived)"},
        polar={"radialaxis": {"range": [0, 5], "dtick": 1}},
        **_LAYOUT,
    )
    return _fig(fig)


def heatmap(model: Model, series: Sequence[tuple[str, Mapping[str, float]]]) -> dict[str, Any]:
    """Indicator heat map: one row per series, one column per indicator, colour = level."""
    x = [i.id for i in model.indicators]
    z = [[levels.get(i) for i in x] for _, levels in series]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{i.domain_id}·{i.id}" for i in model.indicators],
            y=[s for s, _ in series],
            zmin=1,
            zmax=5,
            colorscale="Blues",
            colorbar={"title": {"text": "Level"}},
            hovertemplate="%{x}: level %{z}<extra>%{y}</extra>",
        )
    )
    fig.update_layout(
        title={"text": "Indicator heat map"},
        xaxis={"type": "category", "tickangle": -90},
        **_LAYOUT,
    )
    return _fig(fig)

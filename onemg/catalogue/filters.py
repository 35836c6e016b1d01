"""Beacon v2 filters as value objects, and the numpy kernels that evaluate the column filters.

Three kinds (Beacon's ``filters`` request parameter):

* :class:`OntologyFilter` — an ontology term id. ``HP:``, ``ICD10:``, ``ORPHA:`` match
  diseases and phenotypic features (with descendants by default); ``UBERON:`` matches the
  biosample's tissue; the NCIT sex terms ``NCIT:C16576`` (female), ``NCIT:C20197`` (male),
  ``NCIT:C17998`` (unknown) match the individual's sex.
* :class:`AlphanumericFilter` — ``yearOfBirth`` (integer), ``age`` (years at the catalogue's
  current year; ``40`` or ``P40Y``), ``country`` (ISO 3166 alpha-2), ``sex`` (``female``,
  ``male``, ``unknown`` or the NCIT id). Operators ``=`` ``<`` ``>`` ``<=`` ``>=`` ``!``
  (Beacon's not-equal; ``!=`` is accepted too). ``country`` and ``sex`` allow ``=`` and ``!``.
* :class:`CustomFilter` — ``<field>:<value>`` over biosample/run facts: ``sampleType:<id or
  label>`` (e.g. ``sampleType:OBI:0000655``), ``tissue:<id or label>``, ``platform:<name>``.

Only the scope ``individual`` (also spelt ``individuals``) and ``biosample``/``run``/``analysis``
(each individual has its own, so the individual set is the same) are accepted.
"""

from __future__ import annotations

import re

import numpy as np

from onemg.catalogue.records import SEXES
from onemg.errors import InvalidInputError
from onemg.ontology import SEX_TERMS, Ontology
from onemg.protocol.filters import (  # the value objects are part of the Beacon protocol
    CUSTOM_FIELDS,
    AlphanumericFilter,
    CustomFilter,
    Filter,
    OntologyFilter,
)


class UnknownFilterError(InvalidInputError):
    """One or more filters use ids this catalogue does not support; ``ids`` lists them."""

    def __init__(self, message: str, ids: list[str]) -> None:
        super().__init__(message)
        self.ids = ids


SCOPES = frozenset({None, "individual", "individuals", "biosample", "biosamples", "run", "runs",
                    "analysis", "analyses"})
OPERATORS = ("=", "<", ">", "<=", ">=", "!", "!=")
ALPHANUMERIC_IDS = ("yearOfBirth", "age", "country", "sex")
#: Prefixes of ontology filters over annotations (NCIT sex terms are handled separately).
ONTOLOGY_PREFIXES = ("HP", "ICD10", "ORPHA", "UBERON")
_AGE = re.compile(r"P?(\d+)Y?")


def check_scope(f: Filter) -> None:
    """Raise :class:`UnknownFilterError` for a scope other than the entry types onemg stores."""
    if f.scope not in SCOPES:
        raise UnknownFilterError(
            f"filter {f.id!r}: unsupported scope {f.scope!r}; use individual, biosample, run or "
            f"analysis", [f.id])


def compare(values: np.ndarray, operator: str, value: float) -> np.ndarray:
    """Boolean mask ``values <op> value`` for Beacon's operators."""
    if operator == "=":
        return values == value
    if operator in ("!", "!="):
        return values != value
    if operator == "<":
        return values < value
    if operator == ">":
        return values > value
    if operator == "<=":
        return values <= value
    if operator == ">=":
        return values >= value
    raise InvalidInputError(f"unknown operator {operator!r}; use one of {' '.join(OPERATORS)}")


def numeric_value(f: AlphanumericFilter) -> int:
    """The integer operand of a ``yearOfBirth`` or ``age`` filter (``age`` also takes ``P40Y``)."""
    text = f.value.strip()
    m = _AGE.fullmatch(text) if f.id == "age" else re.fullmatch(r"-?\d+", text)
    if not m:
        example = "40 or P40Y" if f.id == "age" else "1970"
        raise InvalidInputError(f"filter {f.id!r}: value {f.value!r} is not a whole number of "
                                f"years; write e.g. {example}")
    return int(m.group(1) if f.id == "age" else text)


def check_operator(f: AlphanumericFilter, *, equality_only: bool) -> None:
    """Raise for an operator Beacon does not define or that makes no sense for the field."""
    allowed = ("=", "!", "!=") if equality_only else OPERATORS
    if f.operator not in allowed:
        raise InvalidInputError(f"filter {f.id!r}: operator {f.operator!r} is not supported for "
                                f"this field; use one of {' '.join(allowed)}")


def canonical(f: Filter, ontology: Ontology) -> Filter:
    """The normalised filter (a cache key): canonical term ids and operators, no scope.

    Raises:
        UnknownFilterError: unsupported id, prefix, field or term unknown to its ontology.
        InvalidInputError: a supported filter with a bad operator or value.
    """
    if isinstance(f, OntologyFilter):
        try:
            tid = ontology.normalize(f.id)
        except InvalidInputError as exc:
            raise UnknownFilterError(str(exc), [f.id]) from None
        supported = tid in SEX_TERMS or tid.split(":")[0] in ONTOLOGY_PREFIXES
        if not supported or not ontology.is_known(tid):
            raise UnknownFilterError(f"filter {f.id!r}: not a term onemg filters on (HP, ICD10, "
                                     f"ORPHA, UBERON, NCIT sex) or unknown to its ontology; "
                                     f"GET /filtering_terms lists usable ids", [f.id])
        return OntologyFilter(tid, f.include_descendants and tid not in SEX_TERMS)
    if isinstance(f, AlphanumericFilter):
        if f.id not in ALPHANUMERIC_IDS:
            raise UnknownFilterError(f"filter {f.id!r}: unknown alphanumeric field; use "
                                     f"{', '.join(ALPHANUMERIC_IDS)}", [f.id])
        check_operator(f, equality_only=f.id in ("country", "sex"))
        op = "!" if f.operator == "!=" else f.operator
        if f.id in ("yearOfBirth", "age"):
            return AlphanumericFilter(f.id, op, str(numeric_value(f)))
        value = f.value.strip()
        if f.id == "sex":
            value = SEX_TERMS.get(value, value.lower())
            if value not in SEXES:
                raise InvalidInputError(f"filter 'sex': value {f.value!r} is not female, male, "
                                        f"unknown or an NCIT sex term")
        return AlphanumericFilter(f.id, op, value.upper() if f.id == "country" else value)
    if isinstance(f, CustomFilter):
        field, _, value = f.id.partition(":")
        if field not in CUSTOM_FIELDS or not value:
            raise UnknownFilterError(f"custom filter {f.id!r}: use <field>:<value> with field "
                                     f"one of {list(CUSTOM_FIELDS)}", [f.id])
        return CustomFilter(f.id)
    raise InvalidInputError(f"not a filter: {f!r}; use OntologyFilter, AlphanumericFilter or "
                            f"CustomFilter")

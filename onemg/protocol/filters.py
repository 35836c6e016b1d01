"""Beacon ``filters``: parse what clients send into typed, hashable filter values.

Accepted forms (``framework/json/requests/filteringTerms.json``):

* a bare string, as in GET ``filters=HP:0001250,NCIT:C16576``: an ontology term, a custom term,
  or ``id<op>value`` (``age>=P40Y``, ``yearOfBirth<1970``, ``country=FI``) for an alphanumeric;
* ``{"id": ..., "includeDescendantTerms": bool, "similarity": ..., "scope": ...}``: ontology;
* ``{"id": ..., "operator": ..., "value": ..., "scope": ...}``: alphanumeric;
* ``{"id": "prefix.field:value"}`` (a dotted prefix): custom.

Filters are ANDed. The catalogue decides what each id means; ids it does not know are reported as
a 400 error naming them (see :mod:`onemg.beacon.service`). The hub parses filters with the same
code, so a malformed filter is refused alike by a node and by the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from onemg.errors import InvalidInputError

#: Operators of alphanumeric filters (``!`` is Beacon's not-equal; ``!=`` is read as ``!``).
OPERATORS: tuple[str, ...] = ("=", "<", ">", "!", ">=", "<=")
#: Custom-filter fields of the catalogue (``<field>:<value>``), told apart from CURIEs here.
CUSTOM_FIELDS: tuple[str, ...] = ("sampleType", "tissue", "platform")


@dataclass(frozen=True)
class OntologyFilter:
    """Individuals annotated with ``id`` (or, by default, any of its descendants)."""

    id: str
    include_descendants: bool = True
    scope: str | None = None


@dataclass(frozen=True)
class AlphanumericFilter:
    """Individuals whose field ``id`` compares to ``value`` with ``operator``."""

    id: str
    operator: str
    value: str
    scope: str | None = None


@dataclass(frozen=True)
class CustomFilter:
    """A catalogue-specific ``<field>:<value>`` filter (see :mod:`onemg.catalogue.filters`)."""

    id: str
    scope: str | None = None


Filter = OntologyFilter | AlphanumericFilter | CustomFilter
_MAX_FILTERS = 50
_MAX_ID = 200
_ONTOLOGY_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:[^\s]+$")
_ALNUM_STRING = re.compile(r"^([A-Za-z][A-Za-z0-9_.:]*?)(>=|<=|!=|=|<|>|!)(.+)$")


def _check_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{where}: filter id must be a non-empty string, got {value!r}")
    value = value.strip()
    if len(value) > _MAX_ID:
        raise InvalidInputError(f"{where}: filter id longer than {_MAX_ID} characters")
    return value


def _check_scope(value: Any, where: str) -> str | None:
    # The catalogue decides which scopes it supports; only the type is checked here.
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_ID:
        raise InvalidInputError(f"{where}: scope must be an entry type name such as individual")
    return value


def _term_filter(term: str, scope: str | None, include_descendants: bool = True) -> Filter:
    prefix = term.split(":", 1)[0]
    if _ONTOLOGY_ID.match(term) and "." not in prefix and prefix not in CUSTOM_FIELDS:
        return OntologyFilter(term, include_descendants, scope)
    return CustomFilter(term, scope)


def _alphanumeric(fid: str, operator: Any, value: Any, scope: str | None, where: str) -> Filter:
    op = "!" if operator == "!=" else operator
    if op not in OPERATORS:
        raise InvalidInputError(f"{where}: operator {operator!r} is not one of {list(OPERATORS)}")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInputError(f"{where}: alphanumeric filter {fid!r} needs a string value")
    text = str(value).strip()
    if not text or len(text) > _MAX_ID:
        raise InvalidInputError(
            f"{where}: alphanumeric filter {fid!r} has an empty or overlong value"
        )
    return AlphanumericFilter(fid, op, text, scope)


def _one(item: Any, where: str) -> Filter:
    if isinstance(item, str):
        text = item.strip()
        match = _ALNUM_STRING.match(text)
        if match:
            return _alphanumeric(match.group(1), match.group(2), match.group(3), None, where)
        return _term_filter(_check_id(text, where), None)
    if isinstance(item, Mapping):
        fid = _check_id(item.get("id"), where)
        scope = _check_scope(item.get("scope"), where)
        if "operator" in item or "value" in item:
            return _alphanumeric(fid, item.get("operator", "="), item.get("value"), scope, where)
        descendants = item.get("includeDescendantTerms", True)
        if not isinstance(descendants, bool):
            raise InvalidInputError(f"{where}: includeDescendantTerms must be true or false")
        return _term_filter(fid, scope, descendants)
    raise InvalidInputError(
        f"{where}: a filter must be a string or an object, got {type(item).__name__}"
    )


def parse_filters(raw: Any) -> tuple[Filter, ...]:
    """Parse request ``filters`` (list of strings/objects, or a comma-separated string).

    Raises:
        InvalidInputError: a filter is malformed; the message names its position.
    """
    if raw is None or raw == "" or raw == []:
        return ()
    items: Iterable[Any]
    if isinstance(raw, str):
        items = [part for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list | tuple):
        items = raw
    elif isinstance(raw, Mapping):
        items = [raw]
    else:
        raise InvalidInputError("filters must be a list of filter objects or strings")
    items = list(items)
    if len(items) > _MAX_FILTERS:
        raise InvalidInputError(f"at most {_MAX_FILTERS} filters per request")
    parsed = [_one(item, f"filters[{i}]") for i, item in enumerate(items)]
    # Order does not change the meaning (AND); a canonical order makes caching effective.
    return tuple(dict.fromkeys(sorted(parsed, key=repr)))


def filter_summary(filters: tuple[Filter, ...]) -> list[str]:
    """The filters as strings, for ``receivedRequestSummary.filters`` (an array of strings)."""
    out = []
    for f in filters:
        if isinstance(f, AlphanumericFilter):
            out.append(f"{f.id}{f.operator}{f.value}")
        else:
            out.append(f.id)
    return out

"""The Data Use Ontology (DUO) from the small table shipped in ``onemg/data/duo.tsv``.

DUO is tiny (a few dozen terms), so it is read once per process into frozen records; the access
capability matches a dataset's data-use conditions against a researcher's declared use with
:func:`duo_ancestors`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from onemg.errors import InvalidInputError, NotFoundError


@dataclass(frozen=True)
class DuoTerm:
    """One DUO class: id (``DUO:0000042``), shorthand (``GRU``), label and direct parents."""

    id: str
    shorthand: str
    label: str
    parents: tuple[str, ...]


@functools.cache
def _duo_table() -> dict[str, DuoTerm]:
    """Read ``duo.tsv`` once per process; the table is immutable afterwards."""
    text = (Path(__file__).parent.parent / "data" / "duo.tsv").read_text(encoding="utf-8")
    table: dict[str, DuoTerm] = {}
    header_seen = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        cols = line.split("\t")
        if len(cols) != 4:
            raise InvalidInputError(f"onemg/data/duo.tsv line {lineno}: expected 4 tab-separated "
                                    f"columns (id, shorthand, label, parent), got {len(cols)}")
        term_id, short, label, parent = cols
        table[term_id] = DuoTerm(term_id, short, label, tuple(p for p in parent.split("|") if p))
    return table


def duo_terms() -> list[DuoTerm]:
    """Every DUO term in the shipped table."""
    return list(_duo_table().values())


def duo_term(term_id: str) -> DuoTerm:
    """The DUO term ``term_id`` (e.g. ``DUO:0000042``).

    Raises:
        NotFoundError: the id is not in the shipped DUO table.
    """
    term = _duo_table().get(term_id.strip())
    if term is None:
        raise NotFoundError(f"unknown DUO term {term_id!r}; known ids are DUO:0000001..DUO:0000046 "
                            f"as listed in onemg/data/duo.tsv")
    return term


def duo_ancestors(term_id: str, *, include_self: bool = True) -> frozenset[str]:
    """All ancestors of a DUO term (transitively), by default including the term itself."""
    table = _duo_table()
    duo_term(term_id)
    seen: set[str] = set()
    stack = [term_id.strip()]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(table[current].parents if current in table else ())
    if not include_self:
        seen.discard(term_id.strip())
    return frozenset(seen)

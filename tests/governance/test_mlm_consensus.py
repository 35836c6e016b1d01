"""Consensus arithmetic on hand-made panels, and the Delphi rule at its boundaries."""

from __future__ import annotations

from fractions import Fraction

import pytest

from onemg.errors import InvalidInputError
from onemg.governance.mlm.consensus import DelphiRule, spread

RULE = DelphiRule()


def test_hand_made_panel() -> None:
    s = spread([3, 3, 4, 2, 5, None], RULE)
    # Known: 2,3,3,4,5 -> median 3; within ±1: 2,3,3,4 = 4/5; none 3+ away.
    assert s.levels == (2, 3, 3, 4, 5)
    assert s.dont_know == 1
    assert s.median == 3
    assert s.agreement == Fraction(4, 5)
    assert s.disagreement == 0
    assert s.consensus  # 80% >= 79% and no disagreement


def test_even_panel_median_is_the_mean_of_the_middle_two() -> None:
    s = spread([1, 2, 4, 5], RULE)
    assert s.median == 3.0
    assert s.agreement == Fraction(2, 4)  # 2 and 4 are within 1 of 3
    assert not s.consensus
    assert s.suggested_level == 3
    assert spread([2, 3], RULE).suggested_level == 2  # 2.5 rounds down (cautious)


@pytest.mark.parametrize(
    ("ratings", "agreed"),
    [
        # 6 of 7 within ±1 = 85.71%: below 86%, so only the lenient clause can apply.
        ([3, 3, 3, 3, 3, 3, 5], True),  # the 5 is 2 away: not a disagreement -> agreed
        ([3, 3, 3, 3, 3, 3, 1], True),
        ([4, 4, 4, 4, 4, 4, 1], False),  # the 1 is 3 away: a disagreement -> not agreed
        ([4, 4, 4, 4, 4, 4, 4], True),
    ],
)
def test_delphi_rule_six_of_seven(ratings, agreed) -> None:  # noqa: ANN001
    assert spread(ratings, RULE).consensus is agreed


def test_exactly_86_percent_with_disagreement_passes_and_just_below_fails() -> None:
    # Median 4; 43 within ±1 (level 4), 7 at level 1 (3 away: disagreement).
    s = spread([4] * 43 + [1] * 7, RULE)
    assert s.agreement == Fraction(86, 100)
    assert s.disagreement == Fraction(7, 50)
    assert s.consensus
    s = spread([4] * 42 + [1] * 7, RULE)  # 42/49 = 85.71%
    assert not s.consensus


def test_79_percent_needs_no_disagreement() -> None:
    # 79 of 100 within ±1 of median 4, 21 at level 2 (2 away: not a disagreement) -> agreed.
    assert spread([4] * 79 + [2] * 21, RULE).consensus
    # 78 of 100 -> below the lenient threshold.
    assert not spread([4] * 78 + [2] * 22, RULE).consensus
    # 79 of 100 but one rating 3 away (level 1) -> disagreement -> not agreed.
    assert not spread([4] * 79 + [2] * 20 + [1], RULE).consensus


def test_rule_is_configurable() -> None:
    strict = DelphiRule(agreement_pct=100, lenient_pct=100, tolerance=0)
    assert not spread([3, 3, 4], strict).consensus
    assert spread([3, 3, 3], strict).consensus
    with pytest.raises(InvalidInputError, match="lenient_pct <= agreement_pct"):
        DelphiRule(agreement_pct=70, lenient_pct=80)


def test_no_known_ratings_is_no_consensus() -> None:
    s = spread([None, None], RULE)
    assert s.median is None
    assert not s.consensus
    assert s.dont_know == 2
    assert not spread([3], RULE).consensus  # one rating is not a panel
    with pytest.raises(InvalidInputError, match="levels 1-5"):
        spread([6], RULE)

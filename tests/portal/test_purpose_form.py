"""The organisation type (portal form and CLI) reaches the DUO matcher (NPU: not-for-profits)."""

from __future__ import annotations

from onemg.access.duo import GRU, NCU, NPU, Verdict
from onemg.portal.applying import PurposeForm, advise

# One dataset for not-for-profit organisations only, one for non-commercial use only.
NPU_ONLY = {"duoDataUse": [{"id": GRU, "modifiers": [{"id": NPU}]}]}
NCU_ONLY = {"duoDataUse": [{"id": GRU, "modifiers": [{"id": NCU}]}]}


def test_a_for_profit_organisation_does_not_match_a_not_for_profit_dataset() -> None:
    company = PurposeForm(purpose="hmb", for_profit=True)
    university = PurposeForm(purpose="hmb")
    assert company.body()["purpose"]["non_profit_organisation"] is False
    assert university.body()["purpose"]["non_profit_organisation"] is True
    refused = advise(company.research_purpose(), NPU_ONLY)
    assert refused.verdict is Verdict.NO_MATCH
    assert "not-for-profit organisations" in " ".join(refused.reasons)
    assert advise(university.research_purpose(), NPU_ONLY).verdict is Verdict.MATCH
    # Non-commercial work of a company is what NCU allows.
    assert advise(company.research_purpose(), NCU_ONLY).verdict is Verdict.MATCH
    commercial = PurposeForm(purpose="hmb", commercial=True)
    assert advise(commercial.research_purpose(), NCU_ONLY).verdict is Verdict.NO_MATCH


def test_the_cli_sends_the_organisation_type_apart_from_the_commercial_flag() -> None:
    from onemg.cli.researcher import _purpose_form

    def sent(commercial: bool, for_profit: bool) -> dict:
        return _purpose_form("p", "", "Uni", GRU, None, commercial, for_profit, 30)["purpose"]

    assert sent(False, True)["non_profit_organisation"] is False
    assert sent(True, False)["non_profit_organisation"] is True  # a university's commercial work
    assert sent(True, False)["commercial"] is True

"""DUO matcher: one case per rule of reference/access.md 2.2."""

from __future__ import annotations

import pytest

from onemg.access.duo import (
    ANCESTRY,
    CC,
    COL,
    DS,
    GRU,
    GS,
    GSO,
    HMB,
    IRB,
    IS,
    METHODS,
    MOR,
    NCU,
    NMDS,
    NPOA,
    NPU,
    NPUNCU,
    NRES,
    POA,
    PS,
    PUB,
    RS,
    RTN,
    TS,
    US,
    DataUse,
    ResearchPurpose,
    Term,
    Verdict,
    match,
)

M, N, R = Verdict.MATCH, Verdict.NO_MATCH, Verdict.REVIEW


def use(*permissions: Term, mods: tuple[Term, ...] = ()) -> DataUse:
    return DataUse(tuple(permissions), mods)


def p(**kw) -> ResearchPurpose:  # noqa: ANN003
    return ResearchPurpose(**kw)


CASES = [
    # permission hierarchy DS ⊂ HMB ⊂ GRU, NRES allows all
    ("NRES allows anything", use(Term(NRES)), p(terms=(GRU,)), M, "any research"),
    ("GRU allows general research", use(Term(GRU)), p(terms=(GRU,)), M, "GRU allows"),
    ("GRU allows ancestry", use(Term(GRU)), p(terms=(ANCESTRY,)), M, "GRU allows"),
    ("HMB allows health research", use(Term(HMB)), p(terms=(HMB,)), M, "HMB allows"),
    ("HMB allows disease research", use(Term(HMB)), p(terms=(DS,), disease="E84.0"), M, "HMB"),
    ("GRU purpose too broad for HMB", use(Term(HMB)), p(terms=(GRU,)), N, "broader than HMB"),
    ("HMB excludes ancestry", use(Term(HMB)), p(terms=(HMB,), ancestry=True), N, "excludes"),
    ("DS excludes ancestry", use(Term(DS, ("ICD10:E84",))), p(terms=(POA,), disease="E84.0"), N,
     "excludes"),
    ("HMB purpose too broad for DS", use(Term(DS, ("ICD10:E84",))), p(terms=(HMB,)), N,
     "broader than DS"),
    # disease by ICD-10 ancestor, direction rule
    ("DS same disease", use(Term(DS, ("ICD10:E84",))), p(terms=(DS,), disease="E84"), M,
     "within"),
    ("DS descendant disease", use(Term(DS, ("ICD10:E84",))), p(terms=(DS,), disease="E84.0"), M,
     "within"),
    ("DS chapter-level consent", use(Term(DS, ("ICD10:C00-C97",))),
     p(terms=(DS,), disease="C34.1"), M, "within"),
    ("DS broader request fails", use(Term(DS, ("ICD10:E84.0",))), p(terms=(DS,), disease="E84"),
     N, "not ICD10:E84.0"),
    ("DS other disease", use(Term(DS, ("ICD10:E84",))), p(terms=(DS,), disease="C34.1"), N,
     "not"),
    ("DS without purpose disease", use(Term(DS, ("ICD10:E84",))), p(terms=(DS,)), N,
     "needs a disease"),
    ("DS with MONDO term", use(Term(DS, ("MONDO:0009061",))), p(terms=(DS,), disease="E84"), R,
     "only ICD-10"),
    ("DS without disease term", use(Term(DS)), p(terms=(DS,), disease="E84"), R, "without"),
    ("POA allows ancestry only", use(Term(POA)), p(terms=(ANCESTRY,)), M, "POA allows"),
    ("POA refuses health research", use(Term(POA)), p(terms=(HMB,)), N, "only population"),
    ("several permissions: best wins", use(Term(POA), Term(HMB)), p(terms=(HMB,)), M, "HMB"),
    # modifiers checked automatically
    ("NCU refuses commercial", use(Term(GRU), mods=(Term(NCU),)), p(commercial=True), N,
     "non-commercial"),
    ("NCU allows for-profit org non-commercial use", use(Term(GRU), mods=(Term(NCU),)),
     p(non_profit_organisation=False), M, "met"),
    ("NPU refuses for-profit organisation", use(Term(GRU), mods=(Term(NPU),)),
     p(non_profit_organisation=False), N, "not-for-profit organisations"),
    ("NPU refuses commercial purpose", use(Term(GRU), mods=(Term(NPU),)), p(commercial=True), N,
     "non-commercial"),
    ("NPUNCU both", use(Term(GRU), mods=(Term(NPUNCU),)), p(), M, "met"),
    ("NMDS refuses methods development", use(Term(HMB), mods=(Term(NMDS),)),
     p(terms=(HMB, METHODS)), N, "NMDS"),
    ("NMDS allows methods within DS match", use(Term(DS, ("ICD10:E84",)), mods=(Term(NMDS),)),
     p(terms=(DS,), disease="E84.0", methods_development=True), M, "within the consented"),
    ("NMDS without methods", use(Term(HMB), mods=(Term(NMDS),)), p(), M, "no methods"),
    ("GSO refuses non-genetic", use(Term(HMB), mods=(Term(GSO),)), p(genetic=False), N, "GSO"),
    ("GSO allows genetic", use(Term(HMB), mods=(Term(GSO),)), p(genetic=True), M, "GSO"),
    ("NPOA refuses ancestry", use(Term(GRU), mods=(Term(NPOA),)), p(terms=(ANCESTRY,)), N,
     "prohibited"),
    ("clinical care needs CC", use(Term(HMB)), p(clinical_care=True), N, "CC modifier"),
    ("CC allows clinical care", use(Term(HMB), mods=(Term(CC),)), p(clinical_care=True), M,
     "clinical care use is allowed"),
    ("TS within limit", use(Term(HMB), mods=(Term(TS, ("24",)),)), p(duration_months=12), M,
     "within"),
    ("TS over limit", use(Term(HMB), mods=(Term(TS, ("24",)),)), p(duration_months=36), N,
     "limited to 24"),
    ("TS without months", use(Term(HMB), mods=(Term(TS),)), p(), R, "TS"),
    ("GS allowed country", use(Term(HMB), mods=(Term(GS, ("FI", "SE")),)), p(country="fi"), M,
     "allowed location"),
    ("GS other country", use(Term(HMB), mods=(Term(GS, ("FI",)),)), p(country="DE"), N,
     "restricted"),
    ("GS unknown location", use(Term(HMB), mods=(Term(GS),)), p(), R, "GS"),
    ("MOR after date", use(Term(HMB), mods=(Term(MOR, ("2027-01-01",)),)),
     p(publication_date="2027-06-01"), M, "after"),
    ("MOR before date", use(Term(HMB), mods=(Term(MOR, ("2027-01-01",)),)),
     p(publication_date="2026-06-01"), N, "no publication before"),
    # modifiers needing a human
    *[(f"{code} needs review", use(Term(HMB), mods=(Term(term),)), p(), R, code)
      for code, term in (("IRB", IRB), ("COL", COL), ("PUB", PUB), ("RTN", RTN), ("US", US),
                         ("PS", PS), ("IS", IS), ("RS", RS))],
    # unknown codes
    ("unknown modifier", use(Term(HMB), mods=(Term("DUO:0000099"),)), p(), R, "unknown"),
    ("unknown permission", use(Term("DUO:0000005")), p(), R, "unknown"),
    ("unknown purpose term", use(Term(GRU)), p(terms=("DUO:0000034",)), R, "not one"),
    ("no permission at all", use(), p(), R, "no DUO permission"),
    ("no match beats review", use(Term(HMB), mods=(Term(IRB), Term(NCU))), p(commercial=True),
     N, "non-commercial"),
]


@pytest.mark.parametrize(("name", "data_use", "purpose", "verdict", "reason"), CASES,
                         ids=[c[0] for c in CASES])
def test_rule(name: str, data_use: DataUse, purpose: ResearchPurpose, verdict: Verdict,
              reason: str) -> None:
    advice = match(data_use, purpose)
    assert advice.verdict is verdict, advice.reasons
    assert any(reason in r for r in advice.reasons), advice.reasons


def test_from_beacon_descriptor() -> None:
    conditions = {"duoDataUse": [
        {"id": "DUO:0000007", "label": "disease specific research", "version": "2022-09",
         "modifiers": [{"id": "ICD10:E84", "label": "cystic fibrosis"},
                       {"id": "DUO:0000046", "label": "non-commercial use only"}]}]}
    data_use = DataUse.from_beacon(conditions)
    assert data_use.permissions == (Term(DS, ("ICD10:E84",)),)
    assert data_use.modifiers == (Term(NCU),)
    assert match(data_use, p(terms=(DS,), disease="E84.0")).verdict is M
    assert match(data_use, p(terms=(DS,), disease="E84.0", commercial=True)).verdict is N
    nested = DataUse.from_beacon({"dataUseConditions": conditions})
    assert nested == data_use

"""Benchmark statistics against a hand computation, and the suppression below five systems."""

from __future__ import annotations

from onemg.governance.mlm.benchmark import cross_europe, indicator_benchmarks
from onemg.governance.mlm.model import bundled_model

MODEL = bundled_model()
IDS = [i.id for i in MODEL.indicators]


def _system(first: int, rest: int = 3) -> dict[str, int]:
    return {i: (first if i == "01" else rest) for i in IDS}


def test_five_systems_show_median_highest_and_distribution() -> None:
    pool = [_system(lv) for lv in (1, 2, 2, 4, 5)]
    rows = {r.indicator_id: r for r in indicator_benchmarks(MODEL, pool[3], pool)}
    r = rows["01"]
    # By hand: levels 1,2,2,4,5 -> median 2, highest 5, one each at 1,4,5 and two at 2.
    assert (r.own, r.systems, r.median, r.highest) == (4, 5, 2.0, 5)
    assert r.distribution == (1, 2, 0, 1, 1)
    assert r.suppressed is None
    assert rows["02"].median == 3.0
    assert rows["02"].distribution == (0, 0, 5, 0, 0)


def test_below_five_systems_only_own_level_and_median() -> None:
    pool = [_system(lv) for lv in (1, 3, 5, 5)]
    r = indicator_benchmarks(MODEL, pool[0], pool)[0]
    assert r.own == 1
    assert r.median == 4.0
    assert r.highest is None
    assert r.distribution is None
    assert "from 5 systems" in (r.suppressed or "")


def test_below_three_systems_the_median_is_hidden_too() -> None:
    # With two systems the median is their mean: knowing one's own level gives the other's.
    pool = [_system(2), _system(4)]
    r = indicator_benchmarks(MODEL, pool[0], pool)[0]
    assert r.median is None
    assert r.highest is None
    assert r.distribution is None
    assert r.own == 2


def test_indicator_missing_in_some_systems_counts_only_those_that_have_it() -> None:
    pool = [_system(lv) for lv in (1, 2, 3, 4, 5)]
    del pool[0]["01"]
    r = indicator_benchmarks(MODEL, {}, pool)[0]
    assert r.systems == 4
    assert r.distribution is None
    assert r.median == 3.5


def test_cross_europe_strong_weak_and_asymmetries() -> None:
    pools = []
    for n in range(5):
        levels = {i: 3 for i in IDS}
        levels["01"] = 5 if n else 4  # consistently strong
        levels["02"] = 1 if n < 4 else 2  # consistently weak
        levels["03"] = 1 if n % 2 else 5  # asymmetric: 1..5
        pools.append(levels)
    ce = cross_europe(MODEL, pools)
    assert ce.suppressed is None
    assert ce.systems == 5
    assert [s.id for s in ce.strong] == ["01"]
    assert [s.id for s in ce.weak] == ["02"]
    assert ce.asymmetries[0].id == "03"
    assert ce.asymmetries[0].range == 4
    assert cross_europe(MODEL, pools[:4]).suppressed is not None
    assert cross_europe(MODEL, pools[:4]).strong == ()

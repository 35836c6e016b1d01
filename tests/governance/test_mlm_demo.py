"""The demo data: three fictional systems, two finalised rounds a year apart, five experts each."""

from __future__ import annotations

from pathlib import Path

from onemg.governance.mlm.demo import load_demo_hub
from onemg.governance.mlm.service import CLI
from onemg.governance.mlm.wiring import build_service
from onemg.settings import Settings
from onemg.web.pages import WebServices


def test_demo_shape_and_reload_is_a_no_op(demo_copy: Path) -> None:
    hint = load_demo_hub(demo_copy, echo=lambda _: None)
    assert "coord-aurelia" in hint
    assert oct((demo_copy / "mlm-demo-password.txt").stat().st_mode & 0o777) == "0o600"
    web = WebServices.for_settings(Settings(data_dir=demo_copy))
    try:
        service = build_service(web)
        systems = service.systems()
        assert len(systems) == 3
        assert all(s.fictional for s in systems)
        assert {s.country for s in systems} == {"XA", "XB", "XC"}  # user-assigned ISO codes
        for system in systems:
            rounds = service.progress(CLI, system.id)
            assert len(rounds) == 2
            (first, none), (second, deltas) = rounds
            assert none is None
            assert deltas is not None
            assert (second.finalised_at or 0) - (first.finalised_at or 0) >= 365 * 86400
            assert any(d.delta and d.delta > 0 for d in deltas)  # progress shows something
            assert all(a.shared_at is not None for a, _ in rounds)
            for a, _ in rounds:
                panel = service.view(CLI, a.id)
                assert len(service._store.panel(a.id)) == 5
                assert len(panel.levels) == 49
        assert len(service.assessments(CLI)) == 6  # the reload added nothing
    finally:
        web.dispose()

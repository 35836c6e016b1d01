"""Assessment rounds through the service, on SQLite and PostgreSQL: workflow, access, audit."""

from __future__ import annotations

import pytest

from onemg.access.audit import verify_store
from onemg.access.store import AuditStore
from onemg.errors import AccessDeniedError, InvalidInputError, NotFoundError, WorkflowError
from onemg.governance.mlm.service import CLI


def _setup(hub, experts=2):  # noqa: ANN001, ANN202
    service = hub.service
    coord = hub.user("coord-xa")
    panel = [hub.user(f"expert-{n}") for n in range(experts)]
    service.create_system(CLI, system_id="xa", name="Test system XA", country="XA", fictional=True)
    service.grant(CLI, "xa", "coord-xa", "coordinator")
    aid = service.open_assessment(coord, system_id="xa", title="Round one", target_level=4)
    for n in range(experts):
        service.invite(coord, aid, f"expert-{n}")
    return service, coord, panel, aid


def _rate_all(service, expert, aid, level):  # noqa: ANN001, ANN202
    ids = [i.id for i in service.model().indicators]
    service.save_ratings(expert, aid, {i: (level, "", ()) for i in ids})
    service.submit(expert, aid)


def test_full_round_with_consensus_and_finalise(hub) -> None:  # noqa: ANN001
    service, coord, (e1, e2), aid = _setup(hub)
    _rate_all(service, e1, aid, 3)
    _rate_all(service, e2, aid, 4)
    service.close_rating(coord, aid)
    rows = {r.indicator_id: r for r in service.panel_view(coord, aid)}
    assert rows["01"].spread.median == 3.5
    assert [name for name, _ in rows["01"].ratings] == ["expert-0", "expert-1"]
    with pytest.raises(WorkflowError, match="no consensus level yet"):
        service.finalise(coord, aid)
    service.record_consensus_many(coord, aid, {i: (3, "agreed") for i in rows})
    service.record_consensus(coord, aid, "01", level=4, rationale="strong body")
    digest = service.finalise(coord, aid)
    assert len(digest) == 64
    view = service.view(coord, aid)
    assert view.record.status == "finalised"
    assert view.levels["01"] == 4
    data = service.results(coord, aid)
    assert len(data["gaps"]) == 48  # every indicator at 3 is below the target 4
    gap = data["gaps"][0]
    assert gap.next_step == service.model().by_id[gap.indicator.id].descriptor(4)
    # Every change went to the hash-chained audit log, which verifies.
    report = verify_store(AuditStore(hub.web.engine))
    assert report.ok
    actions = [e.action for e in AuditStore(hub.web.engine).entries()]
    history = service.history(coord, aid)
    assert history[0][1:] == ("coord-xa", "assessment.finalise", "assessment", "ok")
    assert ("expert-1", "rating.submit") in {(h[1], h[2]) for h in history}
    with pytest.raises(AccessDeniedError):
        service.history(e1, aid)
    for action in (
        "mlm.assessment.open",
        "mlm.panel.invite",
        "mlm.rating.save",
        "mlm.rating.submit",
        "mlm.consensus.record",
        "mlm.assessment.finalise",
    ):
        assert action in actions


def test_finalised_assessment_cannot_change(hub) -> None:  # noqa: ANN001
    service, coord, (e1, e2), aid = _setup(hub)
    _rate_all(service, e1, aid, 2)
    _rate_all(service, e2, aid, 2)
    service.close_rating(coord, aid)
    service.record_consensus_many(coord, aid, {i.id: (2, "") for i in service.model().indicators})
    service.finalise(coord, aid)
    with pytest.raises(WorkflowError, match="finalised and read-only"):
        service.record_consensus(coord, aid, "01", level=5)
    with pytest.raises(WorkflowError, match="finalised and read-only"):
        service.save_rating(e1, aid, "01", level=5)
    with pytest.raises(WorkflowError, match="finalised and read-only"):
        service.invite(coord, aid, "expert-0")
    with pytest.raises(WorkflowError):
        service.finalise(coord, aid)
    assert service.view(coord, aid).levels["01"] == 2


def test_expert_sees_only_own_ratings_until_finalised(hub) -> None:  # noqa: ANN001
    service, coord, (e1, e2), aid = _setup(hub)
    service.save_rating(e1, aid, "01", level=5, comment="mine")
    service.save_rating(e2, aid, "01", level=1, comment="theirs")
    view = service.view(e1, aid)
    assert view.my_ratings["01"].level == 5
    assert view.my_ratings["01"].comment == "mine"
    assert view.consensus == {}
    assert view.panel == ()
    with pytest.raises(AccessDeniedError, match="visible to the coordinator"):
        service.panel_view(e1, aid)
    with pytest.raises(WorkflowError, match="results appear once"):
        service.results(e1, aid)
    # The coordinator sees both, with names.
    row = next(r for r in service.panel_view(coord, aid) if r.indicator_id == "01")
    assert sorted(r.level for _, r in row.ratings) == [1, 5]


def test_other_systems_unshared_assessment_is_invisible(hub) -> None:  # noqa: ANN001
    service, coord, _, aid = _setup(hub)
    outsider = hub.user("coord-xb")
    service.create_system(CLI, system_id="xb", name="Other", country="XB")
    service.grant(CLI, "xb", "coord-xb", "coordinator")
    with pytest.raises(NotFoundError, match=f"no assessment {aid}"):
        service.view(outsider, aid)
    with pytest.raises(NotFoundError):
        service.export(outsider, aid)
    assert service.assessments(outsider) == []
    with pytest.raises(AccessDeniedError):
        service.open_assessment(outsider, system_id="xa", title="hijack")
    with pytest.raises(NotFoundError):
        service.progress(outsider, "xa")
    denied = [e for e in AuditStore(hub.web.engine).entries() if e.result == "denied"]
    assert {e.action for e in denied} >= {"mlm.assessment.read", "mlm.assessment.open"}


def test_not_invited_cannot_rate_and_submit_needs_every_indicator(hub) -> None:  # noqa: ANN001
    service, coord, (e1, _), aid = _setup(hub)
    stranger = hub.user("stranger")
    with pytest.raises(NotFoundError):
        service.save_rating(stranger, aid, "01", level=3)
    with pytest.raises(AccessDeniedError, match="only panel experts"):
        service.save_rating(coord, aid, "01", level=3)
    service.save_rating(e1, aid, "01", level=None, comment="no idea")  # don't know
    with pytest.raises(InvalidInputError, match="48 indicator"):
        service.submit(e1, aid)
    with pytest.raises(InvalidInputError, match="http"):
        service.save_rating(e1, aid, "02", level=3, links=("javascript:alert(1)",))
    with pytest.raises(InvalidInputError, match="choose 1 to 5"):
        service.save_rating(e1, aid, "02", level=7)


def test_second_delphi_round_on_indicators_without_agreement(hub) -> None:  # noqa: ANN001
    service, coord, panel, aid = _setup(hub, experts=3)
    ids = [i.id for i in service.model().indicators]
    for n, expert in enumerate(panel):
        ratings = {i: (3, "", ()) for i in ids}
        ratings["05"] = ((1, 3, 5)[n], "", ())  # median 3, one of three within ±1: 33%
        service.save_ratings(expert, aid, ratings)
        service.submit(expert, aid)
    service.close_rating(coord, aid)
    assert service.start_round2(coord, aid) == ("05",)
    view = service.view(panel[0], aid)
    assert view.rating_indicators == ("05",)
    assert view.previous_medians == {"05": 3.0}
    with pytest.raises(WorkflowError, match="reached agreement in round 1"):
        service.save_rating(panel[0], aid, "01", level=4)
    for expert in panel:
        service.save_rating(expert, aid, "05", level=3)
        service.submit(expert, aid)
    service.close_rating(coord, aid)
    row = next(r for r in service.panel_view(coord, aid) if r.indicator_id == "05")
    assert row.spread.levels == (3, 3, 3)
    assert row.spread.consensus
    with pytest.raises(WorkflowError, match="starts once"):
        service.start_round2(coord, aid)


def test_evidence_upload_is_checked_and_private(hub) -> None:  # noqa: ANN001
    service, coord, (e1, e2), aid = _setup(hub)
    eid = service.upload_evidence(
        e1, aid, "01", filename="plan.pdf", content_type="application/pdf", data=b"%PDF-1.4 test"
    )
    assert service.evidence_file(e1, eid)[2] == b"%PDF-1.4 test"
    assert service.evidence_file(coord, eid)[0] == "plan.pdf"
    with pytest.raises(AccessDeniedError):
        service.evidence_file(e2, eid)
    with pytest.raises(InvalidInputError, match="not accepted"):
        service.upload_evidence(
            e1, aid, "01", filename="x.exe", content_type="application/x-msdownload", data=b"MZ"
        )

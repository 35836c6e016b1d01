"""API answers give times in ISO 8601 UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from onemg.access import ResearchPurpose
from onemg.access.applications import Actor, ApplicationForm, ApplicationService
from onemg.access.audit import HashChainAudit
from onemg.access.schemas import application_view
from onemg.access.store import AuditStore, EntitlementStore, EventStore
from onemg.db import make_engine, migrate
from onemg.settings import AccessSettings
from onemg.times import iso_utc


def test_iso_utc() -> None:
    assert iso_utc(0) == "1970-01-01T00:00:00Z"
    assert iso_utc(1.5) == "1970-01-01T00:00:01.500Z"
    assert iso_utc(None) is None


def test_application_view_times_are_iso(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    migrate(engine)
    svc = ApplicationService(
        events=EventStore(engine),
        entitlements=EntitlementStore(engine),
        audit=HashChainAudit(AuditStore(engine)),
        access=AccessSettings(),
    )
    form = ApplicationForm(
        title="t", summary="s", institution="i", terms_accepted=True, purpose=ResearchPurpose()
    )
    app = svc.create(Actor("alice-sub"), ["ds"], form)
    app = svc.submit(app.id, Actor("alice-sub"))
    view = application_view(app, now=app.updated_at)
    for key in ("createdAt", "updatedAt", "submittedAt"):
        parsed = datetime.fromisoformat(view[key])
        assert parsed.tzinfo == UTC
        assert view[key].endswith("Z")
    assert view["decidedAt"] is None
    assert [datetime.fromisoformat(e["at"]).tzinfo for e in view["events"]] == [UTC, UTC]
    engine.dispose()

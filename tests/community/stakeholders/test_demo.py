"""The portal's demo content: loaded once into a hub directory, and served by the hub."""

from __future__ import annotations

from pathlib import Path

from onemg.community.stakeholders.actions import DEMO_ACTIONS
from onemg.community.stakeholders.demo import load_demo_hub
from onemg.community.stakeholders.wiring import build_portal
from onemg.settings import Settings
from onemg.web.pages import WebServices


def test_demo_loads_once_with_a_round_comments_documents_and_actions(tmp_path: Path) -> None:
    hint = load_demo_hub(tmp_path, echo=lambda _: None)
    password = (tmp_path / "stakeholders-demo-password.txt").read_text().strip()
    assert hint.endswith(f"with password {password}")
    assert (tmp_path / "stakeholders-demo-password.txt").stat().st_mode & 0o077 == 0
    assert load_demo_hub(tmp_path, echo=lambda _: None) == hint  # again: nothing added
    web = WebServices.for_settings(Settings(data_dir=tmp_path))
    try:
        portal = build_portal(web, mailer=lambda: None, signer=lambda: None)
        store = portal.deps.store
        assert len(store.drafts()) == 1
        (rnd,) = store.rounds()
        assert rnd.kind == "early_review"
        assert rnd.status == "open"
        comments = store.comments(rnd.id)
        assert len(comments) == 2
        assert [c.disposition for c in comments] == ["accepted", None]
        assert [a.title for a in store.actions()] == [t for t, _, _ in DEMO_ACTIONS]
        assert all(a.url.startswith("https://") for a in store.actions())
        assert [d.access for d in portal.library.documents(None)] == ["public"]
        coord = web.sub_of("demo-coordinator")
        assert "coordinator" in web.site_roles.roles_of(coord)
        assert web.accounts.authenticate("demo-wp-leader", password).sub == store.drafts()[0].owner
        listed = portal.registrations.directory(None)
        assert [m.name for m in listed] == [
            "Clinical geneticist (demo)",
            "Patient organisation representative (demo)",
        ]
    finally:
        web.dispose()

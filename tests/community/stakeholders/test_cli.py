"""``onemg community remind`` over a hub directory, mailing a real local SMTP server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from onemg.cli import main
from onemg.community.stakeholders.context import Viewer
from onemg.community.stakeholders.registration import Profile
from onemg.community.stakeholders.wiring import build_portal
from onemg.mail import mailer_for
from onemg.network.config import load_hub_config
from onemg.web.pages import WebServices
from onemg.web.signed_links import LinkSigner
from tests.mailserver import SmtpServer, text_of


def test_remind_mails_due_rounds_once(
    tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "hub"
    data_dir.mkdir()
    (data_dir / "hub.toml").write_text(
        f'data_dir = "{data_dir}"\n\n[mail]\nsmtp_host = "127.0.0.1"\n'
        f"smtp_port = {smtp_server.port}\nstarttls = false\n"
        'public_url = "https://hub.example.org/"\n'
    )
    settings, _ = load_hub_config(data_dir / "hub.toml")
    web = WebServices.for_settings(settings)
    mailer = mailer_for(settings)
    portal = build_portal(web, mailer=lambda: mailer, signer=lambda: LinkSigner(b"k" * 32))
    coord = Viewer(
        web.accounts.create("coord", "correct horse battery").sub,
        frozenset({"coordinator", "wp_leader"}),
    )
    sub = web.accounts.create("reviewer", "correct horse battery").sub
    web.accounts.set_email(sub, "reviewer@example.org", verified=True)
    portal.registrations.register(
        sub, Profile("R", "O", "FI", ("academics",), (), ("early_reviewer",)), consent=True
    )
    portal.registrations.decide(coord, sub, approve=True)
    draft = portal.reviews.create_draft(
        coord, title="D", wp="WP1", filename="d.md", data=b"# A\n\nB.\n"
    )
    later = portal.reviews.open_round(
        coord,
        draft,
        kind="early_review",
        title="Later",
        deadline=int(time.time()) + 10 * 86400,
        groups=[],
    )
    soon = portal.reviews.open_round(
        coord, draft, kind="early_review", title="Soon", deadline=int(time.time()) + 3600, groups=[]
    )
    web.dispose()

    assert main(["community", "remind", "--data-dir", str(data_dir)]) == 0
    assert f"round {soon} (Soon): 1 reminder(s) sent" in capsys.readouterr().out
    mail = smtp_server.wait_for(2, to="reviewer@example.org")[1]  # after the approval
    assert mail["Subject"] == "Reminder: early review closes soon"
    assert f"https://hub.example.org/stakeholders/rounds/{soon}" in text_of(mail)
    assert main(["community", "remind", "--data-dir", str(data_dir)]) == 0
    assert "no round is due" in capsys.readouterr().out
    assert main(["community", "remind", "--data-dir", str(data_dir), "--before-hours", "300"]) == 0
    assert f"round {later} (Later)" in capsys.readouterr().out
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert subjects.count("Reminder: early review closes soon") == 2  # one per round, once

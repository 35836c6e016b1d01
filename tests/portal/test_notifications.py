"""E-mail notifications of application state changes, through a real local SMTP server.

Over real processes (two onemg nodes and the hub): the researcher applies through the portal,
the committees decide with their nodes' CLI, and ``onemg hub notify`` mails the researcher's
confirmed address through aiosmtpd. A mail server that is down delays the mail, never loses it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from onemg.access.accounts import LocalAccounts
from onemg.access.store import AccountStore, AuditStore
from onemg.db import open_database
from onemg.demo.demo import DemoNetwork, write_hub_config
from onemg.demo.walkthrough import DEMO_RESEARCHER, researcher_password
from onemg.portal.notifications import Watches
from tests.mailserver import SmtpServer, text_of
from tests.portal.test_portal_apply import _client, _datasets, _login, _onemg, _token

pytestmark = pytest.mark.slow
ADDRESS = "researcher@example.org"


def _notify(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "onemg"), "hub", "notify",
                           "--config", str(config)],
                          capture_output=True, text=True, env=dict(os.environ), check=False)


def _about(server: SmtpServer, app_id: str) -> list:  # noqa: ANN001
    return [m for m in server.to(ADDRESS) if app_id in text_of(m)]


def test_state_changes_are_mailed_once_and_survive_a_mail_outage(
        real_network: DemoNetwork, smtp_server: SmtpServer, tmp_path: Path) -> None:
    net = real_network
    hub_db = open_database(f"sqlite:///{(net.plan.root / 'hub' / 'node.db').resolve()}")
    accounts = LocalAccounts(AccountStore(hub_db))
    sub = accounts.sub_of(DEMO_RESEARCHER)
    accounts.set_email(sub, ADDRESS, verified=True)
    # The same hub, with its mail going to the local SMTP server (and one with nothing there).
    config = write_hub_config(
        dataclasses.replace(net.plan, mail=smtp_server.mail_settings(notify_interval_s=0)),
        net.plan.root / "hub-notify.toml")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    down = write_hub_config(
        dataclasses.replace(net.plan, mail={"smtp_host": "127.0.0.1", "smtp_port": dead_port,
                                            "starttls": False, "timeout_s": 2}),
        net.plan.root / "hub-mail-down.toml")

    datasets = _datasets(net)
    with _client(net) as client:
        _login(client, DEMO_RESEARCHER, researcher_password(net.plan))
        for member, dataset in datasets.items():
            client.post("/basket/add", data={"csrf_token": _token(client, f"/datasets/{dataset}"),
                                             "member_id": member, "dataset_id": dataset})
        sent = client.post("/basket/apply", data={
            "title": "Notify me\r\nBcc: victim@example.org", "summary": "s", "institution": "Uni",
            "purpose": "hmb", "duration_days": "30", "terms_accepted": "1", "action": "apply",
            "csrf_token": _token(client, "/basket")})
        assert sent.status_code == 303, sent.text[-2000:]
    # The portal remembered each application it sent, as submitted.
    watched = {m: apps for (who, m), apps in Watches(hub_db).open().items() if who == sub}
    mine = {}
    for member in datasets:
        new = [a for a, state in watched[member].items() if state == "submitted"]
        assert new, watched
        mine[member] = new[-1]

    before = len(smtp_server.messages)
    done = _notify(config)
    assert done.returncode == 0, done.stderr
    assert all(not _about(smtp_server, a) for a in mine.values())  # nothing changed yet

    fi, ee = (net.plan.node_dir(c) for c in net.plan.countries)
    _onemg("access", "approve", mine["fi"], "--data-dir", str(fi), "--comment", "fine")
    _onemg("access", "return", mine["ee"], "--data-dir", str(ee), "--comment", "Add ethics")

    done = _notify(config)
    assert done.returncode == 0, done.stderr
    [approved] = _about(smtp_server, mine["fi"])
    [returned] = _about(smtp_server, mine["ee"])
    assert approved["Subject"].startswith("Application approved: Notify me")
    assert "\n" not in approved["Subject"]  # the title's line break did not become a header
    assert approved["Bcc"] is None
    assert all("victim" not in str(to) for _, to in smtp_server.sink.envelopes)
    body = text_of(approved)
    assert f"{net.plan.hub_url}/applications/fi/{mine['fi']}" in body
    assert "approved" in body
    assert "eyJ" not in body  # no token or passport travels in a mail
    assert "submit it again" in text_of(returned)

    # Nothing new: nothing sent again.
    count = len(smtp_server.messages)
    assert _notify(config).returncode == 0
    assert len(smtp_server.messages) == count
    assert count - before >= 2

    # The mail server is down when the committee revokes: the change waits, then arrives once.
    _onemg("access", "revoke", mine["fi"], "--data-dir", str(fi))
    done = _notify(down)
    assert done.returncode == 1
    assert re.search(r"\d+ application\(s\) checked, 1 changed, 0 mail\(s\) sent, 1 failure",
                     done.stdout), done.stdout
    assert Watches(hub_db).state(sub, "fi", mine["fi"]) == "approved"
    assert _notify(config).returncode == 0
    revoked = [m for m in _about(smtp_server, mine["fi"]) if "revoked" in m["Subject"]]
    assert len(revoked) == 1
    assert Watches(hub_db).state(sub, "fi", mine["fi"]) == "revoked"
    # Every passport minted to ask the nodes is audited as the notifier's.
    origins = {e.origin for e in AuditStore(hub_db).entries()
               if e.action == "broker.passport" and e.user == sub}
    assert "hub-notifier" in origins
    hub_db.dispose()

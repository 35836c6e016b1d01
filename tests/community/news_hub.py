"""Fixtures of the news and newsletter tests: a hub data directory with accounts, mail to a
real local SMTP server (aiosmtpd), and a real hub process (``onemg hub serve``) on a free
loopback port. Registered in ``tests/community/conftest.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from onemg.access.store import SiteRoleStore
from onemg.community.news.demo import load_demo_news
from onemg.demo.processes import free_port
from onemg.network.config import load_hub_config
from onemg.web.pages import WebServices
from tests.mailserver import SmtpServer

PASSWORD = "correct horse battery staple"
CLI = [sys.executable, "-m", "onemg.cli"]


@dataclass
class Hub:
    """A hub data directory (``hub.toml`` inside) and its public URL."""

    data_dir: Path
    port: int
    smtp: SmtpServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def web(self) -> WebServices:
        """Services over the hub's database (dispose() after use)."""
        settings, _ = load_hub_config(self.data_dir / "hub.toml")
        return WebServices.for_settings(settings)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run ``onemg ARGS`` against this hub's data directory."""
        return subprocess.run(
            [*CLI, *args, "--data-dir", str(self.data_dir)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def make_hub(root: Path, smtp: SmtpServer, *, demo: bool = True) -> Hub:
    """A hub directory with an editor (``ed``), a reader (``reader``) and the demo news."""
    port = free_port()
    data_dir = root / "hub"
    data_dir.mkdir(parents=True)
    mail = smtp.mail_settings(
        public_url=f"http://127.0.0.1:{port}/", sender="1+MG news <news@onemg.test>"
    )
    lines = [
        f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {str(v).lower()}" for k, v in mail.items()
    ]
    (data_dir / "hub.toml").write_text(
        'data_dir = "."\n\n[beacon]\nbeacon_id = "eu.onemg.test-hub"\n\n[mail]\n'
        + "\n".join(line.replace("'", '"') for line in lines)
        + "\n"
    )
    hub = Hub(data_dir, port, smtp)
    web = hub.web()
    try:
        editor = web.accounts.create("ed", PASSWORD, is_admin=False).sub
        web.accounts.create("reader", PASSWORD, is_admin=False)
        SiteRoleStore(web.engine).grant(editor, "editor", at=int(time.time()))
        if demo:
            load_demo_news(web.engine)
    finally:
        web.dispose()
    return hub


@pytest.fixture
def news_hub(tmp_path: Path, smtp_server: SmtpServer) -> Hub:
    """A hub directory (not served) whose mail goes to the test SMTP server."""
    return make_hub(tmp_path, smtp_server)


@pytest.fixture
def serve_hub() -> Iterator[Callable[[Hub], str]]:
    """``serve(hub)``: run ``onemg hub serve`` for ``hub`` as a process; its URL."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(hub: Hub) -> str:
        log = open(hub.data_dir / "hub.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            [
                *CLI,
                "hub",
                "serve",
                "--data-dir",
                str(hub.data_dir),
                "--port",
                str(hub.port),
                "--log-level",
                "warning",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
        )
        procs.append(proc)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{hub.url}/news", timeout=2).status_code == 200:
                    return hub.url
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "the hub did not start: "
                    + (hub.data_dir / "hub.log").read_text(errors="replace")[-2000:]
                )
            time.sleep(0.2)

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def news_live(news_hub: Hub, serve_hub: Callable[[Hub], str]) -> Hub:
    """The hub, served."""
    serve_hub(news_hub)
    return news_hub

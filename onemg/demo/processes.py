"""Starting and stopping the local processes of a network (nodes, hub, stub members).

Used by ``onemg demo``, the fault-tolerance tests and the benchmark. Each child runs in its own
session so a Ctrl-C in the terminal reaches only the orchestrator, which then stops the children
in order: SIGTERM, a grace period, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from onemg.errors import OnemgError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (good enough for local tests and demos)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


@dataclass
class ManagedProcess:
    """One child process with a name, a readiness URL and a log file."""

    name: str
    argv: Sequence[str]
    ready_url: str
    log_path: Path
    env: dict[str, str] | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        """Spawn the process (output goes to :attr:`log_path`)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - argv is built by onemg, not a shell
                list(self.argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(self.env or {})},
                start_new_session=True,
            )

    @property
    def pid(self) -> int | None:
        """The child's process id once started."""
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        """True while the child runs."""
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """The last ``lines`` lines of the child's output (for error messages)."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, timeout_s: float) -> None:
        """Poll :attr:`ready_url` until it answers 200; raise if the child dies or times out."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    code = self.popen.returncode if self.popen else "?"
                    raise OnemgError(
                        f"{self.name} exited with code {code}"
                        f" before it was ready; its log ({self.log_path}) ends:\n{self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(self.ready_url).status_code == 200:
                        return
                time.sleep(0.1)
        raise OnemgError(
            f"{self.name} did not answer {self.ready_url} within {timeout_s:g} s; "
            f"its log ({self.log_path}) ends:\n{self.log_tail()}"
        )

    def stop(self, grace_s: float = 5.0) -> None:
        """SIGTERM the child's process group, then SIGKILL after ``grace_s``."""
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=grace_s)


class ProcessGroup:
    """Processes started together and stopped together (in reverse order)."""

    def __init__(self) -> None:
        self.processes: list[ManagedProcess] = []

    def start(self, process: ManagedProcess) -> ManagedProcess:
        """Start ``process`` and remember it for :meth:`stop_all`."""
        process.start()
        self.processes.append(process)
        return process

    def wait_all_ready(self, timeout_s: float) -> None:
        """Wait until every started process answers its readiness URL."""
        deadline = time.monotonic() + timeout_s
        for process in self.processes:
            process.wait_ready(max(0.5, deadline - time.monotonic()))

    def stop_all(self, grace_s: float = 5.0) -> None:
        """Stop every process, the last started first."""
        for process in reversed(self.processes):
            process.stop(grace_s)

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()

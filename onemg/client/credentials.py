"""The researcher's credentials on disk: one JSON file, readable by its owner only.

``$XDG_CONFIG_HOME/onemg/credentials.json`` (default ``~/.config/onemg/credentials.json``), or
the file named by ``ONEMG_CREDENTIALS``. It holds the hub URL, the username, the access token
from ``onemg login`` and the passports taken with ``onemg passport``, never the password. It is
created with mode 0600 in a 0700 folder, and refused (as ssh refuses a private key) when others
can read it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from onemg.errors import AuthenticationError, InvalidInputError


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where credentials are kept for this user."""
    env = os.environ if environ is None else environ
    if env.get("ONEMG_CREDENTIALS"):
        return Path(env["ONEMG_CREDENTIALS"])
    base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "onemg" / "credentials.json"


@dataclass(frozen=True)
class Passport:
    """A passport for one member node."""

    token: str
    audience: str
    expires_at: float


@dataclass(frozen=True)
class Session:
    """One login at one hub."""

    hub: str
    username: str
    sub: str
    access_token: str
    expires_at: float
    #: member id -> passport
    passports: dict[str, Passport] = field(default_factory=dict)


class CredentialFile:
    """Reads and writes :class:`Session` at ``path`` with owner-only permissions."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def save(self, session: Session) -> None:
        """Write ``session`` atomically; the file is 0600 from its first byte."""
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(session), fh, indent=1)
        os.replace(tmp, self.path)

    def load(self) -> Session:
        """The stored session.

        Raises:
            AuthenticationError: nobody is logged in (run ``onemg login``).
            InvalidInputError: the file is readable by others, or damaged.
        """
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            raise AuthenticationError(
                f"not logged in (no {self.path}); run `onemg login --hub URL --username NAME`"
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InvalidInputError(
                f"{self.path} is readable by other users (mode {stat.S_IMODE(mode):o}); run "
                f"`chmod 600 {self.path}` and log in again"
            )
        try:
            raw: dict[str, Any] = json.loads(self.path.read_text())
            passports = {k: Passport(**v) for k, v in raw.pop("passports", {}).items()}
            return Session(**raw, passports=passports)
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(
                f"{self.path}: damaged ({exc}); delete it and run `onemg login` again"
            ) from exc

    def clear(self) -> bool:
        """Forget the session (``onemg logout``); True if there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

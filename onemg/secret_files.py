"""Random secrets kept in the data directory (mode 0600, made on first use, shared by workers).

The node's block-URL key, the hub's link-signing key and the privacy noise key are all such
files; this is the one way to make and read them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from onemg.errors import AccessDeniedError

KEY_DIR = Path("keys")


def load_or_create_secret(path: Path, *, size: int = 32) -> bytes:
    """The ``size`` random bytes in ``path``, created atomically (O_EXCL) if the file is missing.

    Raises:
        AccessDeniedError: the file exists with the wrong length (damaged); the message says
            to delete it, which invalidates what it signed.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(size))
                fh.flush()
                os.fsync(fh.fileno())
    secret = path.read_bytes()
    if len(secret) != size:
        raise AccessDeniedError(
            f"{path}: damaged secret ({len(secret)} bytes, expected {size}); delete it to make a "
            "new one (links and URLs signed with the old one stop working)")
    return secret



def load_or_create_password(path: Path) -> str:
    """A random password kept as text in ``path`` (mode 0600), made on first use.

    Demo accounts share such a password, so no default password ships with onemg; the file
    can be read with ``cat``.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made meanwhile by another process
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(12) + "\n")
    password = path.read_text().strip()
    if not password:
        raise AccessDeniedError(f"{path} is empty; delete it to make a new password")
    return password

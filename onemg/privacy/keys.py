"""The node's noise secret: the key of the keyed hash that draws perturbation noise.

32 random bytes in ``<data_dir>/keys/privacy-noise.key`` (mode 0600), created on first use
beside the node's other keys. Every worker of a node reads the same file, so they draw the same
noise; whoever holds it could subtract the noise, so it is never logged, never sent, and never
part of an error message. Rotating it (deleting the file) gives every user fresh draws: do it
only together with resetting the budgets (docs/privacy.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from onemg.errors import InvalidInputError

NOISE_KEY = Path("keys") / "privacy-noise.key"
_SIZE = 32


def load_or_create_noise_key(data_dir: Path) -> bytes:
    """The node's noise secret, created (0600, atomically) on first use."""
    path = Path(data_dir) / NOISE_KEY
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(_SIZE))
        try:
            # link() fails if another worker won the race: then its key is the key.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    data = path.read_bytes()
    if len(data) != _SIZE:
        raise InvalidInputError(
            f"{path}: not a {_SIZE}-byte noise key; delete it to create a "
            "new one (users then get fresh noise: reset budgets too)"
        )
    return data

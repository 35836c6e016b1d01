"""Short-lived block URLs bound to one requester, one dataset version and one byte range.

A block URL carries ``exp`` and ``sig = HMAC-SHA256(node secret, dataset | version | range |
exp | requester)``. The requester is not in the URL: the block request must carry the same
passport (the ticket copies it into the block's ``headers``, as htsget allows), and the node
recomputes the signature with that passport's subject. Another user's passport, a later time or
an edited range all fail the check. The secret is ``<data_dir>/keys/block-url.key`` (32 random
bytes, mode 0600, made on first use and shared by the node's workers).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from onemg.errors import AccessDeniedError
from onemg.secret_files import load_or_create_secret as load_or_create_secret_file

SECRET_FILE = Path("keys") / "block-url.key"


def load_or_create_secret(data_dir: Path) -> bytes:
    """The node's block-URL secret, created on first use."""
    return load_or_create_secret_file(data_dir / SECRET_FILE)


@dataclass(frozen=True)
class BlockGrant:
    """What a block URL allows."""

    dataset_id: str
    version: str
    start: int
    end: int
    expires: int


class BlockSigner:
    """Signs and checks block URLs (see the module docstring)."""

    def __init__(self, secret: bytes, clock: Callable[[], float]) -> None:
        self._secret = secret
        self._clock = clock

    def _mac(self, grant: BlockGrant, subject: str) -> str:
        message = "\n".join(
            (
                grant.dataset_id,
                grant.version,
                f"{grant.start}-{grant.end}",
                str(grant.expires),
                subject,
            )
        ).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, grant: BlockGrant, subject: str) -> str:
        """The signature for ``grant`` issued to ``subject``."""
        return self._mac(grant, subject)

    def check(self, grant: BlockGrant, subject: str, signature: str) -> None:
        """Raise AccessDeniedError unless ``signature`` is valid for ``subject`` and unexpired."""
        if not hmac.compare_digest(self._mac(grant, subject), signature):
            raise AccessDeniedError(
                "this block URL was not issued to you, or was altered; ask for a new ticket"
            )
        if grant.expires <= self._clock():
            raise AccessDeniedError("this block URL has expired; ask for a new ticket")

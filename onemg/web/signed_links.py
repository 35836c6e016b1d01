"""Signed, expiring links in mails: confirm an address, unsubscribe, cancel a registration.

A link carries its purpose and payload signed with the hub's link key
(``<data_dir>/keys/link.key``), so it cannot be forged or reused for another purpose, and it
expires after ``max_age_s``. itsdangerous does the signing and the timestamp check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from onemg.errors import AccessDeniedError
from onemg.secret_files import KEY_DIR, load_or_create_secret

LINK_KEY = KEY_DIR / "link.key"


class LinkSigner:
    """Makes and checks signed link tokens for one hub."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> LinkSigner:
        """The signer with the hub's key in ``data_dir`` (made on first use)."""
        return cls(load_or_create_secret(data_dir / LINK_KEY))

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        # The purpose is the salt: a token made to unsubscribe cannot confirm anything else.
        return URLSafeTimedSerializer(self._secret, salt=f"onemg.{purpose}")

    def sign(self, purpose: str, payload: Any) -> str:
        """A URL-safe token for ``payload`` (JSON-serialisable), valid only for ``purpose``."""
        return self._serializer(purpose).dumps(payload)

    def verify(self, purpose: str, token: str, *, max_age_s: int | None = None) -> Any:
        """The payload of ``token``.

        Raises:
            AccessDeniedError: the token was altered, made for another purpose, or has expired
                (the message says which and what to do).
        """
        try:
            return self._serializer(purpose).loads(token, max_age=max_age_s)
        except SignatureExpired:
            raise AccessDeniedError("this link has expired; ask for a new one") from None
        except BadSignature:
            raise AccessDeniedError(
                "this link is not valid (altered, or made for something else); ask for a new one"
            ) from None

"""Crypt4GH keys: the node's archive key pair and the requester's public key.

The archive key is an X25519 pair in ``<data_dir>/keys/archive.sec`` (Crypt4GH format, the
private half locked with a passphrase by scrypt, mode 0600) and ``archive.pub``, created on first
use by :func:`crypt4gh.keys.c4gh.generate`. The passphrase comes from ``[retrieval]
archive_passphrase`` or ``ONEMG_ARCHIVE_PASSPHRASE``. A node with neither (a development node)
gets a random one written to ``keys/archive.passphrase`` (0600) and a warning; production nodes
(``[beacon] environment = "production"``) refuse to start that way.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
import tempfile
from pathlib import Path

from crypt4gh.keys import c4gh, get_private_key, get_public_key

from onemg.errors import InvalidInputError
from onemg.settings import Settings

LOG = logging.getLogger(__name__)
KEY_DIR = Path("keys")
SECRET_FILE = KEY_DIR / "archive.sec"
PUBLIC_FILE = KEY_DIR / "archive.pub"
PASSPHRASE_FILE = KEY_DIR / "archive.passphrase"
PASSPHRASE_ENV = "ONEMG_ARCHIVE_PASSPHRASE"


def passphrase(settings: Settings, environ: dict[str, str] | None = None) -> str:
    """The archive key's passphrase (settings, then environment, then the dev file)."""
    env = os.environ if environ is None else environ
    value = settings.retrieval.archive_passphrase or env.get(PASSPHRASE_ENV)
    if value:
        return value
    path = settings.data_dir / PASSPHRASE_FILE
    if path.exists():
        return path.read_text().strip()
    if settings.beacon.environment == "production":
        raise InvalidInputError(
            f"no archive key passphrase: set {PASSPHRASE_ENV} or [retrieval] "
            "archive_passphrase (a production node never stores it next to the key)"
        )
    LOG.warning(
        "no archive key passphrase configured; writing a random one to %s. Set %s in production.",
        path,
        PASSPHRASE_ENV,
    )
    _write_private(path, secrets.token_urlsafe(32).encode())
    return path.read_text().strip()


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def generate_pair(seckey: Path, pubkey: Path, passphrase_value: str, comment: str) -> None:
    """Write a new Crypt4GH key pair (private half 0600); refuses to overwrite."""
    for path in (seckey, pubkey):
        if path.exists():
            raise InvalidInputError(f"{path} exists; choose another name or delete it first")
    seckey.parent.mkdir(parents=True, exist_ok=True)
    pubkey.parent.mkdir(parents=True, exist_ok=True)
    c4gh.generate(str(seckey), str(pubkey), passphrase_value.encode(), comment.encode())
    os.chmod(seckey, 0o600)


def ensure_archive_key(settings: Settings) -> bytes:
    """The archive public key (32 bytes), creating the pair on first use."""
    sec, pub = settings.data_dir / SECRET_FILE, settings.data_dir / PUBLIC_FILE
    if not pub.exists():
        value = passphrase(settings)
        (settings.data_dir / KEY_DIR).mkdir(parents=True, exist_ok=True)
        # Built aside and renamed: a concurrent reader never sees half a pair.
        with tempfile.TemporaryDirectory(dir=settings.data_dir / KEY_DIR) as tmp:
            tsec, tpub = Path(tmp) / "archive.sec", Path(tmp) / "archive.pub"
            generate_pair(tsec, tpub, value, "onemg node archive key")
            os.replace(tsec, sec)
            os.replace(tpub, pub)
    return get_public_key(str(pub))


def load_archive_secret(settings: Settings) -> bytes:
    """The archive private key (32 bytes), unlocked with :func:`passphrase`."""
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        raise InvalidInputError(f"no archive key at {path}; `onemg ingest` creates it")
    value = passphrase(settings)
    try:
        return get_private_key(str(path), lambda: value)
    except (ValueError, SystemExit) as exc:
        raise InvalidInputError(
            f"{path}: cannot unlock the archive key; check "
            f"{PASSPHRASE_ENV} or [retrieval] archive_passphrase"
        ) from exc


def load_private_key(path: Path, passphrase_value: str | None) -> bytes:
    """A researcher's Crypt4GH private key file."""
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such key file; make one with `onemg keys generate`")
    try:
        return get_private_key(str(path), lambda: passphrase_value or "")
    except (ValueError, SystemExit) as exc:
        raise InvalidInputError(
            f"{path}: cannot unlock the private key; pass the right "
            "passphrase (--passphrase or C4GH_PASSPHRASE)"
        ) from exc


def public_key_file(path: Path) -> bytes:
    """A Crypt4GH (or ssh-ed25519) public key file as 32 bytes."""
    try:
        return get_public_key(str(path))
    except (OSError, ValueError, NotImplementedError) as exc:
        raise InvalidInputError(f"{path}: not a Crypt4GH public key ({exc})") from exc


def parse_public_key_header(value: str) -> bytes:
    """The requester key from ``Htsget-Context-Public-Key`` / ``X-C4GH-Public-Key``: base64 of
    the public key file (as SDA and sda-cli send it) or of the raw 32 bytes."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(
            "the public key header is not base64; send base64 of your Crypt4GH public key file"
        ) from None
    if len(raw) == 32:
        return raw
    lines = [ln.strip() for ln in raw.splitlines() if ln.strip()]
    if len(lines) >= 3 and b"CRYPT4GH PUBLIC KEY" in lines[0]:
        try:
            key = base64.b64decode(b"".join(lines[1:-1]), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) == 32:
            return key
    raise InvalidInputError(
        "the public key header does not hold a Crypt4GH public key; send "
        "base64 of the file `onemg keys generate` wrote (*.pub)"
    )


def encode_public_key(key: bytes) -> str:
    """The header value for a 32-byte public key (base64 of the PEM-style key file)."""
    pem = (
        b"-----BEGIN CRYPT4GH PUBLIC KEY-----\n"
        + base64.b64encode(key)
        + b"\n-----END CRYPT4GH PUBLIC KEY-----\n"
    )
    return base64.b64encode(pem).decode()

"""Signing keys for passports and visas: EC P-256 (ES256) or RSA (RS256), their JWKS and ``kid``.

A node (visa issuer) and the hub (passport broker) each hold one private key in a PEM file under
their data directory. The public half is published as a JWKS; ``kid`` is the RFC 7638 thumbprint
so it never collides between issuers and changes whenever the key does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from onemg.errors import InvalidInputError

Alg = Literal["ES256", "RS256"]
#: The only signature algorithms GA4GH AAI allows; everything else (none, HS*) is refused.
ALLOWED_ALGS: tuple[Alg, ...] = ("ES256", "RS256")

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_jwk_fields(private: PrivateKey) -> dict[str, Any]:
    """The public JWK members of ``private`` (no kid, alg or use)."""
    public = private.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        return json.loads(ECAlgorithm.to_jwk(public))
    return json.loads(RSAAlgorithm.to_jwk(public))


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of a public JWK (base64url, no padding)."""
    required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}.get(jwk.get("kty", ""))
    if required is None:
        raise InvalidInputError(f"JWK kty {jwk.get('kty')!r} is not EC or RSA")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return _b64u(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class SigningKey:
    """A private signing key with its algorithm and key id."""

    private: PrivateKey
    alg: Alg
    kid: str

    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK with ``kid``, ``alg`` and ``use: sig``."""
        jwk = _public_jwk_fields(self.private)
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def private_pem(self) -> bytes:
        """PKCS#8 PEM of the private key (unencrypted; protect the file, never log it)."""
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def from_private(private: PrivateKey) -> SigningKey:
    """Wrap a private key, deriving ``alg`` from its type and ``kid`` from its thumbprint."""
    alg: Alg = "ES256" if isinstance(private, ec.EllipticCurvePrivateKey) else "RS256"
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name != "secp256r1":
        raise InvalidInputError(f"EC key on curve {private.curve.name}; ES256 needs P-256")
    return SigningKey(private=private, alg=alg, kid=jwk_thumbprint(_public_jwk_fields(private)))


def generate_key(alg: Alg = "ES256") -> SigningKey:
    """A fresh key: P-256 for ES256, 2048-bit RSA for RS256."""
    if alg == "ES256":
        return from_private(ec.generate_private_key(ec.SECP256R1()))
    if alg == "RS256":
        return from_private(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    raise InvalidInputError(f"unsupported signing algorithm {alg!r}; use one of {ALLOWED_ALGS}")


def load_key(path: Path) -> SigningKey:
    """Read a PEM private key written by :func:`save_key` (or openssl)."""
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{path}: cannot read a PEM private key ({exc})") from exc
    if not isinstance(private, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise InvalidInputError(f"{path}: key type {type(private).__name__} is not EC or RSA")
    return from_private(private)


def save_key(key: SigningKey, path: Path) -> None:
    """Write ``key`` as PEM readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_pem())


def load_or_create_key(path: Path, *, alg: Alg = "ES256") -> SigningKey:
    """The key in ``path``, creating it on first use."""
    if path.exists():
        return load_key(path)
    key = generate_key(alg)
    save_key(key, path)
    return key


def jwks(*keys: SigningKey) -> dict[str, Any]:
    """A JWKS document publishing the public halves of ``keys``."""
    return {"keys": [k.public_jwk() for k in keys]}

"""A throwaway certificate authority and Debian's nginx terminating TLS, for tests.

The certificates are made with ``cryptography``; nginx runs the site template the deployment
guide documents (``docs/deploy/nginx-site.conf``) from a private prefix, as a child process.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SITE_TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx-site.conf"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """``(ca.pem, server.pem, server.key)``: a CA and a server certificate for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("onemg test CA"))
        .issuer_name(_name("onemg test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(paths[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return paths


def site(name: str, listen: int, upstream: str, cert: Path, key: Path) -> str:
    """The documented server block, filled in for one service on loopback."""
    text = SITE_TEMPLATE.read_text()
    for k, v in {
        "@LISTEN@": f"127.0.0.1:{listen}",
        "@SERVER_NAME@": "127.0.0.1",
        "@CERTIFICATE@": str(cert),
        "@CERTIFICATE_KEY@": str(key),
        "@UPSTREAM@": upstream,
        "@NAME@": name,
    }.items():
        text = text.replace(k, v)
    return text


class Nginx:
    """Debian's nginx with the given server blocks, in the foreground, under ``prefix``."""

    def __init__(self, prefix: Path, servers: list[str], ports: list[int]) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError(
                "nginx is not installed: run scripts/ensure-system-deps (Debian package nginx)"
            )
        self.prefix = prefix
        self.ports = ports
        for sub in ("tmp", "logs"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        temp = "".join(
            f"    {kind}_temp_path {prefix}/tmp/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root, nginx's workers would switch to "nobody", who cannot read this test prefix.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = (
            f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/logs/error.log warn;\n"
            "events { worker_connections 128; }\n"
            f"http {{\n    access_log off;\n{temp}" + "\n".join(servers) + "\n}\n"
        )
        (prefix / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(prefix / "logs" / "stderr.log", "wb"),
        )  # noqa: SIM115

    def wait_ready(self, ca: Path, timeout_s: float = 20.0) -> None:
        """Until every port answers over TLS (raises with nginx's log if it does not)."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(verify=str(ca), timeout=2.0, trust_env=False) as client:
            for port in self.ports:
                while True:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        log = (self.prefix / "logs" / "stderr.log").read_text()
                        log += (
                            (self.prefix / "logs" / "error.log").read_text()
                            if (self.prefix / "logs" / "error.log").exists()
                            else ""
                        )
                        raise RuntimeError(f"nginx did not start: {log}")
                    try:
                        client.get(f"https://127.0.0.1:{port}/")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)

    def stop(self) -> None:
        """Stop nginx (this process only)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

"""A real network for retrieval tests: a hub (login, broker, catalogue) and a node serving two
ingested datasets (VCF.gz and BCF) over HTTP on 127.0.0.1, plus researchers with and without
grants and their Crypt4GH keys."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from crypt4gh.keys import c4gh

from onemg.access.api import build_hub_access
from onemg.access.store import EntitlementStore
from onemg.db import make_engine, migrate
from onemg.demo.processes import free_port
from onemg.ingest import ingest, resolve_inputs
from onemg.network.config import MemberConfig, NetworkConfig
from onemg.settings import AccessSettings, RetrievalSettings, Settings, TrustedIssuer
from onemg.web.hub_app import create_hub_app
from onemg.web.node_app import create_node_app
from tests.access.test_end_to_end import Served
from tests.ingest.sources import make_source

PASSWORD = "correct horse battery"
KEY_PASSPHRASE = "reader key passphrase"
VCF_ID, BCF_ID = "ret-vcf", "ret-bcf"
BIN = Path(sys.executable).parent  # the crypt4gh CLI of this environment


class Clock:
    """Real time plus an offset tests can move (the hub mints passports in real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Researcher:
    name: str
    sub: str
    seckey: Path
    pubkey: Path

    @property
    def key_header(self) -> str:
        """Base64 of the public key file, as sent in Htsget-Context-Public-Key."""
        return base64.b64encode(self.pubkey.read_bytes()).decode()


@dataclass
class World:
    hub_url: str
    node_url: str
    node_settings: Settings
    clock: Clock
    sources: dict[str, Path]  # dataset id -> the plaintext genotype file ingested
    people: dict[str, Researcher]
    entitlements: EntitlementStore
    http: httpx.Client

    def passport(self, who: str) -> str:
        token = self.http.post(
            f"{self.hub_url}oidc/login", json={"username": who, "password": PASSWORD}
        )
        assert token.status_code == 200, token.text
        resp = self.http.post(
            f"{self.hub_url}oidc/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token": token.json()["access_token"],
                "audience": self.node_url,
            },
        )
        assert resp.status_code == 200, resp.text
        return resp.json()["access_token"]

    def headers(self, who: str, *, key: bool = True) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.passport(who)}"}
        if key:
            out["Htsget-Context-Public-Key"] = self.people[who].key_header
        return out


def decrypt(path: Path, out: Path, who: Researcher) -> None:
    """``crypt4gh decrypt --sk`` (the reference CLI) of ``path`` into ``out``."""
    with open(path, "rb") as fin, open(out, "wb") as fout:
        subprocess.run(
            [str(BIN / "crypt4gh"), "decrypt", "--sk", str(who.seckey)],
            stdin=fin,
            stdout=fout,
            check=True,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "C4GH_PASSPHRASE": KEY_PASSPHRASE},
        )


def records(path: Path, *args: str) -> list[str]:
    """``bcftools view -H [args] path`` as lines (raises if bcftools cannot read it)."""
    proc = subprocess.run(
        ["bcftools", "view", "-H", *args, str(path)], capture_output=True, text=True, check=True
    )
    return proc.stdout.splitlines()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("retrieval")
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    srcs = {
        ds: make_source(tmp / ds, dataset_id=ds, n=120, records=3000, seed=5)[0]
        for ds in (VCF_ID, BCF_ID)
    }
    vcf = srcs[VCF_ID] / "cohort.vcf.gz"
    bcf = srcs[BCF_ID] / "cohort.bcf"
    subprocess.run(
        [
            "bcftools",
            "view",
            "--no-version",
            "-Ob",
            "-o",
            str(bcf),
            str(srcs[BCF_ID] / "cohort.vcf.gz"),
        ],
        check=True,
    )
    subprocess.run(["bcftools", "index", str(bcf)], check=True)
    hub_port, node_port = free_port(), free_port()
    hub_url, node_url = f"http://127.0.0.1:{hub_port}/", f"http://127.0.0.1:{node_port}/"
    node_settings = Settings(
        data_dir=tmp / "node",
        access=AccessSettings(
            trusted_issuers=(TrustedIssuer(hub_url, f"{hub_url}oidc/jwks"),),
            audience=node_url,
            public_url=node_url,
        ),
        retrieval=RetrievalSettings(archive_passphrase="archive passphrase", block_url_ttl_s=300),
    )
    for ds, geno in ((VCF_ID, vcf), (BCF_ID, bcf)):
        ingest(
            resolve_inputs(source_dir=srcs[ds], genotypes=geno),
            data_dir=node_settings.data_dir,
            database_url=node_settings.db_url,
            settings=node_settings,
        )

    hub_settings = Settings(data_dir=tmp / "hub", access=AccessSettings(public_url=hub_url))
    network = NetworkConfig(
        members=(MemberConfig(id="fi", base_url=f"{node_url}api", country="FI"),),
        broker=True,
        # A loaded CI machine can take seconds for a node's first answer; the hub's own timeouts
        # are tested in tests/network, not here.
        member_timeout_s=30.0,
        deadline_s=60.0,
    )
    hub_app = create_hub_app(hub_settings, network)
    hub_settings.data_dir.mkdir(parents=True)
    hub_engine = make_engine(hub_settings.db_url)
    migrate(hub_engine)
    hub = build_hub_access(hub_settings, engine=hub_engine, http=httpx.AsyncClient())
    clock = Clock()
    node_app = create_node_app(node_settings)
    node_app.state.clock = clock
    entitlements = EntitlementStore(make_engine(node_settings.db_url))
    people = {}
    for name in ("alice", "bob", "carol", "dave"):
        sub = hub.accounts.create(name, PASSWORD).sub
        hub.accounts.grant_researcher_status(name)
        sec, pub = tmp / f"{name}.sec", tmp / f"{name}.pub"
        c4gh.generate(str(sec), str(pub), KEY_PASSPHRASE.encode(), name.encode())
        people[name] = Researcher(name, sub, sec, pub)
    now = int(clock())
    # alice: both datasets; bob: the BCF one only; carol: nothing; dave: revoked in a test.
    for app_id, who, ds in (
        ("a1", "alice", VCF_ID),
        ("a2", "alice", BCF_ID),
        ("b1", "bob", BCF_ID),
        ("d1", "dave", VCF_ID),
    ):
        entitlements.add(
            application_id=app_id,
            subject=people[who].sub,
            dataset_id=ds,
            start=now - 60,
            end=now + 86_400,
        )
    with (
        # The node first: the hub reads its members' metadata as it starts.
        Served(node_app, node_port),
        Served(hub_app, hub_port),
        httpx.Client(timeout=60, trust_env=False) as http,
    ):
        yield World(
            hub_url,
            node_url,
            node_settings,
            clock,
            {VCF_ID: vcf, BCF_ID: bcf},
            people,
            entitlements,
            http,
        )

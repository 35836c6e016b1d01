"""The command line: `onemg keys generate`, `onemg fetch` round trips against a real hub and
node, `onemg archive verify` finding a corrupted file by name."""

from __future__ import annotations

import gzip
import shlex
import stat
from pathlib import Path

import pytest
from crypt4gh.keys import get_private_key, get_public_key

from onemg.cli import main
from onemg.ingest import ingest, resolve_inputs
from onemg.retrieval.archive import ArchivedFile
from onemg.retrieval.client import fetch_command
from onemg.retrieval.reencrypt import public_of
from onemg.settings import RetrievalSettings, Settings
from tests.ingest.sources import make_source
from tests.retrieval.conftest import KEY_PASSPHRASE, PASSWORD, VCF_ID, World, records

pytestmark = pytest.mark.slow


def test_keys_generate(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    prefix = tmp_path / "me"
    assert main(["keys", "generate", "--out", str(prefix), "--passphrase", "s3cret"]) == 0
    sec, pub = Path(f"{prefix}.sec"), Path(f"{prefix}.pub")
    assert stat.S_IMODE(sec.stat().st_mode) == 0o600
    assert public_of(get_private_key(str(sec), lambda: "s3cret")) == get_public_key(str(pub))
    assert main(["keys", "generate", "--out", str(prefix), "--passphrase", "x"]) == 2
    assert "exists" in capsys.readouterr().err


def test_fetch_round_trip(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C4GH_PASSPHRASE", KEY_PASSPHRASE)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    alice = world.people["alice"]
    out = tmp_path / "slice.vcf.gz"
    args = [
        "fetch",
        "--hub",
        world.hub_url,
        "--dataset",
        VCF_ID,
        "--key",
        str(alice.seckey),
        "--username",
        "alice",
        "--password",
        PASSWORD,
    ]
    # The command a walk-through prints (password and passphrase from the environment) works.
    monkeypatch.setenv("ONEMG_PASSWORD", PASSWORD)
    printed = fetch_command(
        hub=world.hub_url,
        dataset_id=VCF_ID,
        key=alice.seckey,
        out=out,
        username="alice",
        region="chr1:3001-6000",
    )
    assert PASSWORD not in printed
    assert main(shlex.split(printed)[1:]) == 0, capsys.readouterr().err
    assert "bcftools reads it" in capsys.readouterr().out
    assert records(out, "--targets-overlap", "1", "-t", "chr1:3001-6000") == records(
        world.sources[VCF_ID], "-r", "chr1:3001-6000"
    )
    whole = tmp_path / "whole.vcf.gz"
    assert main([*args, "--out", str(whole)]) == 0
    assert gzip.decompress(whole.read_bytes()) == gzip.decompress(
        world.sources[VCF_ID].read_bytes()
    )
    assert not list(tmp_path.glob("*.part"))
    # carol has no grant: a clear 403, nothing written
    denied = tmp_path / "denied.vcf.gz"
    carol = [
        "fetch",
        "--hub",
        world.hub_url,
        "--dataset",
        VCF_ID,
        "--key",
        str(world.people["carol"].seckey),
        "--username",
        "carol",
        "--password",
        PASSWORD,
        "--out",
        str(denied),
    ]
    assert main(carol) == 2
    assert "403" in capsys.readouterr().err
    assert not denied.exists()


def test_archive_verify_names_corruption(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEMG_ARCHIVE_PASSPHRASE", "verify passphrase")
    src, _, _ = make_source(tmp_path / "src", n=30, records=400, seed=3)
    node = tmp_path / "node"
    settings = Settings(data_dir=node, retrieval=RetrievalSettings())
    ingest(
        resolve_inputs(source_dir=src),
        data_dir=node,
        database_url=f"sqlite:///{node / 'node.db'}",
        settings=settings,
    )
    assert main(["archive", "verify", "--data-dir", str(node)]) == 0
    assert "0 corrupt" in capsys.readouterr().out
    (version,) = (node / "datasets" / "test-fi").iterdir()
    body = ArchivedFile.open(version).body_path
    data = bytearray(body.read_bytes())
    data[len(data) // 2] ^= 0x01
    body.write_bytes(bytes(data))
    assert main(["archive", "verify", "--data-dir", str(node)]) == 1
    out = capsys.readouterr().out
    assert "CORRUPT" in out
    assert body.name in out
    assert not [p for p in (node / "tmp").glob("*") if p.is_file()]  # no plaintext left
    monkeypatch.setenv("ONEMG_ARCHIVE_PASSPHRASE", "wrong")
    assert main(["archive", "verify", "--data-dir", str(node)]) == 2
    assert "cannot unlock" in capsys.readouterr().err

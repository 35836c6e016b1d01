"""The archive built at ingest: only the kept samples, any VCF flavour in, a standard Crypt4GH
file out whose plaintext has the input's records; keys created once, 0600."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from onemg.ingest import ingest, resolve_inputs
from onemg.retrieval.archive import ArchivedFile, decrypted_copy
from onemg.retrieval.keys import SECRET_FILE, load_archive_secret
from onemg.settings import RetrievalSettings, Settings
from tests.ingest.sources import make_source

pytestmark = pytest.mark.slow


def _samples(path: Path) -> list[str]:
    return subprocess.run(
        ["bcftools", "query", "-l", str(path)], capture_output=True, text=True, check=True
    ).stdout.split()


def test_archive_keeps_only_matched_samples_of_a_plain_vcf(tmp_path: Path) -> None:
    src, cohort, _ = make_source(tmp_path / "src", n=20, records=200, seed=9)
    # A plain (not bgzipped) VCF input, and one VCF sample without a phenopacket.
    plain_vcf = src / "cohort.vcf"
    plain_vcf.write_bytes(
        subprocess.run(
            ["bgzip", "-dc", str(src / "cohort.vcf.gz")], capture_output=True, check=True
        ).stdout
    )
    lines = (src / "individuals.jsonl").read_text().splitlines()
    (src / "individuals.jsonl").write_text("\n".join(lines[1:]) + "\n")
    settings = Settings(
        data_dir=tmp_path / "node", retrieval=RetrievalSettings(archive_passphrase="pw")
    )
    result = ingest(
        resolve_inputs(source_dir=src, genotypes=plain_vcf),
        data_dir=settings.data_dir,
        allow_unmatched=True,
        database_url=f"sqlite:///{tmp_path / 'node' / 'node.db'}",
        settings=settings,
    )
    assert result.archive is not None
    assert result.archive.format == "VCF"
    assert stat.S_IMODE((settings.data_dir / SECRET_FILE).stat().st_mode) == 0o600
    archived = ArchivedFile.open(result.path)
    assert not list(archived.root.glob("*.vcf.gz"))  # no plaintext kept in the archive
    with decrypted_copy(archived, load_archive_secret(settings), tmp_path / "t") as (p, digest):
        assert digest == archived.manifest.plain_sha256
        assert _samples(p) == cohort.samples[1:]
        kept = subprocess.run(
            ["bcftools", "view", "-H", str(p)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        want = subprocess.run(
            [
                "bcftools",
                "view",
                "-H",
                "-I",
                "-s",
                ",".join(cohort.samples[1:]),
                str(src / "cohort.vcf.gz"),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        assert kept == want
    assert not list((tmp_path / "t").iterdir())  # the temporary plaintext is gone
    # A second ingest reuses the key pair.
    key_before = (settings.data_dir / SECRET_FILE).read_bytes()
    ingest(
        resolve_inputs(source_dir=src, genotypes=plain_vcf),
        data_dir=settings.data_dir,
        allow_unmatched=True,
        replace=True,
        database_url=f"sqlite:///{tmp_path / 'node' / 'node.db'}",
        settings=settings,
    )
    assert (settings.data_dir / SECRET_FILE).read_bytes() == key_before

"""Real clients against a real node: the ``htsget`` PyPI client downloads, the ``crypt4gh`` CLI
decrypts with the researcher's key, and bcftools reads the result, whose records equal
``bcftools view -r`` on the plaintext original (VCF.gz and BCF; regions starting and ending
inside BGZF blocks, crossing 64 KiB segments, a whole contig, an empty one, header only)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
from pathlib import Path

import htsget
import pytest

from onemg.retrieval.archive import ArchivedFile
from onemg.retrieval.plan import Region, plan
from onemg.retrieval.slicing import CIPHER_SEGMENT
from tests.retrieval.conftest import BCF_ID, VCF_ID, World, decrypt, records

pytestmark = pytest.mark.slow


def _positions(path: Path) -> list[tuple[str, int]]:
    out = subprocess.run(
        ["bcftools", "query", "-f", "%CHROM\t%POS\n", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [(c, int(p)) for c, p in (line.split("\t") for line in out.splitlines())]


def _archive(world: World, ds: str) -> ArchivedFile:
    (version,) = (world.node_settings.data_dir / "datasets" / ds).iterdir()
    return ArchivedFile.open(version)


def _cases(world: World) -> dict[str, Region]:
    pos = [p for c, p in _positions(world.sources[VCF_ID]) if c == "chr1"]
    return {
        # 0-based half-open: from just after one record to just before another
        "inside-blocks": Region("chr1", pos[300], pos[330] - 1),
        "segment-crossing": Region("chr1", pos[100] - 1, pos[1300]),
        "whole-contig": Region("chr2"),
        "empty": Region("chr1", 0, 5),
    }


def _bcftools_region(region: Region) -> str:
    if region.start is None:
        return region.reference_name
    return f"{region.reference_name}:{region.start + 1}-{region.end}"


@pytest.mark.parametrize("ds", [VCF_ID, BCF_ID])
@pytest.mark.parametrize("case", ["inside-blocks", "segment-crossing", "whole-contig", "empty"])
def test_htsget_client_crypt4gh_cli_bcftools(
    world: World, tmp_path: Path, ds: str, case: str
) -> None:
    region = _cases(world)[case]
    alice = world.people["alice"]
    archived = _archive(world, ds)
    sliced = plan(archived, [region])
    if case == "segment-crossing":
        assert any(b - a > CIPHER_SEGMENT for a, b in sliced.runs)
    fmt = "BCF" if ds == BCF_ID else "VCF"
    encrypted = tmp_path / "slice.c4gh"
    with open(encrypted, "wb") as fh:
        htsget.get(
            f"{world.node_url}api/htsget/variants/{ds}",
            fh,
            reference_name=region.reference_name,
            start=region.start,
            end=region.end,
            data_format=fmt,
            bearer_token=world.passport("alice"),
            headers={"Htsget-Context-Public-Key": alice.key_header},
            max_retries=1,
            retry_wait=0,
            timeout=60,
        )
    plain = tmp_path / ("slice.bcf" if ds == BCF_ID else "slice.vcf.gz")
    decrypt(encrypted, plain, alice)
    assert plain.stat().st_size == sliced.plain_bytes
    got = records(plain, "--targets-overlap", "1", "-t", _bcftools_region(region))
    want = records(world.sources[ds], "-r", _bcftools_region(region))
    assert got == want
    assert (case == "empty") == (not want)
    if case == "whole-contig":
        assert len(want) > 1000
    if case in ("inside-blocks", "empty"):
        # Only the blocks near the region are served, not the whole contig.
        assert len(records(plain)) < len(records(world.sources[ds], "-r", "chr1")) / 2
    if case == "inside-blocks":
        # The region starts and ends inside BGZF blocks: the served edge blocks also hold
        # records just before and just after it, which the client filters out.
        served = [int(line.split("\t")[1]) for line in records(plain)]
        assert min(served) <= region.start < region.end < max(served)


@pytest.mark.parametrize("ds", [VCF_ID, BCF_ID])
def test_header_class(world: World, tmp_path: Path, ds: str) -> None:
    fmt = "BCF" if ds == BCF_ID else "VCF"
    ticket = world.http.get(
        f"{world.node_url}api/htsget/variants/{ds}",
        params={"class": "header", "format": fmt},
        headers=world.headers("alice"),
    )
    assert ticket.status_code == 200, ticket.text
    urls = ticket.json()["htsget"]["urls"]
    assert {u["class"] for u in urls} == {"header"}
    encrypted = tmp_path / "header.c4gh"
    encrypted.write_bytes(_download(world, urls))
    plain = tmp_path / f"header.{fmt.lower()}"
    decrypt(encrypted, plain, world.people["alice"])
    assert records(plain) == []
    header = ["bcftools", "view", "-h", "--no-version"]
    assert (
        subprocess.run([*header, str(plain)], capture_output=True, check=True).stdout
        == subprocess.run([*header, str(world.sources[ds])], capture_output=True, check=True).stdout
    )


def _download(world: World, urls: list[dict]) -> bytes:
    out = b""
    for u in urls:
        if u["url"].startswith("data:"):
            out += base64.b64decode(u["url"].split(",", 1)[1])
        else:
            resp = world.http.get(u["url"], headers=u.get("headers", {}))
            assert resp.status_code == 200, resp.text
            out += resp.content
    return out


def test_post_several_regions(world: World, tmp_path: Path) -> None:
    regions = [
        {"referenceName": "chr1", "start": 2000, "end": 4000},
        {"referenceName": "chr2", "start": 9000, "end": 9500},
    ]
    ticket = world.http.post(
        f"{world.node_url}api/htsget/variants/{VCF_ID}",
        json={"format": "VCF", "regions": regions},
        headers=world.headers("alice"),
    )
    assert ticket.status_code == 200, ticket.text
    assert (
        ticket.headers["content-type"] == "application/vnd.ga4gh.htsget.v1.3.0+json; charset=utf-8"
    )
    body = ticket.json()
    assert set(body) == {"htsget"}
    assert body["htsget"]["format"] == "VCF"
    encrypted = tmp_path / "two.c4gh"
    encrypted.write_bytes(_download(world, body["htsget"]["urls"]))
    plain = tmp_path / "two.vcf.gz"
    decrypt(encrypted, plain, world.people["alice"])
    got = records(plain, "--targets-overlap", "1", "-t", "chr1:2001-4000,chr2:9001-9500")
    want = records(world.sources[VCF_ID], "-r", "chr1:2001-4000,chr2:9001-9500")
    assert got == want
    assert want


@pytest.mark.parametrize("ds", [VCF_ID, BCF_ID])
def test_whole_file_is_the_archived_file(world: World, tmp_path: Path, ds: str) -> None:
    headers = world.headers("alice")
    url = f"{world.node_url}api/files/{ds}"
    head = world.http.head(url, headers=headers)
    assert head.status_code == 200
    assert head.headers["accept-ranges"] == "bytes"
    full = world.http.get(url, headers=headers)
    assert full.status_code == 200
    assert int(head.headers["content-length"]) == len(full.content)
    encrypted = tmp_path / "whole.c4gh"
    encrypted.write_bytes(full.content)
    plain = tmp_path / "whole.bin"
    decrypt(encrypted, plain, world.people["alice"])
    archived = _archive(world, ds)
    # Byte-identical to the archived plaintext (its checksum was recorded at ingest) ...
    assert hashlib.sha256(plain.read_bytes()).hexdigest() == archived.manifest.plain_sha256
    # ... which holds exactly the original's bytes (BGZF blocks realigned to records).
    assert gzip.decompress(plain.read_bytes()) == gzip.decompress(world.sources[ds].read_bytes())
    # Ranges, including one across the Crypt4GH header / body boundary, fit together.
    n = len(full.content)
    cuts = [0, 100, 70_000, n]
    parts = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        part = world.http.get(url, headers={**headers, "Range": f"bytes={a}-{b - 1}"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes {a}-{b - 1}/{n}"
        parts.append(part.content)
    assert b"".join(parts) == full.content
    tail = world.http.get(url, headers={**headers, "Range": "bytes=-10"})
    assert tail.status_code == 206
    assert tail.content == full.content[-10:]
    bad = world.http.get(url, headers={**headers, "Range": f"bytes={n}-"})
    assert bad.status_code == 416


def test_service_info(world: World) -> None:
    info = world.http.get(f"{world.node_url}api/htsget/variants/service-info").json()
    assert info["type"] == {"group": "org.ga4gh", "artifact": "htsget", "version": "1.3.0"}
    assert info["htsget"]["datatype"] == "variants"
    assert info["htsget"]["formats"] == ["VCF", "BCF"]

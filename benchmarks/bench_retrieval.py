"""Retrieval: header-only re-encryption, region slices and ticket latency, each against a
baseline run in the same script.

Usage::

    .venv/bin/python benchmarks/bench_retrieval.py [--sizes-mb 10 200] [--clients 20]

For each size a synthetic bgzipped VCF (100 samples, contig 1 over 20 Mb) is archived with
``onemg.retrieval.archive.build_archive`` and served by a real node app (uvicorn, in its own
process) whose passport clearinghouse verifies a signed passport with a ControlledAccessGrants
visa on every request. Then:

1. **Whole file** (``GET /api/files/{id}``): time to first byte and total time of a streamed
   download, against ``cat BODY > /dev/null`` on the same (page-cached) file.
2. **1 Mb region slice**: ticket + parallel block download + decryption (``onemg fetch``'s own
   functions), against ``bcftools view -r REGION FILE -Oz | crypt4gh encrypt`` on the plaintext.
3. **Ticket latency**: p50/p95 of htsget tickets under ``--clients`` concurrent clients.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import numpy as np

SAMPLES = 100
SPAN = 20_000_000
DS = "bench-ds"


def make_vcf(path: Path, target_mb: float, seed: int = 1) -> Path:
    """A bgzipped VCF of about ``target_mb`` MB (random genotype rows, 4-5x compressible)."""
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    codes = np.array(["0|0", "0|1", "1|0", "1|1"])
    rows = ["\t".join(codes[rng.choice(4, SAMPLES, p=[0.7, 0.1, 0.1, 0.1])]) for _ in range(50_000)]
    n = int(target_mb * 1e6 / 38)  # ~38 compressed bytes per record at this density
    step = max(1, SPAN // n)
    plain = path.with_suffix("")
    with open(plain, "w") as fh:
        fh.write(
            "##fileformat=VCFv4.2\n##contig=<ID=1,length=250000000>\n"
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
            + "\t".join(f"S{i}" for i in range(SAMPLES))
            + "\n"
        )
        pick = rng.integers(0, len(rows), n)
        buf = []
        for i in range(n):
            buf.append(f"1\t{1 + i * step}\t.\tA\tG\t.\tPASS\t.\tGT\t{rows[pick[i]]}\n")
            if len(buf) == 10_000:
                fh.write("".join(buf))
                buf = []
        fh.write("".join(buf))
    subprocess.run(["bgzip", "-f", "-@2", str(plain)], check=True)
    return path


def _serve(
    settings, key_pem: bytes, issuer: str, data_path: str, version: str, port: int, ready
) -> None:  # noqa: ANN001
    """Child process: the node app with a real clearinghouse, served by uvicorn."""
    import uvicorn
    from cryptography.hazmat.primitives import serialization

    from onemg.access.clearinghouse import PassportVerifier
    from onemg.access.keys import from_private, jwks
    from onemg.access.trust import JwksCache
    from onemg.web.node_app import create_node_app

    key = from_private(serialization.load_pem_private_key(key_pem, password=None))
    verifier = PassportVerifier(
        settings.access,
        jwks=JwksCache(http=httpx.AsyncClient(), static={f"{issuer}jwks": jwks(key)}),
        known_datasets=lambda: [DS],
    )
    handle = SimpleNamespace(version=version, info=SimpleNamespace(data_path=data_path))
    store = SimpleNamespace(handles={DS: handle}, refresh_if_stale=lambda: False)
    app = create_node_app(settings, verifier=verifier, store=store)  # type: ignore[arg-type]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    ready.set()
    server.run()


def _passport(key, issuer: str, audience: str) -> str:  # noqa: ANN001
    from onemg.access.tokens import CONTROLLED_ACCESS_GRANTS, dataset_urn, sign_passport, sign_visa

    now = int(time.time())
    visa = sign_visa(
        key,
        iss=issuer,
        jku=f"{issuer}jwks",
        sub="bench-user",
        visa_type=CONTROLLED_ACCESS_GRANTS,
        value=dataset_urn(DS),
        source=issuer,
        by="dac",
        asserted=now - 10,
        iat=now,
        exp=now + 3600,
    )
    return sign_passport(
        key,
        iss=issuer,
        sub="bench-user",
        visas=[visa],
        iat=now,
        exp=now + 3600,
        aud=[audience],
        jku=f"{issuer}jwks",
    )


def _timed_cat(path: Path) -> float:
    subprocess.run(f"cat {path} > /dev/null", shell=True, check=True)  # warm the page cache
    t0 = time.perf_counter()
    subprocess.run(f"cat {path} > /dev/null", shell=True, check=True)
    return time.perf_counter() - t0


def bench_size(work: Path, size_mb: float, clients: int, slice_too: bool) -> None:
    from onemg.access.keys import generate_key
    from onemg.demo.processes import free_port
    from onemg.retrieval.archive import build_archive
    from onemg.retrieval.keys import encode_public_key, ensure_archive_key
    from onemg.retrieval.reencrypt import public_of
    from onemg.settings import AccessSettings, RetrievalSettings, Settings, TrustedIssuer

    vcf = make_vcf(work / f"bench-{size_mb:g}mb.vcf.gz", size_mb)
    port = free_port()
    node_url, issuer = f"http://127.0.0.1:{port}/", "https://issuer.bench/"
    settings = Settings(
        data_dir=work / f"node-{size_mb:g}",
        access=AccessSettings(
            trusted_issuers=(TrustedIssuer(issuer, f"{issuer}jwks"),),
            audience=node_url,
            public_url=node_url,
        ),
        retrieval=RetrievalSettings(archive_passphrase="bench"),
    )
    version = "v1"
    data_path = f"datasets/{DS}/{version}"
    archive = settings.data_dir / data_path / "archive"
    if not archive.exists():
        t0 = time.perf_counter()
        build_archive(
            vcf, archive, archive_key=ensure_archive_key(settings), work=work / f"tmp-{size_mb:g}"
        )
        print(f"  archived {vcf.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s")
    body = next(archive.glob("*.c4gh"))
    key = generate_key("ES256")
    ready = mp.get_context("fork").Event()
    proc = mp.get_context("fork").Process(
        target=_serve,
        args=(settings, key.private_pem(), issuer, data_path, version, port, ready),
        daemon=True,
    )
    proc.start()
    ready.wait(30)
    reader = os.urandom(32)
    headers = {
        "Authorization": f"Bearer {_passport(key, issuer, node_url)}",
        "Htsget-Context-Public-Key": encode_public_key(public_of(reader)),
    }
    try:
        with httpx.Client(timeout=600, trust_env=False) as http:
            for _ in range(100):
                try:
                    http.get(f"{node_url}api/htsget/variants/service-info")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"\n== {body.stat().st_size / 1e6:.1f} MB archived file ({size_mb:g} MB target)")
            cat_s = _timed_cat(body)
            http.get(f"{node_url}api/files/{DS}", headers=headers)  # warm up
            t0 = time.perf_counter()
            ttfb = None
            got = 0
            with http.stream("GET", f"{node_url}api/files/{DS}", headers=headers) as resp:
                assert resp.status_code == 200, resp.read()
                for chunk in resp.iter_raw(1 << 20):
                    if ttfb is None:
                        ttfb = time.perf_counter() - t0
                    got += len(chunk)
            total = time.perf_counter() - t0
            mb = got / 1e6
            print(
                f"whole file: TTFB {ttfb * 1000:.1f} ms, total {total:.3f} s "
                f"({mb / total:.0f} MB/s); cat > /dev/null {cat_s:.3f} s "
                f"({body.stat().st_size / 1e6 / cat_s:.0f} MB/s); ratio {total / cat_s:.1f}x"
            )
            if slice_too:
                _bench_slice(http, node_url, headers, reader, vcf, work)
            _bench_tickets(node_url, headers, clients)
    finally:
        proc.terminate()
        proc.join(10)


def _bench_slice(
    http: httpx.Client, node_url: str, headers: dict, reader: bytes, vcf: Path, work: Path
) -> None:
    from crypt4gh import lib

    from onemg.retrieval.client import download_ticket

    subprocess.run(["tabix", "-f", "-p", "vcf", str(vcf)], check=True)
    start = SPAN // 2
    region = f"1:{start + 1}-{start + 1_000_000}"
    runs_ours, runs_base = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        resp = http.get(
            f"{node_url}api/htsget/variants/{DS}",
            headers=headers,
            params={"referenceName": "1", "start": start, "end": start + 1_000_000},
        )
        enc = work / "slice.c4gh"
        download_ticket(http, resp.json(), enc, workers=4)
        out = io.BytesIO()
        with open(enc, "rb") as fh:
            lib.decrypt([(0, reader, None)], fh, out)
        runs_ours.append(time.perf_counter() - t0)
        ours_bytes = len(out.getvalue())
        pub = work / "reader.pub"
        if not pub.exists():
            from onemg.retrieval.reencrypt import public_of

            pub.write_text(
                "-----BEGIN CRYPT4GH PUBLIC KEY-----\n"
                + __import__("base64").b64encode(public_of(reader)).decode()
                + "\n-----END CRYPT4GH PUBLIC KEY-----\n"
            )
        t0 = time.perf_counter()
        crypt4gh = Path(sys.executable).parent / "crypt4gh"
        subprocess.run(
            f"bcftools view -r {region} {vcf} -Oz | {crypt4gh} encrypt "
            f"--recipient_pk {pub} > {work / 'base.c4gh'}",
            shell=True,
            check=True,
            stderr=subprocess.DEVNULL,
        )
        runs_base.append(time.perf_counter() - t0)
    ours, base = statistics.median(runs_ours), statistics.median(runs_base)
    print(
        f"1 Mb slice ({region}): ticket + download + decrypt {ours:.3f} s "
        f"({ours_bytes / 1e6:.2f} MB out); bcftools view -r | crypt4gh encrypt {base:.3f} s; "
        f"ratio {ours / base:.2f}x (median of 3)"
    )


def _bench_tickets(node_url: str, headers: dict, clients: int, per_client: int = 25) -> None:
    url = f"{node_url}api/htsget/variants/{DS}"
    params = {"referenceName": "1", "start": 5_000_000, "end": 5_100_000}

    def server_ms(resp: httpx.Response) -> float:
        # ServerTiming middleware: the node's own time for the request, client excluded
        return float(resp.headers["server-timing"].split("dur=")[1])

    async def run() -> list[float]:
        times: list[float] = []
        server: list[float] = []
        limits = httpx.Limits(max_connections=clients)
        async with httpx.AsyncClient(timeout=60, limits=limits, trust_env=False) as http:
            one = []
            for _ in range(50):
                t0 = time.perf_counter()
                resp = await http.get(url, headers=headers, params=params)
                one.append(time.perf_counter() - t0)
                assert resp.status_code == 200, resp.text
            print(
                f"tickets, one client: p50 {np.percentile(one, 50) * 1000:.1f} ms, "
                f"p95 {np.percentile(one, 95) * 1000:.1f} ms"
            )

            async def client() -> None:
                for _ in range(per_client):
                    t0 = time.perf_counter()
                    resp = await http.get(url, headers=headers, params=params)
                    times.append(time.perf_counter() - t0)
                    assert resp.status_code == 200, resp.text
                    server.append(server_ms(resp) / 1000)

            t0 = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(clients)))
            wall = time.perf_counter() - t0
        print(
            f"tickets: {len(times)} from {clients} concurrent clients in {wall:.2f} s "
            f"({len(times) / wall:.0f}/s): p50 {np.percentile(times, 50) * 1000:.1f} ms, "
            f"p95 {np.percentile(times, 95) * 1000:.1f} ms (node-side p50 "
            f"{np.percentile(server, 50) * 1000:.1f} ms, p95 "
            f"{np.percentile(server, 95) * 1000:.1f} ms)"
        )
        return times

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[10, 200])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="keep generated files here (default: a temporary folder)",
    )
    args = parser.parse_args()
    print(f"bench_retrieval: {os.cpu_count()} CPUs; client and node share this machine")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for i, size in enumerate(args.sizes_mb):
            bench_size(work, size, args.clients, slice_too=i == 0)


if __name__ == "__main__":
    main()

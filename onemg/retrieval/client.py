"""``onemg fetch``: the researcher's side of retrieval, end to end.

1. log in at the hub (or take a hub access token);
2. find the node holding the dataset in the hub's catalogue and get a passport for that node;
3. ask the node for an htsget ticket (the public key in ``Htsget-Context-Public-Key``);
4. download the blocks in parallel, with retries and a progress callback;
5. decrypt with the researcher's Crypt4GH key (:func:`crypt4gh.lib.decrypt`) and check the
   result with bcftools.

Nothing here logs a URL, header or token.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from crypt4gh import lib as c4gh_lib

from onemg.errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    UpstreamError,
)
from onemg.retrieval.keys import encode_public_key
from onemg.retrieval.reencrypt import public_of

#: ``progress(done_bytes, total_bytes or None)``
Progress = Callable[[int, int | None], None]
_REGION_RE = re.compile(r"^([^:]+)(?::(\d[\d,]*)?-(\d[\d,]*)?)?$")
_STATUS_ERRORS = {401: AuthenticationError, 403: AccessDeniedError, 404: NotFoundError}


@dataclass(frozen=True)
class FetchResult:
    """What a fetch produced."""

    path: Path
    node_api: str
    records: int
    records_in_region: int | None
    downloaded_bytes: int
    seconds: float


def parse_region(text: str) -> tuple[str, int | None, int | None]:
    """``chr7:117480025-117668665`` (1-based, inclusive, as bcftools and samtools write it) as
    an htsget (referenceName, start 0-based, end exclusive)."""
    match = _REGION_RE.match(text.strip())
    if not match:
        raise InvalidInputError(
            f"--region {text!r}: write CONTIG, CONTIG:START-END or "
            "CONTIG:START- (1-based, inclusive), e.g. 7:117480025-117668665"
        )
    contig, start, end = match.groups()
    s = int(start.replace(",", "")) - 1 if start else None
    e = int(end.replace(",", "")) if end else None
    if s is not None and s < 0:
        raise InvalidInputError(f"--region {text!r}: positions start at 1")
    if s is not None and e is not None and e <= s:
        raise InvalidInputError(f"--region {text!r}: the end is before the start")
    return contig, s, e


def _raise_for(resp: httpx.Response, what: str) -> None:
    if resp.status_code < 400:
        return
    try:
        body = resp.json()
        detail = (
            body.get("htsget", {}).get("message")
            or body.get("error_description")
            or body.get("detail")
            or body.get("error")
            or resp.text
        )
        if isinstance(detail, dict):
            detail = detail.get("errorMessage", str(detail))
    except ValueError:
        detail = resp.text[:200]
    cls = _STATUS_ERRORS.get(
        resp.status_code, InvalidInputError if resp.status_code < 500 else UpstreamError
    )
    raise cls(f"{what}: HTTP {resp.status_code}: {detail}")


def login(http: httpx.Client, hub: str, username: str, password: str) -> str:
    """A hub access token for a local account."""
    resp = http.post(f"{hub}oidc/login", json={"username": username, "password": password})
    _raise_for(resp, "login at the hub")
    return resp.json()["access_token"]


def locate_dataset(http: httpx.Client, hub: str, token: str, dataset_id: str) -> str:
    """The API URL (``.../api``) of the member node whose catalogue holds ``dataset_id``."""
    info = http.get(f"{hub}api/info")
    _raise_for(info, "the hub's /api/info")
    members = info.json().get("response", {}).get("info", {}).get("members", [])
    urls = {m["id"]: m["apiUrl"] for m in members}
    resp = http.get(
        f"{hub}api/datasets", params={"limit": 1000}, headers={"Authorization": f"Bearer {token}"}
    )
    _raise_for(resp, "the hub's dataset catalogue")
    for item in resp.json().get("response", {}).get("collections", []):
        member = (item.get("info") or {}).get("memberId")
        if item.get("id") == dataset_id and member in urls:
            return urls[member].rstrip("/")
    raise NotFoundError(
        f"dataset {dataset_id!r} is in no member node's catalogue at {hub}; "
        "check the id (onemg lists them on the hub's /api/datasets)"
    )


def passport_for(http: httpx.Client, hub: str, token: str, node_api: str) -> str:
    """A passport scoped to the node at ``node_api`` (token exchange at the hub's broker)."""
    parts = urlsplit(node_api)
    resp = http.post(
        f"{hub}oidc/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": token,
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "requested_token_type": "urn:ga4gh:params:oauth:token-type:passport",
            "audience": f"{parts.scheme}://{parts.netloc}/",
        },
    )
    _raise_for(resp, "passport from the hub's broker")
    return resp.json()["access_token"]


def _block_size(url: str) -> int | None:
    rng = parse_qs(urlsplit(url).query).get("r")
    if not rng:
        return None
    start, _, end = rng[0].partition("-")
    return int(end) - int(start) if start.isdigit() and end.isdigit() else None


def _download(
    http: httpx.Client,
    url: str,
    headers: dict[str, str],
    dest: Path,
    report: Callable[[int], None],
    retries: int,
) -> int:
    """One block into ``dest``, retried on network errors and 5xx (4xx fail at once)."""
    for attempt in range(retries + 1):
        got = 0
        try:
            with http.stream("GET", url, headers=headers) as resp, open(dest, "wb") as fh:
                if resp.status_code >= 400:
                    resp.read()
                    _raise_for(resp, "data block")
                for chunk in resp.iter_bytes(1 << 20):
                    fh.write(chunk)
                    got += len(chunk)
                    report(len(chunk))
                expected = resp.headers.get("content-length")
                if expected is not None and int(expected) != got:
                    raise httpx.ReadError(f"block cut short ({got} of {expected} bytes)")
            return got
        except (httpx.TransportError, UpstreamError):
            report(-got)
            if attempt == retries:
                raise
            time.sleep(min(0.5 * 2**attempt, 5.0))
    raise AssertionError("unreachable")


def download_ticket(
    http: httpx.Client,
    ticket: dict,
    dest: Path,
    *,
    workers: int = 4,
    retries: int = 3,
    progress: Progress | None = None,
) -> int:
    """Fetch every url of an htsget ``ticket`` (in parallel) and concatenate them in order."""
    urls = ticket["htsget"]["urls"]
    sizes = [_block_size(u["url"]) for u in urls if not u["url"].startswith("data:")]
    total = sum(s for s in sizes if s is not None) if None not in sizes else None
    done = [0]

    def report(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], total)

    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".fetch-") as tmp:
        parts = [Path(tmp) / f"{i:06d}" for i in range(len(urls))]
        jobs = []
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for u, part in zip(urls, parts, strict=True):
                if u["url"].startswith("data:"):
                    part.write_bytes(base64.b64decode(u["url"].split(",", 1)[1]))
                else:
                    jobs.append(
                        pool.submit(
                            _download, http, u["url"], u.get("headers", {}), part, report, retries
                        )
                    )
            for job in jobs:
                job.result()
        with open(dest, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        out.write(chunk)
    return dest.stat().st_size


def _count(path: Path, *args: str) -> int:
    proc = subprocess.run(
        ["bcftools", "view", "-H", *args, str(path)], capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise UpstreamError(
            f"{path}: bcftools cannot read the decrypted file "
            f"({proc.stderr.decode().strip()[:200]})"
        )
    return proc.stdout.count(b"\n")


def fetch(
    *,
    hub: str,
    dataset_id: str,
    seckey: bytes,
    out: Path,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    region: str | None = None,
    data_format: str = "VCF",
    workers: int = 4,
    retries: int = 3,
    progress: Progress | None = None,
    http: httpx.Client | None = None,
) -> FetchResult:
    """Run the whole retrieval path (see the module docstring) and write ``out``."""
    t0 = time.perf_counter()
    hub = hub.rstrip("/") + "/"
    own = http is None
    client = http or httpx.Client(timeout=120, follow_redirects=True)
    try:
        if token is None:
            if not username or password is None:
                raise InvalidInputError("pass --token, or --username with a password")
            token = login(client, hub, username, password)
        node_api = locate_dataset(client, hub, token, dataset_id)
        passport = passport_for(client, hub, token, node_api)
        params: dict[str, str | int] = {"format": data_format}
        contig = start = end = None
        if region:
            contig, start, end = parse_region(region)
            params["referenceName"] = contig
            if start is not None:
                params["start"] = start
            if end is not None:
                params["end"] = end
        headers = {
            "Authorization": f"Bearer {passport}",
            "Htsget-Context-Public-Key": encode_public_key(public_of(seckey)),
        }
        resp = client.get(
            f"{node_api}/htsget/variants/{quote(dataset_id, safe='')}",
            params=params,
            headers=headers,
        )
        _raise_for(resp, "htsget ticket")
        out.parent.mkdir(parents=True, exist_ok=True)
        encrypted = out.with_name(out.name + ".c4gh.part")
        plain = out.with_name(out.name + ".part")
        try:
            size = download_ticket(
                client, resp.json(), encrypted, workers=workers, retries=retries, progress=progress
            )
            with open(encrypted, "rb") as fin, open(plain, "wb") as fout:
                try:
                    c4gh_lib.decrypt([(0, seckey, None)], fin, fout)
                except ValueError as exc:
                    raise AccessDeniedError(
                        f"cannot decrypt the download with this key "
                        f"({exc}); use the key whose public half was "
                        "sent"
                    ) from exc
            n = _count(plain)
            in_region = None
            if contig is not None:
                spec = contig if start is None else f"{contig}:{start + 1}-{end or ''}"
                in_region = _count(plain, "--targets-overlap", "1", "-t", spec)
            os.replace(plain, out)
        finally:
            encrypted.unlink(missing_ok=True)
            plain.unlink(missing_ok=True)
        return FetchResult(out, node_api, n, in_region, size, time.perf_counter() - t0)
    finally:
        if own:
            client.close()


def fetch_command(
    *,
    hub: str,
    dataset_id: str,
    key: Path,
    out: Path,
    username: str,
    region: str | None = None,
) -> str:
    """The ``onemg fetch`` command line a walk-through (e.g. ``onemg demo``) prints.

    The password and the key's passphrase are left to the prompt (or ``$ONEMG_PASSWORD`` and
    ``$C4GH_PASSPHRASE``), so they never appear in a terminal log.
    """
    import shlex

    args = ["onemg", "fetch", "--hub", hub, "--dataset", dataset_id]
    if region:
        args += ["--region", region]
    args += ["--key", str(key), "--username", username, "--out", str(out)]
    return shlex.join(args)

"""Who may retrieve what, and what they get: tickets, blocks and whole files.

Every decision is audited (granted or denied) through the node's audit sink, with the
pseudonymous subject only; a token, signature or block URL never reaches the audit log or any
logger. An unknown dataset and a dataset the caller may not read give the same 403, so the
answer does not reveal which datasets exist. The body is never decrypted here: only the archive
header is opened (to re-seal its data key for the reader).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from onemg.errors import AccessDeniedError, AuthenticationError, InvalidInputError, OnemgError
from onemg.retrieval import htsget
from onemg.retrieval.archive import ArchivedFile
from onemg.retrieval.keys import load_archive_secret, parse_public_key_header
from onemg.retrieval.plan import plan
from onemg.retrieval.reencrypt import reader_header, session_keys
from onemg.retrieval.signing import BlockGrant, BlockSigner, load_or_create_secret
from onemg.security import AuditSink, CredentialVerifier, Principal
from onemg.settings import Settings

KEY_HEADERS = ("htsget-context-public-key", "x-c4gh-public-key")
#: Opened archives and reader headers kept per process.
_CACHE = 256

#: ``dataset_id -> (version, version folder)`` of the served version, or None.
Locate = Callable[[str], tuple[str, Path] | None]

DENIED = (
    "you have no ControlledAccessGrants visa for this dataset on this node (or it does "
    "not exist); apply for access and fetch a fresh passport"
)


def reader_key(headers: Mapping[str, str]) -> bytes:
    """The requester's Crypt4GH public key from exactly one of the two headers.

    Raises:
        HtsgetError: InvalidInput ``KEY_MISSING`` (neither) or ``KEY_CONFLICT`` (both).
    """
    present = [h for h in KEY_HEADERS if headers.get(h)]
    if not present:
        raise htsget.invalid_input(
            "KEY_MISSING: send your Crypt4GH public key, base64-encoded, in "
            "Htsget-Context-Public-Key or X-C4GH-Public-Key (`onemg keys generate` makes one)"
        )
    if len(present) > 1:
        raise htsget.invalid_input(
            "KEY_CONFLICT: send the public key in "
            "Htsget-Context-Public-Key or X-C4GH-Public-Key, not both"
        )
    try:
        return parse_public_key_header(headers[present[0]])
    except InvalidInputError as exc:
        raise htsget.invalid_input(str(exc)) from None


@dataclass(frozen=True)
class Download:
    """A stream to send: an in-memory prefix, then ``[start, end)`` of ``path``."""

    prefix: bytes
    path: Path
    start: int
    end: int

    @property
    def length(self) -> int:
        """Bytes in the whole stream."""
        return len(self.prefix) + self.end - self.start


class _Lru(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size
        self._lock = threading.Lock()

    def get_or(self, key: object, make: Callable[[], object]) -> object:
        with self._lock:
            if key in self:
                self.move_to_end(key)
                return self[key]
        value = make()
        with self._lock:
            self[key] = value
            while len(self) > self._size:
                self.popitem(last=False)
        return value


class RetrievalService:
    """Tickets, block checks and whole-file downloads for one node."""

    def __init__(
        self,
        settings: Settings,
        *,
        locate: Locate,
        verifier: CredentialVerifier,
        audit: AuditSink | None,
        clock: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._locate = locate
        self._verifier = verifier
        self._audit = audit
        self._clock = clock
        self._archives = _Lru(_CACHE)
        self._headers = _Lru(_CACHE * 4)
        self._lock = threading.Lock()
        self._secret: bytes | None = None
        self._signer: BlockSigner | None = None

    # credentials -------------------------------------------------------------------------
    def _record(
        self,
        principal: Principal | None,
        action: str,
        dataset_id: str,
        result: str,
        reason: str = "",
    ) -> None:
        if self._audit is not None:
            self._audit.record(
                user=principal.subject if principal else None,
                action=action,
                resource=f"dataset:{dataset_id}",
                result=result,
                reason=reason,
                origin="htsget",
            )

    async def authorize(
        self, authorization: str | None, dataset_id: str, action: str
    ) -> tuple[Principal, str]:
        """The principal and bearer token behind an ``Authorization`` header, if the principal
        holds a grant for ``dataset_id``.

        Raises:
            AuthenticationError: no token, a malformed header or a bad token (401).
            AccessDeniedError: no grant for this dataset, or no such dataset (403).
        """
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if authorization and (scheme.lower() != "bearer" or not token):
            self._record(None, action, dataset_id, "denied", "malformed Authorization header")
            raise AuthenticationError("Authorization must be 'Bearer <passport>'")
        if not token:
            self._record(None, action, dataset_id, "denied", "no bearer token")
            raise AuthenticationError(
                "send your passport as 'Authorization: Bearer <token>' "
                "(`onemg fetch` gets one from the hub)"
            )
        try:
            principal = await self._verifier.verify(token)
        except AuthenticationError as exc:
            self._record(None, action, dataset_id, "denied", f"invalid credentials: {exc}")
            raise
        if dataset_id not in principal.datasets:
            self._record(principal, action, dataset_id, "denied", "no grant for this dataset")
            raise AccessDeniedError(DENIED)
        return principal, token

    def deny(
        self, principal: Principal | None, action: str, dataset_id: str, exc: OnemgError
    ) -> None:
        """Audit a refusal decided after :meth:`authorize` (key, input, signature)."""
        self._record(principal, action, dataset_id, "denied", str(exc)[:200])

    # archive -----------------------------------------------------------------------------
    def _archive(self, dataset_id: str) -> tuple[str, ArchivedFile]:
        found = self._locate(dataset_id)
        if found is None:
            raise AccessDeniedError(DENIED)
        version, folder = found
        archived = self._archives.get_or((dataset_id, version), lambda: ArchivedFile.open(folder))
        return version, archived  # type: ignore[return-value]

    def _archive_secret(self) -> bytes:
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    self._secret = load_archive_secret(self._settings)
        return self._secret

    def _block_signer(self) -> BlockSigner:
        if self._signer is None:
            with self._lock:
                if self._signer is None:
                    self._signer = BlockSigner(
                        load_or_create_secret(self._settings.data_dir), self._clock
                    )
        return self._signer

    def _keys(self, dataset_id: str, version: str, archived: ArchivedFile) -> list[bytes]:
        return self._archives.get_or(  # type: ignore[return-value]
            ("keys", dataset_id, version),
            lambda: session_keys(archived.header_path.read_bytes(), self._archive_secret()),
        )

    # htsget ------------------------------------------------------------------------------
    def ticket(
        self,
        principal: Principal,
        token: str,
        dataset_id: str,
        request: htsget.TicketRequest,
        key: bytes,
        base_url: str,
    ) -> dict:
        """The htsget ticket for ``request`` (runs in a worker thread: it reads files)."""
        version, archived = self._archive(dataset_id)
        fmt = archived.manifest.format
        if request.format != fmt:
            raise htsget.unsupported_format(
                f"this dataset is archived as {fmt}; ask for format={fmt}"
            )
        sliced = plan(archived, request.regions, header_only=request.header_only)
        header = reader_header(
            self._keys(dataset_id, version, archived), self._archive_secret(), key, sliced.edit_list
        )
        expires = int(self._clock()) + self._settings.retrieval.block_url_ttl_s
        signer = self._block_signer()
        subject = principal.subject or ""
        blocks = []
        for start, end in sliced.runs:
            grant = BlockGrant(dataset_id, version, start, end, expires)
            query = urlencode(
                {
                    "v": version,
                    "r": f"{start}-{end}",
                    "exp": expires,
                    "sig": signer.sign(grant, subject),
                }
            )
            url = f"{base_url}/api/htsget/blocks/{quote(dataset_id, safe='')}?{query}"
            blocks.append(htsget.BlockUrl(url, {"Authorization": f"Bearer {token}"}))
        self._record(
            principal,
            "htsget.ticket",
            dataset_id,
            "granted",
            f"{fmt}, {len(blocks)} block(s), {sliced.cipher_bytes} bytes, regions "
            f"{_describe(request)}",
        )
        return htsget.ticket(fmt, header, blocks, header_only=request.header_only)

    def block(
        self,
        principal: Principal,
        dataset_id: str,
        *,
        version: str,
        byte_range: str,
        expires: str,
        signature: str,
    ) -> Download:
        """Check a block URL for ``principal`` and return the ciphertext range to send."""
        try:
            start_s, _, end_s = byte_range.partition("-")
            grant = BlockGrant(dataset_id, version, int(start_s), int(end_s), int(expires))
        except ValueError:
            raise AccessDeniedError("malformed block URL; ask for a new ticket") from None
        self._block_signer().check(grant, principal.subject or "", signature)
        current, archived = self._archive(dataset_id)
        if current != version:
            raise htsget.HtsgetError(
                "NotFound",
                404,
                "the dataset was updated since this ticket was issued; ask for a new ticket",
            )
        if not 0 <= grant.start < grant.end <= archived.manifest.body_size:
            raise AccessDeniedError("block range outside the file; ask for a new ticket")
        self._record(
            principal, "htsget.block", dataset_id, "granted", f"bytes {grant.start}-{grant.end}"
        )
        return Download(b"", archived.body_path, grant.start, grant.end)

    # whole files -------------------------------------------------------------------------
    def whole_file(
        self, principal: Principal, dataset_id: str, key: bytes, *, head: bool = False
    ) -> tuple[bytes, ArchivedFile]:
        """The reader's header (same bytes for the same reader and version, so ranges from
        separate requests fit together) and the archive."""
        version, archived = self._archive(dataset_id)
        header = self._headers.get_or(
            (dataset_id, version, key),
            lambda: reader_header(
                self._keys(dataset_id, version, archived), self._archive_secret(), key
            ),
        )
        self._record(
            principal,
            "files.head" if head else "files.download",
            dataset_id,
            "granted",
            archived.manifest.name,
        )
        return header, archived  # type: ignore[return-value]


def _describe(request: htsget.TicketRequest) -> str:
    if request.header_only:
        return "header"
    if request.regions is None:
        return "all"
    return ",".join(
        f"{r.reference_name}:{r.start or 0}-{'' if r.end is None else r.end}"
        for r in request.regions[:5]
    )

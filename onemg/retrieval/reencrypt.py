"""Header-only re-encryption: a Crypt4GH header for a reader, from the archive's header.

The archive header is opened with the archive key (a few hundred bytes, never the body); its
data key is sealed again for the reader's public key, with a data edit list for a slice. The
writer key is the archive key, so a reader holding the node's archive public key can check the
sender (``crypt4gh decrypt --sender_pk``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from crypt4gh import header as c4gh_header
from crypt4gh import sodium

from onemg.errors import IntegrityError


def session_keys(archive_header: bytes, archive_secret: bytes) -> list[bytes]:
    """The data keys inside the archive header (raises IntegrityError if it will not open)."""
    packets = c4gh_header.parse(io.BytesIO(archive_header))
    decrypted, _ = c4gh_header.decrypt(packets, [(0, archive_secret, None)])
    data_packets, _edit = c4gh_header.partition_packets(decrypted)
    if not data_packets:
        raise IntegrityError("the archive header does not open with this node's archive key")
    return [bytes(c4gh_header.parse_enc_packet(p)) for p in data_packets]


def reader_header(
    keys: Sequence[bytes],
    archive_secret: bytes,
    reader_public: bytes,
    edit_list: Sequence[int] | None = None,
) -> bytes:
    """A serialized Crypt4GH header giving ``reader_public`` the data ``keys`` (and the edit
    list, when given)."""
    plain = [c4gh_header.make_packet_data_enc(0, key) for key in keys]
    if edit_list is not None:
        plain.append(c4gh_header.make_packet_data_edit_list(edit_list))
    recipients = [(0, archive_secret, reader_public)]
    packets = [p for packet in plain for p in c4gh_header.encrypt(packet, recipients)]
    return c4gh_header.serialize(packets)


def public_of(secret: bytes) -> bytes:
    """The X25519 public key of a Crypt4GH secret key."""
    return bytes(sodium.derive_pk(secret))

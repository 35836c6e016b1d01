"""Slice plans against a naive reference: random byte ranges of a random plaintext, encrypted
with the crypt4gh library; serving the planned segments under a header with the planned edit
list decrypts to exactly the ranges' bytes (also for offsets past 64 KiB, where crypt4gh
1.8.6's own ``lib.decrypt(offset=...)`` returns the wrong segment)."""

from __future__ import annotations

import io
import os
import random

import pytest
from crypt4gh import lib

from onemg.retrieval.reencrypt import public_of, reader_header, session_keys
from onemg.retrieval.slicing import CIPHER_SEGMENT, SEGMENT, body_size, merge, plan_slice


@pytest.fixture(scope="module")
def encrypted() -> tuple[bytes, bytes, bytes, bytes]:
    """(plaintext, archive header, body, archive secret key)."""
    plain = os.urandom(5 * SEGMENT + 1234)
    secret = os.urandom(32)
    header, body = io.BytesIO(), io.BytesIO()
    lib.encrypt(
        [(0, os.urandom(32), public_of(secret))], io.BytesIO(plain), body, headerfile=header
    )
    return plain, header.getvalue(), body.getvalue(), secret


def _serve(
    plain_len: int, ranges: list[tuple[int, int]], header: bytes, body: bytes, secret: bytes
) -> bytes:
    reader = os.urandom(32)
    sliced = plan_slice(ranges, plain_len)
    out_header = reader_header(
        session_keys(header, secret), secret, public_of(reader), sliced.edit_list
    )
    stream = out_header + b"".join(body[a:b] for a, b in sliced.runs)
    out = io.BytesIO()
    lib.decrypt([(0, reader, None)], io.BytesIO(stream), out)
    return out.getvalue()


def test_body_size(encrypted: tuple[bytes, bytes, bytes, bytes]) -> None:
    plain, _, body, _ = encrypted
    assert body_size(len(plain)) == len(body)
    assert body_size(2 * SEGMENT) == 2 * CIPHER_SEGMENT


def test_random_ranges_decrypt_to_exactly_their_bytes(
    encrypted: tuple[bytes, bytes, bytes, bytes],
) -> None:
    plain, header, body, secret = encrypted
    rng = random.Random(4)
    for _ in range(25):
        cuts = sorted(rng.sample(range(len(plain) + 1), 2 * rng.randint(1, 4)))
        ranges = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
        want = b"".join(plain[a:b] for a, b in merge(ranges))
        assert _serve(len(plain), ranges, header, body, secret) == want


def test_offsets_past_one_segment(encrypted: tuple[bytes, bytes, bytes, bytes]) -> None:
    plain, header, body, secret = encrypted
    assert _serve(len(plain), [(70_000, 70_100)], header, body, secret) == plain[70_000:70_100]
    assert _serve(len(plain), [(140_000, 140_100)], header, body, secret) == plain[140_000:140_100]
    # Touching ranges and ranges ending on a segment edge merge into one keep.
    assert plan_slice([(0, SEGMENT), (SEGMENT, SEGMENT + 5)], len(plain)).edit_list == (
        0,
        SEGMENT + 5,
    )


def test_only_touched_segments_are_served() -> None:
    sliced = plan_slice([(10, 20), (3 * SEGMENT + 5, 3 * SEGMENT + 9)], 4 * SEGMENT)
    assert sliced.runs == ((0, CIPHER_SEGMENT), (3 * CIPHER_SEGMENT, 4 * CIPHER_SEGMENT))
    assert sliced.edit_list == (10, 10, SEGMENT - 20 + 5, 4)
    assert sliced.plain_bytes == 14

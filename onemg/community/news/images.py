"""Images uploaded for news posts: checked with Pillow, stored under ``<data_dir>/news/images``.

An upload is accepted only when Pillow reads it as PNG, JPEG, GIF or WebP, whatever its name or
declared type says; the stored file is named by its content hash with the matching extension and
served with the type Pillow found, so a browser never sniffs an upload into HTML or script.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from onemg.community.news.service import Image
from onemg.errors import InvalidInputError

#: The hub refuses request bodies over 256 KiB, so an image (with the form around it) stays below.
MAX_BYTES = 200 * 1024
MAX_PIXELS = 4096 * 4096
#: Pillow's format name -> (MIME type, file extension).
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}


def images_dir(data_dir: Path) -> Path:
    """Where the hub keeps news images."""
    return data_dir / "news" / "images"


def check_image(data: bytes, *, post_id: int, filename: str, alt: str) -> Image:
    """The image record for upload ``data`` (not yet written).

    Raises:
        InvalidInputError: empty, too large, not an image Pillow can read, not one of the
            accepted formats, or without a description for people who cannot see it.
    """
    from PIL import Image as PilImage
    from PIL import UnidentifiedImageError

    alt = " ".join(alt.split())
    if not alt:
        raise InvalidInputError(
            "image description: required (what the image shows, for people using a screen reader)"
        )
    if not data:
        raise InvalidInputError(f"image {filename!r}: the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInputError(
            f"image {filename!r}: {len(data)} bytes; at most {MAX_BYTES // 1024} KiB "
            "(save it smaller, e.g. as JPEG at 1200 pixels wide)"
        )
    try:
        with PilImage.open(io.BytesIO(data)) as img:
            kind = img.format or ""
            width, height = img.size
            img.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        PilImage.DecompressionBombError,
    ):
        raise InvalidInputError(
            f"image {filename!r}: not a readable image; upload a PNG, JPEG, GIF or WebP file"
        ) from None
    if kind not in FORMATS:
        raise InvalidInputError(
            f"image {filename!r}: {kind or 'unknown'} images are not "
            "accepted; upload a PNG, JPEG, GIF or WebP file"
        )
    if width * height > MAX_PIXELS:
        raise InvalidInputError(f"image {filename!r}: {width}x{height} pixels is too large")
    mime, ext = FORMATS[kind]
    name = f"{post_id}-{hashlib.sha256(data).hexdigest()[:32]}.{ext}"
    return Image(name=name, content_type=mime, alt=alt[:300], size=len(data))


def write_image(data_dir: Path, image: Image, data: bytes) -> Path:
    """Write the image file atomically (a file with that name already holds the same bytes)."""
    folder = images_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / image.name
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    return target


def remove_images(data_dir: Path, names: list[str]) -> None:
    """Remove image files no longer referenced (missing ones are ignored)."""
    for name in names:
        (images_dir(data_dir) / Path(name).name).unlink(missing_ok=True)

"""Durable files: flush a folder tree, then publish it with one atomic rename.

A reader either finds a complete, flushed folder or none: builds write into a scratch folder on
the same file system, :func:`fsync_tree` it, and :func:`publish_dir` renames it into place.
"""

from __future__ import annotations

import os
from pathlib import Path

from onemg.errors import ConflictError


def fsync_tree(path: Path) -> None:
    """Flush every file and folder under ``path`` to stable storage."""
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def fsync_dir(path: Path) -> None:
    """Flush a folder entry (makes a rename inside it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_dir(staged: Path, final: Path) -> None:
    """Atomically move a complete, flushed folder into place (same filesystem)."""
    if final.exists():
        raise ConflictError(f"{final} already exists; remove it or run a new ingest")
    final.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staged, final)
    fsync_dir(final.parent)

"""The node data directory on disk: dataset version folders, staging, locking, durability.

See docs/architecture.md ("Node data directory"). Everything under ``tmp/`` is a leftover of an
interrupted ingest; a version folder is only ever created by renaming a complete staging folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from onemg.durable import fsync_dir, fsync_tree, publish_dir
from onemg.errors import ConflictError, InvalidInputError

__all__ = ["NodeLayout", "check_dataset_id", "fsync_dir", "fsync_tree", "new_version",
           "publish_dir"]

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_dataset_id(dataset_id: str) -> str:
    """Return ``dataset_id`` if it is safe as a folder name and URL segment, else raise."""
    if not _ID_RE.match(dataset_id or ""):
        raise InvalidInputError(
            f"dataset id {dataset_id!r}: use 1-128 letters, digits, '.', '_' or '-', starting "
            "with a letter or digit")
    return dataset_id


def new_version() -> str:
    """A fresh, sortable, unique version name (UTC timestamp + random suffix)."""
    return datetime.now(UTC).strftime("v%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


class NodeLayout:
    """Paths of one node data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir).resolve()
        self.datasets = self.root / "datasets"
        self.tmp = self.root / "tmp"

    def version_dir(self, dataset_id: str, version: str) -> Path:
        """Where a published version lives."""
        return self.datasets / dataset_id / version

    def relative(self, path: Path) -> str:
        """``path`` as stored in the catalogue: relative to the node directory (movable)."""
        return path.resolve().relative_to(self.root).as_posix()

    def resolve(self, data_path: str) -> Path:
        """A catalogue ``data_path`` (relative, or absolute from older nodes) as a path."""
        return self.root / data_path

    def new_staging(self) -> Path:
        """A new empty folder under ``tmp/``."""
        path = self.tmp / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the node's ingest lock (released by the kernel even on ``kill -9``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".ingest.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConflictError(
                    f"another ingest or delete is running on {self.root}; wait for it to "
                    "finish") from None
            yield
        finally:
            os.close(fd)

    def clear_tmp(self) -> list[Path]:
        """Delete every staging leftover; return what was removed."""
        removed = []
        if self.tmp.is_dir():
            for child in self.tmp.iterdir():
                _remove(child)
                removed.append(child)
        return removed

    def version_dirs(self) -> dict[str, list[str]]:
        """Dataset id -> version folder names present on disk."""
        if not self.datasets.is_dir():
            return {}
        return {d.name: sorted(v.name for v in d.iterdir() if v.is_dir())
                for d in sorted(self.datasets.iterdir()) if d.is_dir()}

    def remove_version(self, dataset_id: str, version: str) -> None:
        """Delete one version folder (and the dataset folder once empty)."""
        _remove(self.version_dir(dataset_id, version))
        parent = self.datasets / dataset_id
        with contextlib.suppress(OSError):
            parent.rmdir()  # only succeeds when empty


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)

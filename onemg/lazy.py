"""One way to build a process's heavy parts on first use: :class:`Lazy`.

App factories must not touch the disk or the database when they run (tests build apps freely;
uvicorn workers build them before forking). What needs the database, the signing key or an
HTTP client is wrapped in a :class:`Lazy` and built by the first request that needs it, once per
process, even when several threads ask at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value built by ``build()`` on the first call, once (thread-safe); then the same value."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None
        self._built = False

    def __call__(self) -> T:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._value = self._build()
                    self._built = True
        return self._value  # type: ignore[return-value]

    @property
    def built(self) -> bool:
        """Whether the value exists (so closing it needs no building)."""
        return self._built

    def if_built(self) -> T | None:
        """The value if it was built, else ``None`` (never builds)."""
        return self._value if self._built else None

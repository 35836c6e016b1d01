"""Blocking work (SQL, argon2) off the event loop, in worker threads with a bound.

An ``async def`` route that calls a blocking function stalls every other request of its worker
process (a 97 ms argon2 hash stalls all of them for 97 ms). :class:`ThreadLimit` runs such
calls in anyio's worker threads, at most ``size`` at a time; callers beyond that wait on the
limiter without holding a thread. The limiter is created on first use, inside the running event
loop (anyio binds it to that loop).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class ThreadLimit:
    """At most ``size`` blocking calls at a time in worker threads."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a thread limit needs at least one thread")
        self.size = size
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` in a worker thread, waiting for a free slot first."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.size)
        call = functools.partial(fn, *args, **kwargs) if kwargs else functools.partial(fn, *args)
        return await anyio.to_thread.run_sync(call, limiter=self._limiter)


def cpu_bound_limit() -> ThreadLimit:
    """A limit for CPU-heavy calls such as password hashing: one thread per core, at most 4."""
    return ThreadLimit(max(1, min(4, os.cpu_count() or 1)))


def io_bound_limit() -> ThreadLimit:
    """A limit for short database calls (a few: more only make writers wait on each other)."""
    return ThreadLimit(4)

"""Open a Dask client from ``[compute]`` settings and map task functions over it, in order.

Failures are Dask's to handle first: a task whose worker dies is re-run on another worker (the
nanny of a local worker restarts it) up to ``allowed_failures`` times. Beyond that, or when a task
raises, :func:`map_ordered` cancels what is left and raises :class:`ComputeFailedError`; callers
build into a scratch location and publish only after every task succeeded, so a failed job
leaves nothing half-built behind.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from onemg.errors import OnemgError, UnavailableError
from onemg.settings import ComputeSettings

if TYPE_CHECKING:
    from distributed import Client

#: Environment of local worker processes: Dask's defaults less MALLOC_TRIM_THRESHOLD_.
_PRE_SPAWN_ENVIRON = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)


class ComputeFailedError(UnavailableError):
    """A batch job on Dask failed (a task raised, or its workers kept dying)."""


@contextlib.contextmanager
def compute_client(settings: ComputeSettings) -> Iterator[Client | None]:
    """A Dask client for ``settings`` for the duration of a job, or ``None`` (this process).

    Args:
        settings: ``scheduler_address`` connects to a running cluster; else ``workers > 0``
            starts a ``LocalCluster`` of worker processes (closed on exit); else ``None``.

    Raises:
        ComputeFailedError: the scheduler cannot be reached.
    """
    if not settings.scheduler_address and settings.workers == 0:
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    if settings.scheduler_address:
        try:
            client = Client(settings.scheduler_address, timeout=settings.connect_timeout_s)
        except OSError as exc:
            raise ComputeFailedError(
                f"[compute] scheduler_address {settings.scheduler_address}: cannot reach the "
                f"Dask scheduler ({exc}); start it (`dask scheduler`) or fix the address"
            ) from exc
        with client:
            yield client
        return
    # The scheduler of a LocalCluster runs in this process and reads the config when created.
    with dask.config.set(
        {
            "distributed.scheduler.allowed-failures": settings.allowed_failures,
            "distributed.worker.daemon": False,
            # Dask sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which also turns off
            # glibc's adaptive mmap threshold: every chunk buffer of the Zarr writes is then
            # mapped, faulted in and returned again, and a VCF Zarr build ran 3-4x slower than
            # in this process (benchmarks/bench_synth.py vcz). glibc's defaults here.
            "distributed.nanny.pre-spawn-environ": _PRE_SPAWN_ENVIRON,
        }
    ):
        cluster = LocalCluster(
            n_workers=settings.workers,
            threads_per_worker=settings.threads_per_worker,
            processes=True,
            memory_limit=settings.memory_limit,
            # Any free port: a fixed one (8787) clashes with other clusters on the machine.
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.WARNING,
        )
    with cluster, Client(cluster) as client:
        yield client


def map_ordered(
    client: Client | None,
    fn: Callable[..., R],
    items: Sequence[T],
    *,
    progress: Callable[[int, int], None] | None = None,
    broadcast: dict[str, Any] | None = None,
) -> list[R]:
    """``[fn(item, **broadcast) for item in items]``, on Dask when ``client`` is given.

    Args:
        client: from :func:`compute_client`; ``None`` runs the calls here, one after another.
        fn: a module-level (picklable) function; it must be safe to run twice on one item
            (a retried task overwrites what the lost attempt wrote).
        items: one task each, results returned in this order.
        progress: ``progress(done, total)`` after each finished task.
        broadcast: keyword arguments shared by every call, shipped once and copied between
            workers by Dask (per-sample arrays; keep each under Dask's 10 MB graph warning).

    Raises:
        ComputeFailedError: a task failed for good: its worker kept dying, or it raised an
            error that is not an :class:`~onemg.errors.OnemgError` (chained). A task's own
            ``OnemgError`` (e.g. ``InvalidInputError``) is raised as it is.
    """
    extra = dict(broadcast or {})
    total = len(items)
    if client is None:
        out = []
        for item in items:
            out.append(fn(item, **extra))
            if progress:
                progress(len(out), total)
        return out
    from distributed import as_completed

    # Each shared value becomes one task that returns it: unlike scattered data, the scheduler
    # can run it again when the workers holding it die.
    extra = {k: client.submit(_same, v, pure=False) for k, v in extra.items()}
    futures = client.map(fn, items, pure=False, **extra)
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            future.result()  # raises the task's own error, or KilledWorker
            if progress:
                progress(done, total)
        return client.gather(futures)
    except OnemgError:
        client.cancel(futures)
        raise  # the task's own, meaningful error (bad input in a chunk, ...)
    except Exception as exc:
        client.cancel(futures)
        name = getattr(fn, "__name__", str(fn))
        raise ComputeFailedError(
            f"Dask job {name} failed after {total} task(s) were submitted: "
            f"{type(exc).__name__}: {exc}. Nothing was published; check the workers' logs "
            f"(memory limit: raise [compute] memory_limit) and run the command again"
        ) from exc


def _same(value: T) -> T:
    return value

"""Batch genotype work on Dask: one task per storage chunk, on a LocalCluster or a real cluster.

Usage::

    with compute_client(settings.compute) as client:      # None when [compute] workers = 0
        results = map_ordered(client, build_chunk, tasks, progress=tick)

The same task functions run in this process (no client), on a ``LocalCluster`` started for the
job, or on a running scheduler named in ``[compute] scheduler_address``. See docs/scale.md.
"""

from onemg.compute.cluster import ComputeFailedError, compute_client, map_ordered

__all__ = ["ComputeFailedError", "compute_client", "map_ordered"]

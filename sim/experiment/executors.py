"""Where tasks run: this process, a local process pool, or a Dask cluster.

Every option is a `concurrent.futures.Executor`, so sweeps, replications and capacity
searches have one code path. Dask's `ClientExecutor` wraps a `distributed.Client`: on a
cluster started with `dask scheduler` and `dask worker`, results come back to the driver,
so the workers need no shared disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager


class InlineExecutor(Executor):
    """Runs each task at once in this process (one worker, no pickling, easy to debug)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller via the future
            future.set_exception(error)
        return future


@contextmanager
def executor(workers: int | None = None, dask: str | None = None) -> Iterator[Executor]:
    """An executor for `workers` processes (default: every core), or on Dask.

    `dask` is a scheduler address (tcp://host:8786) or "local" for a LocalCluster.
    """
    workers = workers or os.cpu_count() or 1
    if dask is None:
        if workers == 1:
            yield InlineExecutor()
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
        return
    from dask.distributed import Client, LocalCluster  # optional and heavy: only when asked

    cluster = None
    if dask == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(dask)
    try:
        with client.get_executor(pure=False) as pool:
            yield pool
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

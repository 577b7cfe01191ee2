"""Submit point tasks to an executor and hand back each point's results as it finishes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import TypeVar

from sim.experiment.executors import InlineExecutor
from sim.experiment.tasks import RepResult, run_point

IN_FLIGHT_PER_WORKER = 2
Task = TypeVar("Task")  # a picklable unit of work with `point` and `reps`


def run_tasks(tasks: Iterable[Task], executor: Executor,
              on_done: Callable[[Task, list[RepResult]], None],
              work: Callable[[Task], list[RepResult]] = run_point,
              failed: Callable[[Task, BaseException], object] | None = None) -> None:
    """Run every task (`work(task)` on a worker: a point's replications by default), at most
    a few per worker at a time, and report each as it finishes (so a killed run keeps what
    it finished). A worker that dies records an error for its replications (or what
    `failed(task, error)` makes of it)."""
    in_flight: dict[Future, Task] = {}
    limit = 1 if isinstance(executor, InlineExecutor) else IN_FLIGHT_PER_WORKER * _workers(
        executor)
    pending = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(in_flight) < limit:
            task = next(pending, None)
            if task is None:
                exhausted = True
                break
            in_flight[executor.submit(work, task)] = task
        if not in_flight:
            return
        finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in finished:
            task = in_flight.pop(future)
            try:
                results = future.result()
            except Exception as error:  # the worker itself failed (killed, out of memory)
                results = failed(task, error) if failed is not None else [
                    RepResult(task.point, rep, error=f"worker failed: {error!r}")
                    for rep in task.reps]
            on_done(task, results)


def _workers(executor: Executor) -> int:
    """How many tasks the executor runs at once (a guess is fine: it only sets a window)."""
    count = getattr(executor, "_max_workers", None)
    if count:
        return int(count)
    client = getattr(executor, "_client", None)
    if client is not None:
        return max(1, sum(client.nthreads().values()))
    return 1

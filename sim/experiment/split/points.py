"""Replications and sweep points of a network of several cities, split by city on the same
executor: one task per point, replication and city, never a pool inside a task.

A point whose cities share nothing becomes one task per replication and city; as the last
city of a replication finishes, the cities are merged (`merge`) and measured like any run.
Other points run as they always do (`run_point`, every replication in one task). The
cities' lead times come back in memory (8 bytes a measured parcel), so workers on a cluster
need no shared disk.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from sim.experiment.runner import run_tasks
from sim.experiment.split.driver import PartTask, run_part, separable
from sim.experiment.split.merge import merge
from sim.experiment.split.partial import PartResult
from sim.experiment.split.parts import part_scenario
from sim.experiment.tasks import PointTask, RepResult, measure, run_point
from sim.scenario import with_replication


@dataclass(frozen=True)
class CityTask:
    """One city of one replication of a point."""

    point: PointTask
    rep: int
    city: PartTask


def run_point_tasks(tasks: list[PointTask], executor: Executor,
                    on_done: Callable[[PointTask, list[RepResult]], None]) -> None:
    """`run_tasks` for point tasks, the points of several cities split by city."""
    work: list[PointTask | CityTask] = []
    waiting: dict[tuple[str, int], dict[str, PartResult]] = {}
    cities: dict[str, list[str]] = {}  # a point's cities' hubs, in the node table's order
    for task in tasks:
        parts, joined = separable(task.scenario)
        if joined is not None:
            work.append(task)
            continue
        cities[task.point] = [part.hub for part in parts]
        for rep in task.reps:
            scenario = with_replication(task.scenario, rep)
            waiting[task.point, rep] = {}
            work += [CityTask(task, rep, PartTask(part_scenario(scenario, part), part, None,
                                                  False)) for part in parts]

    def done(task: PointTask | CityTask, result) -> None:
        if isinstance(task, PointTask):
            on_done(task, result)
            return
        finished = waiting[task.point.point, task.rep]
        finished[task.city.part.hub] = result
        if len(finished) < len(cities[task.point.point]):
            return
        del waiting[task.point.point, task.rep]
        parts = [finished[hub] for hub in cities[task.point.point]]
        failed = [p for p in parts if p.error is not None]
        if failed:
            record = RepResult(task.point.point, task.rep, error="; ".join(
                f"{p.name}: {p.error}" for p in failed))
        else:
            record = measure(task.point.point, task.rep, merge(
                with_replication(task.point.scenario, task.rep), parts))
        on_done(task.point, [record])

    def failed(task: PointTask | CityTask, error: BaseException):
        if isinstance(task, PointTask):
            return [RepResult(task.point, rep, error=f"worker failed: {error!r}")
                    for rep in task.reps]
        return PartResult(hub=task.city.part.hub, name=task.city.part.name,
                          error=f"worker failed: {error!r}")

    run_tasks(work, executor, done, work=_run, failed=failed)


def _run(task: PointTask | CityTask):
    """On a worker: a point's replications, or one city of one replication."""
    return run_point(task) if isinstance(task, PointTask) else run_part(task.city)

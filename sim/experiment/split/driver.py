"""Run a scenario of several cities as separate parts on the sweeps' executors, or whole in
one process, and merge the cities' results.

Each part writes its parcels into the run's `parcels/` dataset (one piece per city, Hive
partitioned: `parcels/city=<hub>/part-0.parquet`), and its sorted lead times and its hour
and trip tables into `parts/` (removed once the run's files are written, `release`), and
hands back only compact tables: no process holds the whole province's parcels. A part
that fails is run once more; one that fails again is reported by its city's name and its
error, and the other cities' parcels stay written. On a Dask cluster by address the output
folder must be on a disk the workers share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from sim.engine.model import Simulation
from sim.errors import UserError
from sim.experiment.runner import run_tasks
from sim.experiment.split.merge import MergedResults, merge
from sim.experiment.split.partial import PartResult, part_result
from sim.experiment.split.parts import Part, city_parts, coupling, part_scenario
from sim.experiment.split.whole import city_output
from sim.results.folders import OutputFolder, atomic_write, cannot
from sim.results.summary import Results, summarise
from sim.results.writer import write_parquet_pieces
from sim.scenario.loader import LoadedScenario
from sim.scenario.sizes import check_sizes

PARCELS = "parcels"
SCRATCH = "parts"


@dataclass(frozen=True)
class PartTask:
    """One city's run: the scenario cut to it, and where its files go (none: in memory)."""

    scenario: LoadedScenario
    part: Part
    folder: Path | None
    parcels: bool


class PartsFailed(UserError):
    """Cities whose runs failed twice; the others ran."""


def piece(part: Part) -> str:
    """A city's piece of the parcels dataset, relative to the run's folder."""
    return f"{PARCELS}/city={part.hub}/part-0.parquet"


def separable(scenario: LoadedScenario) -> tuple[list[Part], str | None]:
    """The cities, and what joins them (None when they can run apart)."""
    parts = city_parts(scenario)
    return parts, coupling(scenario, parts) if len(parts) > 1 else "one city"


def run_part(task: PartTask) -> PartResult:
    """On a worker: run one city, write its files, hand back its compact result. Errors
    come back as the result's `error`, never as exceptions."""
    start, started = time.perf_counter(), time.time()
    try:
        results = summarise(Simulation(task.scenario).run())
        result = finish(results, task.part, task.folder, task.parcels)
    except Exception as error:  # reported by the city's name, the others' runs go on
        return PartResult(hub=task.part.hub, name=task.part.name, error=error.message
                          if isinstance(error, UserError) else f"{type(error).__name__}: {error}")
    result.seconds, result.started = time.perf_counter() - start, started
    return result


def finish(results: Results, part: Part, folder: Path | None, parcels: bool) -> PartResult:
    """A city's files written (its parcels piece, its lead times), its result made."""
    target = None if folder is None else folder / piece(part)
    try:
        if target is not None and parcels:
            atomic_write(target, lambda tmp: write_parquet_pieces(tmp, results.parcel_tables()))
        target = None if folder is None else folder / SCRATCH
        return part_result(results, part, target)
    except OSError as error:  # a full disk: which file, what the system said
        raise cannot("written", target, error) from None


def run_split(scenario: LoadedScenario, executor: Executor, folder: OutputFolder | None,
              parcels: bool = True,
              progress: Callable[[int, int], None] | None = None) -> MergedResults:
    """Every city on `executor`, merged. `progress(done, total)` counts finished cities."""
    parts, path = _prepare(scenario, folder)
    tasks = [PartTask(part_scenario(scenario, part), part, path, parcels) for part in parts]
    results: dict[str, PartResult] = {}
    errors: dict[str, str] = {}
    for _attempt in (1, 2):  # a part that fails is run once more
        failed: list[PartTask] = []

        def done(task: PartTask, result: PartResult, failed: list[PartTask] = failed) -> None:
            if result.error is not None:
                failed.append(task)
                errors[task.part.hub] = result.error
                return
            results[task.part.hub] = result
            if progress is not None:
                progress(len(results), len(parts))

        run_tasks(tasks, executor, done, work=run_part, failed=lambda task, error: PartResult(
            hub=task.part.hub, name=task.part.name, error=f"worker failed: {error!r}"))
        tasks = failed
        if not tasks:
            break
    if tasks:
        raise PartsFailed(scenario.label(), "network", _failures(tasks, parts, errors))
    return merge(scenario, [results[part.hub] for part in parts])


def _prepare(scenario: LoadedScenario, folder: OutputFolder | None
             ) -> tuple[list[Part], Path | None]:
    """The cities, checked to run apart, and the folder their files go to, whose cities'
    entries are listed before any worker writes there."""
    parts, joined = separable(scenario)
    if joined is not None:
        raise UserError(scenario.label(), "network", f"cannot run apart: {joined}")
    if folder is None:
        return parts, None
    folder.expect(f"{PARCELS}/", f"{SCRATCH}/")
    return parts, folder.path


def release(folder: OutputFolder) -> None:
    """Remove the cities' scratch files once the run's own files are written."""
    folder.remove_tree(SCRATCH)


def _failures(tasks: list[PartTask], parts: list[Part], errors: dict[str, str]) -> str:
    """Which cities failed twice and why; the others ran and wrote their parcels."""
    failed = "; ".join(f"{task.part.name} ({errors[task.part.hub]})" for task in tasks)
    ran = len(parts) - len(tasks)
    others = (f"the other {ran} of {len(parts)} cities ran (their parcels are in parcels/)"
              if ran else "no city ran")
    return f"the run of {failed} failed twice; {others}; run again to retry"


def run_whole(scenario: LoadedScenario, folder: OutputFolder | None,
              parcels: bool = True) -> MergedResults:
    """The whole network in one process, then cut into its cities and merged as a split
    run is: the reference a split run must equal."""
    check_sizes(scenario.config, scenario.nodes, scenario.files.limits, scenario.label(),
                whole=True)
    parts, path = _prepare(scenario, folder)
    output = Simulation(scenario).run()
    results = []
    for part in parts:
        city = part_scenario(scenario, part)
        results.append(finish(summarise(city_output(output, city, part)), part, path,
                              parcels))
    return merge(scenario, results)

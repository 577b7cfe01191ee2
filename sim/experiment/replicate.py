"""Replications of one scenario: every KPI as a mean with its 95% t confidence interval.

Replication r of any scenario uses the streams of (seed, r), so scenarios compared
replication by replication see the same parcels and residents (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import pandas as pd

from sim.errors import ScenarioError
from sim.experiment.executors import InlineExecutor
from sim.experiment.kpis import aggregate
from sim.experiment.split.points import run_point_tasks
from sim.experiment.tasks import PointTask, RepResult, measure
from sim.results import Results
from sim.scenario import LoadedScenario


@dataclass(frozen=True)
class Replications:
    """Per-replication KPIs and their means and intervals."""

    results: list[RepResult]

    @property
    def ok(self) -> list[RepResult]:
        return [r for r in self.results if r.ok]

    def table(self) -> pd.DataFrame:
        """One row per replication, one column per KPI."""
        rows = [{"replication": r.rep, **r.kpis} for r in self.ok]
        return pd.DataFrame(rows).sort_values("replication").reset_index(drop=True)

    def kpis(self) -> pd.DataFrame:
        """One row per KPI: mean, ci_low, ci_high, std, n."""
        return aggregate([r.kpis for r in sorted(self.ok, key=lambda r: r.rep)])

    def errors(self) -> list[str]:
        return [f"replication {r.rep}: {r.error}" for r in self.results if not r.ok]


def check_replications(scenario: LoadedScenario, reps: int) -> None:
    """Refuse more replications than the scenario's runs limit, before any runs."""
    limits = scenario.files.limits
    if reps > limits.runs:
        raise ScenarioError("--reps", "", f"{reps:,} replications, more than the limit of "
                            f"{limits.runs:,} ({limits.variable('runs')})")


def replicate(scenario: LoadedScenario, reps: int, executor: Executor | None = None,
              progress: Callable[[int], None] | None = None,
              first: Results | None = None) -> Replications:
    """Run replications 0..reps-1, in parallel when the executor has several workers.

    `first`, results already at hand for replication 0 of this scenario, is not run again.
    The number of replications is checked against the scenario's runs limit first.
    """
    check_replications(scenario, reps)
    results: list[RepResult] = []
    if first is not None:
        if first.scenario.config != scenario.config:
            raise ValueError("`first` is not a run of this scenario's replication 0")
        results.append(measure("replications", 0, first))
        if progress is not None:
            progress(1)
    tasks = [PointTask("replications", scenario, (rep,))
             for rep in range(len(results), reps)]

    def collect(task: PointTask, done: list[RepResult]) -> None:
        results.extend(done)
        if progress is not None:
            progress(len(done))

    run_point_tasks(tasks, executor or InlineExecutor(), collect)
    return Replications(sorted(results, key=lambda r: r.rep))

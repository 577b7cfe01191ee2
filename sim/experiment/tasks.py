"""The unit of work sent to a worker: every replication of one scenario point.

A task carries the validated scenario itself (tables included), so a worker on another
machine needs no shared disk, and returns plain KPI dictionaries to the driver.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from sim.errors import ScenarioError
from sim.experiment.kpis import flatten
from sim.experiment.twin import simulate
from sim.results import Results
from sim.scenario import LoadedScenario, with_replication

TOP_RESOURCES = 5


@dataclass(frozen=True)
class PointTask:
    """Replications `reps` of one scenario point, validated on the driver."""

    point: str
    scenario: LoadedScenario
    reps: tuple[int, ...]


@dataclass
class RepResult:
    """One replication's KPIs, or the error that stopped it."""

    point: str
    rep: int
    kpis: dict[str, float] = field(default_factory=dict)
    unstable: list[str] = field(default_factory=list)  # resources whose backlog grows
    pressed: list[str] = field(default_factory=list)  # most pressed resources, in order
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_point(task: PointTask) -> list[RepResult]:
    """Run every replication of a point; an error is recorded, never raised."""
    results = []
    for rep in task.reps:
        try:
            scenario = with_replication(task.scenario, rep)
            results.append(measure(task.point, rep, simulate(scenario)))
        except ScenarioError as error:
            results.append(RepResult(task.point, rep, error=error.message))
        except Exception as error:  # a failing point must not stop a sweep
            last = traceback.extract_tb(error.__traceback__)[-1]
            results.append(RepResult(task.point, rep, error=(
                f"{type(error).__name__}: {error} ({last.filename}:{last.lineno})")))
    return results


def measure(point: str, rep: int, results: Results) -> RepResult:
    """What a replication keeps of a run's results."""
    table = results.bottlenecks
    return RepResult(
        point=point,
        rep=rep,
        kpis=flatten(results.summary),
        unstable=table.loc[table["unstable"], "resource"].head(TOP_RESOURCES).tolist(),
        pressed=table["resource"].head(TOP_RESOURCES).tolist(),
    )

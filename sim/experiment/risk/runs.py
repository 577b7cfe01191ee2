"""The work of one replication of one plan: the undisrupted run once, then each risk alone
and all of them together against it, on the same seed (common random numbers)."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

import numpy as np

from sim.engine.model import Simulation
from sim.errors import ScenarioError
from sim.experiment.kpis import flatten
from sim.experiment.tasks import RepResult
from sim.results import Results, summarise
from sim.results.resilience import on_time_by_day
from sim.scenario import LoadedScenario, with_replication

SEPARATOR = "\t"  # between the plan's name and the variant's in a result's point


@dataclass(frozen=True)
class RiskTask:
    """Replications `reps` of one plan: its undisrupted scenario and its variants (a risk's
    name, or "all", to the scenario with those disruptions), validated on the driver."""

    point: str  # the plan's name
    scenario: LoadedScenario
    variants: tuple[tuple[str, LoadedScenario], ...]
    reps: tuple[int, ...]
    on_time_target: float

    @property
    def runs(self) -> int:
        return len(self.reps) * (1 + len(self.variants))


def point_of(plan: str, variant: str) -> str:
    return f"{plan}{SEPARATOR}{variant}"


def run_risk(task: RiskTask) -> list[RepResult]:
    """Every replication of a plan; an error is recorded for the replication, never raised."""
    results = []
    for rep in task.reps:
        try:
            results += _replication(task, rep)
        except ScenarioError as error:
            results.append(RepResult(point_of(task.point, "?"), rep, error=error.message))
        except Exception as error:  # one failing replication must not stop the analysis
            last = traceback.extract_tb(error.__traceback__)[-1]
            results.append(RepResult(point_of(task.point, "?"), rep, error=(
                f"{type(error).__name__}: {error} ({last.filename}:{last.lineno})")))
    return results


def _replication(task: RiskTask, rep: int) -> list[RepResult]:
    twin = Simulation(with_replication(task.scenario, rep)).run()
    kept = [_measured(point_of(task.point, "none"), rep, summarise(twin), task.on_time_target)]
    for name, scenario in task.variants:
        output = Simulation(with_replication(scenario, rep), twin.network).run()
        kept.append(_measured(point_of(task.point, name), rep, summarise(output, twin),
                              task.on_time_target))
    return kept


def _measured(point: str, rep: int, results: Results, target: float) -> RepResult:
    """The run's KPIs, and the share of its measured days on which fewer than `target` of the
    parcels made that day were on time."""
    kpis = flatten(results.summary)
    kpis["risk.days_below_target"] = _days_below(results, target)
    return RepResult(point=point, rep=rep, kpis=kpis)


def _days_below(results: Results, target: float) -> float:
    run = results.output.scenario.config.run
    daily = on_time_by_day(results.output, results.outcomes)[run.warmup_days:]
    daily = daily[~np.isnan(daily)]
    return float(np.mean(daily < target)) if len(daily) else float("nan")

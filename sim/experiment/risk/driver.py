"""Run a risk file: every plan's replications on the executors sweeps use, each task one
replication of one plan (its undisrupted run, each risk alone, all risks together)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

from sim.experiment.executors import InlineExecutor
from sim.experiment.replicate import check_replications
from sim.experiment.risk.analysis import RiskResult
from sim.experiment.risk.file import ALL, RiskFile, combined, with_disruptions
from sim.experiment.risk.runs import RiskTask, run_risk
from sim.experiment.runner import run_tasks
from sim.experiment.tasks import RepResult
from sim.experiment.twin import without_disruptions
from sim.scenario import LoadedScenario, with_overrides


def runs_needed(design: RiskFile, reps: int) -> int:
    """Simulations an analysis takes: per plan and replication, the undisrupted run, each
    risk alone and (with several) all of them together."""
    variants = len(design.risks) + (len(design.risks) > 1)
    return reps * len(design.plans) * (1 + variants)


def risk_tasks(scenario: LoadedScenario, design: RiskFile, reps: int) -> list[RiskTask]:
    """One task per plan and replication, every scenario validated here (a bad plan or risk
    stops the analysis before anything runs)."""
    base = with_overrides(scenario, design.set)
    check_replications(base, runs_needed(design, reps))
    tasks = []
    for plan in design.plans:
        calm = without_disruptions(with_overrides(base, plan.set))
        variants = tuple((risk.name, with_disruptions(calm, risk.disruptions))
                         for risk in design.risks)
        if len(design.risks) > 1:
            variants += ((ALL, with_disruptions(calm, combined(design.risks))),)
        tasks += [RiskTask(plan.name, calm, variants, (rep,), design.on_time_target)
                  for rep in range(reps)]
    return tasks


def analyse(scenario: LoadedScenario, design: RiskFile, reps: int | None = None,
            executor: Executor | None = None, progress: Callable[[int], None] | None = None,
            source: str = "") -> RiskResult:
    """Every plan's replications; `progress` is told the runs done as tasks finish."""
    tasks = risk_tasks(scenario, design, reps or design.reps)
    results: list[RepResult] = []

    def collect(task: RiskTask, done: list[RepResult]) -> None:
        results.extend(done)
        if progress is not None:
            progress(task.runs)

    run_tasks(tasks, executor or InlineExecutor(), collect, work=run_risk)
    return RiskResult(design, results, source)

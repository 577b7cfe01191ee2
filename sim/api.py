"""The Python API the CLI and the app share: load, run, summarise, write.

Nothing here holds model logic; it strings the one-way pipeline together
(scenario -> network + demand -> engine -> ledger -> results).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from sim.engine.disruptions import plan_disruptions
from sim.errors import ScenarioError
from sim.experiment.capacity import (
    CapacityResult,
    Evaluation,
    Target,
    analytic_capacity,
    search_capacity,
)
from sim.experiment.design import SweepFile
from sim.experiment.executors import executor
from sim.experiment.output import write_capacity
from sim.experiment.plan.file import read_plan_file, targets_of, variables
from sim.experiment.plan.output import PLAN, changes, write_plan
from sim.experiment.plan.search import Evaluator, PlanResult, frontier, search
from sim.experiment.plan.store import RunStore
from sim.experiment.replicate import Replications
from sim.experiment.replicate import replicate as replicate_on
from sim.experiment.risk.analysis import RiskResult
from sim.experiment.risk.driver import analyse
from sim.experiment.risk.file import read_risk_file
from sim.experiment.risk.output import RISK, write_risk
from sim.experiment.split.driver import release, run_split, run_whole, separable
from sim.experiment.split.merge import MergedResults
from sim.experiment.sweep import SweepResult, run_sweep
from sim.experiment.twin import simulate
from sim.freight.plan import build_plan
from sim.network import Network, build_network
from sim.results import Results, write_results
from sim.results.folders import CAPACITY, OutputFolder, claim
from sim.scenario import LoadedScenario, load_scenario, with_overrides
from sim.scenario.files import Files

DEFAULT_SCENARIO = Path("configs") / "kaifeng.yaml"


def default_scenario_path() -> Path:
    """configs/kaifeng.yaml of the working directory, else of the source checkout."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidate = root / DEFAULT_SCENARIO
        if candidate.is_file():
            return candidate
    raise ScenarioError(str(DEFAULT_SCENARIO), "", "default scenario not found; pass CONFIG")


def run_overrides(days: int | None = None, seed: int | None = None) -> list[str]:
    """The --days/--seed shortcuts as ordinary dotted overrides."""
    overrides = []
    if days is not None:
        overrides.append(f"run.days={days}")
    if seed is not None:
        overrides.append(f"run.seed={seed}")
    return overrides


def read(config: str | Path | None = None, overrides: Sequence[str] = (),
         files: Files | None = None) -> LoadedScenario:
    """Read and check a scenario's files, tier tree and sizes (default:
    configs/kaifeng.yaml), within the limits of `files` (default: the command line's).

    Roads are checked when its network is built: by `load`, or by the run itself, which
    builds the network anyway.
    """
    return load_scenario(config or default_scenario_path(), overrides, files)


def load(config: str | Path | None = None, overrides: Sequence[str] = (),
         files: Files | None = None) -> LoadedScenario:
    """Load and fully check a scenario (tables, tree, sizes and roads) without running it."""
    scenario = read(config, overrides, files)
    network = build_network(scenario)  # unreachable nodes are input errors too
    build_plan(scenario, network)  # goods naming unknown counties or lacking a fleet
    plan_disruptions(scenario, network)  # more disruptions than the limits allow
    return scenario


def run(scenario: LoadedScenario | str | Path | None = None, overrides: Sequence[str] = (),
        progress: Callable[[float, float], None] | None = None,
        network: Network | None = None) -> Results:
    """Run one replication and return its results (KPIs computed on demand). `network`,
    built from this very scenario (overrides applied), is used rather than built again."""
    return simulate(_loaded(scenario, overrides), network, progress)


def cities(scenario: LoadedScenario) -> tuple[int, str | None]:
    """How many cities the scenario's network has, and what joins them so that they cannot
    run apart (None when they can)."""
    parts, joined = separable(scenario)
    return len(parts), joined


def run_by_city(scenario: LoadedScenario, folder: OutputFolder | None = None,
                workers: int | None = None, dask: str | None = None, parcels: bool = True,
                progress: Callable[[int, int], None] | None = None) -> MergedResults:
    """Run a network of several cities split by city on a local pool or Dask (`workers` 1
    without Dask: whole in one process, the reference), each city writing its parcels into
    `folder`'s parcels/ dataset, and merge the cities' results exactly."""
    if workers == 1 and dask is None:
        return run_whole(scenario, folder, parcels)
    with executor(workers, dask) as pool:
        return run_split(scenario, pool, folder, parcels, progress)


def write_by_city(results: MergedResults, folder: OutputFolder) -> None:
    """Write a run of several cities into its folder (its cities wrote their parcels), then
    remove the cities' scratch files, which the writing reads."""
    write_results(results, folder, parcels=False)
    release(folder)


def replicate(scenario: LoadedScenario | str | Path | None = None, reps: int = 5,
              overrides: Sequence[str] = (), workers: int | None = None,
              dask: str | None = None,
              progress: Callable[[int], None] | None = None,
              first: Results | None = None) -> Replications:
    """Replications 0..reps-1 of a scenario: KPIs per replication, means and intervals.

    `first`, the results of a run of this very scenario (replication 0), is reused.
    """
    scenario = _loaded(scenario, overrides)
    with executor(workers, dask) as pool:
        return replicate_on(scenario, reps, pool, progress, first)


def sweep(scenario: LoadedScenario | str | Path | None, design: SweepFile, out: str | Path,
          workers: int | None = None, dask: str | None = None,
          progress: Callable[[int, int], None] | None = None,
          source: str = "sweep design") -> SweepResult:
    """Run (or resume) a sweep into `out`; see sim.experiment.sweep for the files. `source`
    names the design (its file, or the options) in messages."""
    scenario = _loaded(scenario, ())
    with executor(workers, dask) as pool:
        return run_sweep(scenario, design, Path(out), pool, progress, source)


def capacity(scenario: LoadedScenario | str | Path | None = None,
             targets: Sequence[str] = (), reps: int = 3, overrides: Sequence[str] = (),
             workers: int | None = None, dask: str | None = None,
             log: Callable[[Evaluation], None] | None = None,
             out: str | Path | None = None) -> tuple[pd.DataFrame, CapacityResult]:
    """The analytic capacity table and the simulated capacity search, written to `out` (if
    given: capacity.json and analytic.csv, in a folder claimed before the search)."""
    scenario = _loaded(scenario, overrides)
    parsed = [Target.parse(text) for text in targets]
    folder = None if out is None else claim(Path(out), CAPACITY, scenario.input_files)
    with folder or nullcontext():
        table = analytic_capacity(scenario)
        with executor(workers, dask) as pool:
            result = search_capacity(scenario, parsed, reps, pool, log=log)
        if folder is not None:
            write_capacity(table, result, folder)
    return table, result


def plan(scenario: LoadedScenario | str | Path | None, plan_file: str | Path,
         out: str | Path | None = None, workers: int | None = None, dask: str | None = None,
         progress: Callable[[int], None] | None = None,
         method: str | None = None,
         planned: Callable[[int], None] | None = None) -> PlanResult:
    """The cheapest plan meeting the plan file's targets, verified on fresh seeds, written to
    `out` (if given: scenario.yaml, changes.csv, candidates.csv, plan.json, and runs/, from
    which the same command resumes a search cut short; the folder is claimed before the
    search). The plan file's `scenario` is used when none is given. `progress` is told the
    runs done as they finish, `planned` the runs asked for so far (a greedy search asks step
    by step, so the estimate of time left is the current step's)."""
    source = str(plan_file)
    design = read_plan_file(Path(plan_file))
    if scenario is None and design.scenario is not None:
        scenario = Path(plan_file).parent / design.scenario
    scenario = _loaded(scenario, ())
    network = build_network(scenario)
    found = variables(design, scenario, network, source)
    targets = targets_of(design, source)
    folder = None if out is None else claim(Path(out), PLAN, scenario.input_files)
    with folder or nullcontext():
        with executor(workers, dask) as pool:
            evaluator = Evaluator(scenario, design, found, targets, pool, progress,
                                  None if folder is None else RunStore(folder), planned)
            result = search(evaluator, source, method)
            result.frontier = frontier(evaluator, source, method, result)
        result.changes = changes(result, scenario, network)
        if folder is not None:
            write_plan(result, evaluator, scenario, folder)
    return result


def risk(scenario: LoadedScenario | str | Path | None, risk_file: str | Path,
         reps: int | None = None, out: str | Path | None = None, workers: int | None = None,
         dask: str | None = None, progress: Callable[[int], None] | None = None
         ) -> RiskResult:
    """Monte Carlo over the risk file's disruptions (its replications unless `reps`), each
    risk alone and all together, for each of its plans; written to `out` if given (runs.csv,
    risks.csv, plans.csv, risk.json, in a folder claimed before anything runs). The risk
    file's `scenario` is used when none is given; `progress` is told the runs done."""
    design = read_risk_file(Path(risk_file))
    if scenario is None and design.scenario is not None:
        scenario = Path(risk_file).parent / design.scenario
    scenario = _loaded(scenario, ())
    folder = None if out is None else claim(Path(out), RISK, scenario.input_files)
    with folder or nullcontext():
        with executor(workers, dask) as pool:
            result = analyse(scenario, design, reps, pool, progress, str(risk_file))
        if folder is not None:
            write_risk(result, folder)
    return result


def _loaded(scenario: LoadedScenario | str | Path | None,
            overrides: Sequence[str]) -> LoadedScenario:
    if isinstance(scenario, LoadedScenario):
        return with_overrides(scenario, overrides)
    return read(scenario, overrides)

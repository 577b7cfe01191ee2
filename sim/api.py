"""The Python API the CLI and the app share: load, run, summarise, write.

Nothing here holds model logic; it strings the one-way pipeline together
(scenario -> network + demand -> engine -> ledger -> results).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sim.demand import check_volume
from sim.engine.model import Simulation
from sim.errors import ScenarioError
from sim.network import build_network
from sim.results import Results, summarise
from sim.scenario import LoadedScenario, load_scenario, scenario_from_dict

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


def load(config: str | Path | None = None, overrides: Sequence[str] = ()) -> LoadedScenario:
    """Load and fully check a scenario (tables, tree and roads) without running it."""
    scenario = load_scenario(config or default_scenario_path(), overrides)
    network = build_network(scenario)  # unreachable nodes are input errors too
    check_volume(network.tree, scenario.config.demand, scenario.config.run, str(scenario.path))
    return scenario


def run(scenario: LoadedScenario | str | Path | None = None, overrides: Sequence[str] = (),
        progress: Callable[[float, float], None] | None = None) -> Results:
    """Run one replication and return its results (KPIs computed on demand)."""
    if not isinstance(scenario, LoadedScenario):
        scenario = load_scenario(scenario or default_scenario_path(), overrides)
    elif overrides:
        scenario = scenario_from_dict(scenario.raw, scenario.path, overrides)
    return summarise(Simulation(scenario).run(progress))

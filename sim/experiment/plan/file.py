"""Plan files: what a planner may change (decisions, each with bounds and a cost), what
must hold (targets), under which demand (conditions), and how many replications judge it.

    scenario: ../tutorial.yaml
    reps: 3                      # per candidate and condition, common random numbers
    verify_reps: 10              # fresh seeds for the recommended plan
    conditions:                  # name: overrides; the first prices the plan
      ordinary: []
      double_11: ["demand.multiplier=1.9"]
    targets: ["by_tier.point.lead_time_h.p95<=48", "on_time_rate>=0.9"]
    decisions:
      village_vans: {vehicles: village, at: each, range: [1, 3]}
      village_departures: {key: fleets.village.departures_per_day, range: [1, 3]}

A decision becomes one or more integer variables: `key` is one scenario setting; `vehicles`
is a fleet's vehicles at its bases, `at` each base on its own (`each`), all bases together
(`all`), or the listed bases (node ids), each on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from sim.errors import ScenarioError
from sim.experiment.capacity import Target
from sim.network import Network
from sim.scenario import LoadedScenario, with_overrides
from sim.scenario.models import FLEET_NAMES, Strict
from sim.scenario.yamlio import read_model


class Decision(Strict):
    key: str | None = Field(None, description="a dotted scenario setting with integer values")
    vehicles: str | None = Field(None, description="a fleet: its vehicles at its bases")
    at: Literal["each", "all"] | list[str] = Field(
        "each", description="for vehicles: each base, all bases together, or these bases")
    range: tuple[int, int]
    cost_per_unit_day: float = Field(
        0.0, description="CNY a day per unit above the scenario's value (an investment the "
        "simulation does not cost, amortised); negative below it")

    @model_validator(mode="after")
    def _one_kind(self) -> Decision:
        if (self.key is None) == (self.vehicles is None):
            raise ValueError("give either key (a setting) or vehicles (a fleet)")
        if self.vehicles is not None and self.vehicles not in FLEET_NAMES:
            raise ValueError(f"vehicles: unknown fleet {self.vehicles!r}; fleets are "
                             f"{', '.join(FLEET_NAMES)}")
        low, high = self.range
        if low > high:
            raise ValueError(f"range: {low} is above {high}")
        return self


class Frontier(Strict):
    """Cost against the tightness of one target: the plan searched again at each value."""

    target: int = Field(0, ge=0, description="which target (its place in targets)")
    values: list[float] = Field(min_length=1, max_length=20)


class PlanFile(Strict):
    scenario: str | None = None
    reps: int = Field(3, ge=1, le=100)
    verify_reps: int = Field(10, ge=2, le=1000)
    conditions: dict[str, list[str]] = Field(default_factory=lambda: {"ordinary": []},
                                             min_length=1)
    targets: list[str] = Field(min_length=1)
    decisions: dict[str, Decision] = Field(min_length=1)
    stable: bool = Field(True, description="no resource's backlog may keep growing")
    method: Literal["auto", "exhaustive", "greedy"] = "auto"
    max_exhaustive: int = Field(512, ge=1, description="auto: enumerate up to this many")
    frontier: Frontier | None = None

    @model_validator(mode="after")
    def _frontier_target(self) -> PlanFile:
        if self.frontier is not None and self.frontier.target >= len(self.targets):
            raise ValueError(f"frontier.target: {self.frontier.target} is not the place of "
                             f"one of the {len(self.targets)} targets (from 0)")
        return self


def read_plan_file(path: Path) -> PlanFile:
    return read_model(path, PlanFile)


@dataclass(frozen=True)
class Variable:
    """One integer a plan chooses: its overrides at a value, the scenario's own value."""

    decision: str
    place: str  # the base's node id, or "" for a setting
    key: str  # the dotted setting it writes
    baseline: int
    low: int
    high: int
    cost_per_unit_day: float

    def overrides(self, value: int) -> list[str]:
        return [] if value == self.baseline else [f"{self.key}={value}"]


def targets_of(plan: PlanFile, source: str) -> list[Target]:
    parsed = []
    for index, text in enumerate(plan.targets):
        try:
            parsed.append(Target.parse(text))
        except ScenarioError as error:
            raise ScenarioError(source, f"targets.{index}", error.message) from None
    return parsed


def variables(plan: PlanFile, scenario: LoadedScenario, network: Network,
              source: str) -> list[Variable]:
    """Every decision as variables, each checked: its key exists and takes the scenario's own
    value, and its range holds that value."""
    found: list[Variable] = []
    for name, decision in plan.decisions.items():
        field = f"decisions.{name}"
        if decision.key is not None:
            made = [_setting(name, decision, scenario, source)]
        else:
            made = _vehicles(name, decision, network, source)
        for variable in made:
            if not variable.low <= variable.baseline <= variable.high:
                raise ScenarioError(source, f"{field}.range", (
                    f"[{variable.low}, {variable.high}] does not hold the scenario's value "
                    f"{variable.baseline}" + (f" at {variable.place}" if variable.place else "")))
        found += made
    _check_conditions(plan, scenario, source)
    return found


def _setting(name: str, decision: Decision, scenario: LoadedScenario,
             source: str) -> Variable:
    key = str(decision.key)
    value = _current(scenario.config.model_dump(), key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ScenarioError(source, f"decisions.{name}.key",
                            f"{key} is not an integer setting of the scenario")
    try:
        with_overrides(scenario, [f"{key}={value}"])
    except ScenarioError as error:
        raise ScenarioError(source, f"decisions.{name}.key", error.message) from None
    low, high = decision.range
    return Variable(name, "", key, value, low, high, decision.cost_per_unit_day)


def _current(config: Mapping[str, Any], key: str) -> Any:
    """A setting's value by its dotted key; departures_per_day counts the departures."""
    node: Any = config
    parts = key.split(".")
    for index, part in enumerate(parts):
        if not isinstance(node, Mapping) or part not in node:
            return None
        if part == "departures_per_day" and index == len(parts) - 1 and node[part] is None:
            return len(node.get("departures") or [])
        node = node[part]
    return node


def _vehicles(name: str, decision: Decision, network: Network, source: str) -> list[Variable]:
    fleet = str(decision.vehicles)
    bases: dict[str, int] = {}
    for route in network.routes:
        if route.fleet == fleet:
            base = str(network.tree.ids[route.base])
            bases[base] = bases.get(base, 0) + route.vehicles
    if not bases:
        raise ScenarioError(source, f"decisions.{name}.vehicles",
                            f"the scenario runs no {fleet} vehicles")
    low, high = decision.range
    if decision.at == "all":
        values = set(bases.values())
        if len(values) > 1:
            raise ScenarioError(source, f"decisions.{name}.at", (
                f"all: the bases hold {min(values)} to {max(values)} vehicles, not one number; "
                "use each"))
        return [_AllBases(name, "", "", values.pop(), low, high, decision.cost_per_unit_day,
                          tuple(bases))]
    chosen = list(bases) if decision.at == "each" else decision.at
    unknown = [base for base in chosen if base not in bases]
    if unknown:
        raise ScenarioError(source, f"decisions.{name}.at",
                            f"not a base of the {fleet} fleet: {', '.join(unknown[:5])}")
    return [Variable(name, base, f"node_overrides.{base}.vehicles", bases[base], low, high,
                     decision.cost_per_unit_day) for base in chosen]


@dataclass(frozen=True)
class _AllBases(Variable):
    """One number of vehicles at every base of a fleet."""

    bases: tuple[str, ...] = ()

    def overrides(self, value: int) -> list[str]:
        return [] if value == self.baseline else [
            f"node_overrides.{base}.vehicles={value}" for base in self.bases]


def _check_conditions(plan: PlanFile, scenario: LoadedScenario, source: str) -> None:
    for name, overrides in plan.conditions.items():
        try:
            with_overrides(scenario, overrides)
        except ScenarioError as error:
            raise ScenarioError(source, f"conditions.{name}", error.message) from None


Overrides = Callable[[tuple[int, ...]], list[str]]


def overrides_of(found: list[Variable]) -> Overrides:
    """A candidate (one value per variable) as the scenario's overrides."""
    def overrides(values: tuple[int, ...]) -> list[str]:
        return [text for variable, value in zip(found, values, strict=True)
                for text in variable.overrides(value)]
    return overrides

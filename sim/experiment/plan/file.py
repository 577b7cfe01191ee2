"""Plan files: what a planner may change (decisions, each with bounds and a cost), what
must hold (targets), under which demand (conditions), and how many replications judge it.

    scenario: ../tutorial.yaml
    reps: 3                      # per candidate and condition, common random numbers
    verify_reps: 10              # fresh seeds for the recommended plan
    conditions:                  # name: overrides; the first prices the plan
      平常一周: []
      双十一: ["demand.multiplier=1.9"]
    targets: ["by_tier.point.lead_time_h.p95<=48", "on_time_rate>=0.9"]
    decisions:
      village_vans: {vehicles: village, at: each, range: [1, 3]}
      village_departures: {key: fleets.village.departures_per_day, range: [1, 3]}

A decision becomes one or more variables: `key` is one scenario setting; `vehicles` is a
fleet's vehicles at its bases, `at` each base on its own (`each`), all bases together
(`all`), or the listed bases (node ids), each on its own. A variable takes the integers of
its `range`, or, for a setting that is not a count (a rate, a share), one of its `levels`:
a search moves it one level at a time, forward to add capacity (the next integer, the next
level), back to save.

      door_delivery: {key: pickup.door_share, levels: [0.1, 0.3, 0.5], cost_per_unit_day: 1e5}
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
from sim.scenario.overrides import value_at
from sim.scenario.yamlio import read_model


class Decision(Strict):
    key: str | None = Field(None, description="a dotted scenario setting with integer values")
    vehicles: str | None = Field(None, description="a fleet: its vehicles at its bases")
    at: Literal["each", "all"] | list[str] = Field(
        "each", description="for vehicles: each base, all bases together, or these bases")
    range: tuple[int, int] | None = Field(None, description="the integers it may take")
    levels: list[int | float] | None = Field(
        None, min_length=2, max_length=50,
        description="for a key: the values it may take, in the order a search adds capacity "
        "(the scenario's among them)")
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
        if (self.range is None) == (self.levels is None):
            raise ValueError("give either range (integers) or levels (values, for a key)")
        if self.levels is not None:
            if self.key is None:
                raise ValueError("levels: only for a key; vehicles take a range")
            if len(set(self.levels)) != len(self.levels):
                raise ValueError("levels: give each value once")
        elif self.range[0] > self.range[1]:
            raise ValueError(f"range: {self.range[0]} is above {self.range[1]}")
        return self


class Frontier(Strict):
    """Cost against the tightness of one target: the plan searched again at each value."""

    target: int = Field(0, ge=0, description="which target (its place in targets)")
    values: list[float] = Field(min_length=1, max_length=20)
    others: Literal["keep", "drop"] = Field(
        "keep", description="the other targets at each level: kept, or dropped where they say "
        "the same thing (a p95 and an on-time share at one threshold)")


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
    """One integer a plan chooses, and what it means: a search moves its position between
    `low` and `high` (`baseline` is the scenario's); the setting takes the position itself,
    or the level at that place among `levels`."""

    decision: str
    place: str  # the base's node id, or "" for a setting
    key: str  # the dotted setting it writes
    baseline: int
    low: int
    high: int
    cost_per_unit_day: float
    levels: tuple[int | float, ...] = ()
    fleet: str = ""  # for vehicles at a base: the fleet

    def value(self, position: int) -> int | float:
        """The setting's value at a position."""
        return self.levels[position] if self.levels else position

    def investment(self, position: int) -> float:
        """CNY a day the plan file prices for this position (0 at the scenario's)."""
        return self.cost_per_unit_day * (self.value(position) - self.value(self.baseline))

    def overrides(self, position: int) -> list[str]:
        return [] if position == self.baseline else [f"{self.key}={self.value(position)}"]


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
    key, field = str(decision.key), f"decisions.{name}"
    value = _current(scenario.config.model_dump(), key)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or (decision.levels is None and not isinstance(value, int)):
        kind = "an integer" if decision.levels is None else "a numeric"
        raise ScenarioError(source, f"{field}.key", f"{key} is not {kind} setting of the "
                            "scenario" + ("; give levels for a rate or a share"
                                          if number else ""))
    for tried in [value] if decision.levels is None else decision.levels:
        try:
            with_overrides(scenario, [f"{key}={tried}"])
        except ScenarioError as error:
            raise ScenarioError(source, f"{field}.key" if tried == value else f"{field}.levels",
                                error.message) from None
    if decision.levels is None:
        low, high = decision.range
        return Variable(name, "", key, value, low, high, decision.cost_per_unit_day)
    if value not in decision.levels:
        raise ScenarioError(source, f"{field}.levels", (
            f"{decision.levels} does not hold the scenario's value {value}"))
    return Variable(name, "", key, decision.levels.index(value), 0, len(decision.levels) - 1,
                    decision.cost_per_unit_day, tuple(decision.levels))


def _current(config: Mapping[str, Any], key: str) -> Any:
    """A setting's value by its dotted key, list items by position or name as overrides
    address them; departures_per_day counts the departures where they are listed."""
    parts = key.split(".")
    value = value_at(config, parts)
    if value is None and parts[-1] == "departures_per_day":
        listed = value_at(config, [*parts[:-1], "departures"])
        return len(listed) if isinstance(listed, list) else None
    return value


def vehicles_by_base(network: Network) -> dict[tuple[str, str], int]:
    """Each fleet's vehicles at each of its bases: (fleet, base node id) -> vehicles."""
    found: dict[tuple[str, str], int] = {}
    for route in network.routes:
        key = (route.fleet, str(network.tree.ids[route.base]))
        found[key] = found.get(key, 0) + route.vehicles
    return found


def _vehicles(name: str, decision: Decision, network: Network, source: str) -> list[Variable]:
    fleet = str(decision.vehicles)
    bases = {base: count for (of, base), count in vehicles_by_base(network).items()
             if of == fleet}
    if not bases:
        raise ScenarioError(source, f"decisions.{name}.vehicles",
                            f"the scenario runs no {fleet} vehicles")
    low, high = decision.range or (0, 0)
    if decision.at == "all":
        values = set(bases.values())
        if len(values) > 1:
            raise ScenarioError(source, f"decisions.{name}.at", (
                f"all: the bases hold {min(values)} to {max(values)} vehicles, not one number; "
                "use each"))
        return [_AllBases(name, "", "", values.pop(), low, high, decision.cost_per_unit_day,
                          fleet=fleet, bases=tuple(bases))]
    chosen = list(bases) if decision.at == "each" else decision.at
    unknown = [base for base in chosen if base not in bases]
    if unknown:
        raise ScenarioError(source, f"decisions.{name}.at",
                            f"not a base of the {fleet} fleet: {', '.join(unknown[:5])}")
    return [Variable(name, base, f"node_overrides.{base}.vehicles", bases[base], low, high,
                     decision.cost_per_unit_day, fleet=fleet) for base in chosen]


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

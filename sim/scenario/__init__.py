"""Typed scenario inputs: pydantic models, YAML and CSV loading, dotted overrides."""

from sim.scenario.loader import (
    LoadedScenario,
    load_scenario,
    scenario_from_dict,
    with_overrides,
    with_replication,
)
from sim.scenario.models import Scenario
from sim.scenario.overrides import apply_overrides

__all__ = [
    "LoadedScenario", "Scenario", "apply_overrides", "load_scenario", "scenario_from_dict",
    "with_overrides", "with_replication",
]

"""One run of a scenario, and of its undisrupted twin when it has disruptions.

The twin is the same scenario, network and seed without the disruptions: since every random
stream is keyed by what it draws for, it makes the same parcels at the same times, and the
difference between the two runs is the disruptions' doing (`sim.results.resilience`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sim.engine.model import Simulation
from sim.network import Network
from sim.results import Results, summarise
from sim.scenario.disruptions import Disruptions
from sim.scenario.loader import LoadedScenario
from sim.scenario.sizes import check_sizes


def without_disruptions(scenario: LoadedScenario) -> LoadedScenario:
    """The scenario's undisrupted twin."""
    raw = {key: value for key, value in scenario.raw.items() if key != "disruptions"}
    return replace(scenario, config=scenario.config.model_copy(
        update={"disruptions": Disruptions()}), raw=raw)


def simulate(scenario: LoadedScenario, network: Network | None = None,
             progress: Callable[[float, float], None] | None = None) -> Results:
    """Run the scenario (and its twin, if disrupted); `progress(done_h, total_h)` counts
    the hours of both."""
    # loading checked the largest city; in one process the whole network must fit
    check_sizes(scenario.config, scenario.nodes, scenario.files.limits, scenario.label(),
                whole=True)
    if not scenario.config.disruptions.any:
        return summarise(Simulation(scenario, network).run(progress))
    first = Simulation(scenario, network)
    end = first.end_h

    def both(offset: float) -> Callable[[float, float], None] | None:
        if progress is None:
            return None
        return lambda now, _end: progress(offset + now, 2 * end)

    output = first.run(both(0.0))
    twin = Simulation(without_disruptions(scenario), first.network).run(both(end))
    return summarise(output, twin)

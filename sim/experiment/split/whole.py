"""A whole run of several cities cut into its cities' runs, to be merged as split runs are.

Each city's rows of the whole run (its parcels, stamps, trips, sorting lines and shelves,
renumbered as the city's own network numbers them) are what the city's run alone makes when
the cities are separable; merging them with `sim.experiment.split.merge` gives the whole
run's summary.json, which the tests compare byte for byte with split runs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.demand import DOWN, Parcels
from sim.engine.ledger import Ledger
from sim.engine.model import SimulationOutput
from sim.errors import ScenarioError
from sim.experiment.split.parts import Part
from sim.network import GATEWAY, build_network
from sim.scenario.loader import LoadedScenario


def city_output(output: SimulationOutput, city: LoadedScenario, part: Part) -> SimulationOutput:
    """The whole run's `output` seen from one city (`city`, the scenario cut to it)."""
    network = build_network(city)
    whole = output.network
    local = np.full(whole.tree.size, -1, dtype=np.int32)
    local[part.rows] = np.arange(len(part.rows), dtype=np.int32)
    ledger = output.ledger
    resident = np.where(ledger.flow == DOWN, ledger.destination, ledger.origin)
    ids = np.flatnonzero((local[resident] >= 0) & (whole.tree.level[resident] > GATEWAY))
    parcels = ledger.parcels
    mine = Parcels(
        created=parcels.created[ids], flow=parcels.flow[ids],
        origin=local[parcels.origin[ids]], destination=local[parcels.destination[ids]],
        u_pickup=parcels.u_pickup[ids], u_door=parcels.u_door[ids],
        carrier=None if parcels.carrier is None else parcels.carrier[ids])
    times = {stage: column[ids] for stage, column in ledger.times.items()}
    route = {r.name: r.index for r in network.routes}
    renumber = np.full(len(whole.routes), -1, dtype=np.int64)
    for r in whole.routes:
        renumber[r.index] = route.get(r.name, -1)
    if np.count_nonzero(renumber >= 0) != len(network.routes):
        raise ScenarioError(city.label(), "network", f"the routes of {part.name} alone are "
                            "not the routes it runs in the whole network")
    trips = output.trips[renumber[output.trips["route"].to_numpy()] >= 0].copy()
    trips["route"] = renumber[trips["route"].to_numpy()]
    done = times["done"]
    return replace(
        output, scenario=city, network=network, ledger=Ledger.of(mine, times),
        trips=trips.reset_index(drop=True), sort_rate=output.sort_rate[part.rows],
        shift_clocks={int(local[node]): clock for node, clock in output.shift_clocks.items()
                      if local[node] >= 0},
        shelf_peak=output.shelf_peak[part.rows], shelf_slots=output.shelf_slots[part.rows],
        in_network=len(ids) - int(np.count_nonzero(done <= output.end_h)),
        goods=None, disruptions=None, vehicle_hours_out=None)

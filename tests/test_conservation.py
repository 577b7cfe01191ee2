"""Every run counts the parcels inside the network and checks them against the ledger."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.model import Simulation, check_stage_order
from sim.errors import ConservationError
from sim.scenario import load_scenario

from .conftest import KAIFENG, TUTORIAL


def test_conservation_holds_at_the_end_of_a_busy_run():
    # drain cut short and demand high, so many parcels are still inside at the end
    scenario = load_scenario(TUTORIAL, ["run.drain_days=0", "demand.multiplier=2.5"])
    output = Simulation(scenario).run()
    delivered = output.ledger.delivered_by(output.end_h)
    assert output.in_network > 1000
    assert len(output.ledger) == delivered + output.in_network


def test_a_lost_parcel_is_caught():
    simulation = Simulation(load_scenario(TUTORIAL))
    simulation.env.run(until=60.0)
    queue = next(q for f in simulation.facilities.values() for q in f.route_queues.values()
                 if q.ready_count(60.0))
    queue.take(np.inf, 1)  # a parcel vanishes from a queue
    with pytest.raises(ConservationError, match="not conserved"):
        simulation.run()


def test_a_parcel_that_leaves_before_it_arrives_is_caught():
    simulation = Simulation(load_scenario(TUTORIAL))
    output = simulation.run()
    ledger = output.ledger
    parcel = int(np.flatnonzero(~np.isnan(ledger.times["park_dep"]))[0])
    ledger.times["park_dep"][parcel] = ledger.times["park_arr"][parcel] - 1.0
    with pytest.raises(ConservationError, match=f"parcel {parcel} reached park_dep"):
        check_stage_order(ledger)


def test_default_scenario_runs_and_conserves():
    scenario = load_scenario(KAIFENG, ["run.days=3", "run.warmup_days=1"])
    output = Simulation(scenario).run()
    created = len(output.ledger)
    assert created == output.ledger.delivered_by(output.end_h) + output.in_network
    # ~150,000 parcels down and ~30,000 up a day at normal volume
    assert 3 * 170_000 < created < 3 * 190_000

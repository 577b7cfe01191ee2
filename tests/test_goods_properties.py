"""Properties of the goods model on random small scenarios: every lot accounted for,
spoilage dated exactly, and no room, store, vehicle or fleet over its capacity."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import api
from sim.freight.life import DELIVERED, SPOILED

from .scenarios import goods, materialised, scenarios

SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])


@st.composite
def goods_scenarios(draw) -> tuple[dict, list[str]]:
    raw, rows = draw(scenarios())
    counties = sorted({row.split(",")[4] for row in rows if ",park," in row})
    raw.update(draw(goods(counties)))
    return raw, rows


@SETTINGS
@given(goods_scenarios())
def test_goods_are_conserved_dated_and_within_capacity(case):
    raw, rows = case
    with materialised(raw, rows) as scenario:
        result = api.run(scenario)
    out = result.output.goods
    life, lots = out.life, out.lots
    assert len(lots) == int((life.fate != 0).sum()) + out.in_network
    spoiled, delivered = life.fate == SPOILED, life.fate == DELIVERED
    # a spoiled lot used its whole life, at the moment recorded; a delivered one no more
    np.testing.assert_allclose(np.minimum(life.used[spoiled], 1.0), 1.0, atol=1e-9)
    assert (life.used[delivered] <= 1.0 + 1e-9).all()
    done = spoiled | delivered
    assert (life.ended[done] >= lots.created[done] - 1e-9).all()
    assert (life.ended[done] <= result.output.end_h + 1e-9).all()
    assert (life.ambient_h <= np.where(done, life.ended, result.output.end_h)
            - lots.created + 1e-6).all()
    for store, hub in zip(out.stores, out.plan.hubs, strict=True):
        capacity = hub.cold_storage_pallets if hub.role == "cold_chain_base" else np.inf
        assert store.occupancy.stats(0, result.output.end_h)[0] <= capacity + 1e-9
    for room in out.rooms.values():
        assert room.occupancy.stats(0, result.output.end_h)[0] <= room.capacity + 1e-9
    for runner in out.fleets:
        assert runner.out.stats(0, result.output.end_h)[0] <= runner.plan.spec.vehicles
    trips = out.trips
    for runner in out.fleets:
        mine = trips[trips["fleet"] == runner.plan.name]
        most = runner.plan.spec.capacity_pallets + 1e-9
        assert (mine["pallets_out"] <= most).all() and (mine["pallets_back"] <= most).all()

"""The goods model's parts on their own: shelf life, pre-cooling rooms, stores, occupancy,
and the scenario features they brought (extends, named list items, YAML merges)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.freight.life import DELIVERED, SPOILED, ShelfLife
from sim.freight.lots import Lots
from sim.freight.occupancy import Occupancy
from sim.freight.rooms import ColdRoom
from sim.freight.store import HERE, HubStore
from sim.scenario import load_scenario
from sim.scenario.goods import Product
from sim.scenario.inherit import merge
from sim.scenario.overrides import apply_overrides
from sim.scenario.yamlio import parse_yaml_text

from .conftest import CONFIGS


def product(ambient: float | None, cold: float | None) -> Product:
    return Product(name="p", unit="kg", units_per_pallet=100, kg_per_unit=1, chain="chilled",
                   shelf_life_ambient_h=ambient, shelf_life_cold_h=cold, flow="up",
                   counties=["C"], per_day=1)


def lots(created: list[float], pallets: list[float] | None = None) -> Lots:
    n = len(created)
    return Lots(product=np.zeros(n, dtype=np.int16), created=np.array(created, dtype=float),
                origin=np.zeros(n, dtype=np.int32), destination=np.ones(n, dtype=np.int32),
                hub=np.zeros(n, dtype=np.int32),
                pallets=np.array(pallets or [1.0] * n, dtype=float))


def test_shelf_life_is_spent_at_the_ambient_then_the_cold_rate():
    life = ShelfLife(lots([0.0]), [product(ambient=20, cold=100)])
    ids = np.array([0])
    life.move(ids, 10.0, cold=True)  # 10 h out: half the life gone
    assert life.used[0] == pytest.approx(0.5)
    assert life.expiry(ids)[0] == pytest.approx(10 + 50)  # the other half at 1/100 per h
    assert len(life.cull(ids, 59.0)) == 1
    assert len(life.cull(ids, 61.0)) == 0
    assert life.fate[0] == SPOILED and life.ended[0] == pytest.approx(60.0)
    assert life.ambient_h[0] == pytest.approx(10.0)


def test_no_life_limit_never_spoils_and_zero_ambient_life_spoils_at_once():
    never = ShelfLife(lots([0.0]), [product(ambient=None, cold=None)])
    assert never.expiry(np.array([0]))[0] == np.inf
    assert never.deliver(np.array([0]), 1e6) == 1 and never.fate[0] == DELIVERED
    fragile = ShelfLife(lots([5.0]), [product(ambient=0, cold=100)])
    assert fragile.deliver(np.array([0]), 5.0 + 1e-6) == 0
    assert fragile.fate[0] == SPOILED and fragile.ended[0] == 5.0


def test_a_cold_room_lets_lots_in_by_arrival_as_room_frees():
    batch = lots([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    life = ShelfLife(batch, [product(ambient=100, cold=1000)])
    room = ColdRoom(life, batch.pallets, np.arange(3), np.array([1.0, 2.0, 3.0]), capacity=2,
                    precool_h=2.0)
    assert room.inside_pallets(3.5) == 2.0  # the third waits outside
    assert len(room.take(3.5, most=10)) == 1  # only the first has cooled for 2 h
    # the third lot entered when the first left, at 3.5, and was ambient until then
    assert life.cold[2] and life.ambient_h[2] == pytest.approx(3.5)
    assert list(room.take(10.0, most=1)) == [1]  # oldest first, up to `most`
    assert room.finish(10.0) == 1
    peak, mean = room.occupancy.stats(0.0, 10.0)
    assert peak == 2.0 and mean == pytest.approx((1 * 1 + 2 * 1.5 + 2 * 6.5) / 10)


def test_a_lot_spoiled_outside_the_room_never_takes_its_place():
    batch = lots([0.0, 0.0], [1.0, 1.0])
    life = ShelfLife(batch, [product(ambient=5, cold=1000)])
    room = ColdRoom(life, batch.pallets, np.arange(2), np.array([1.0, 1.0]), capacity=1,
                    precool_h=0.0)
    assert list(room.take(8.0, most=1)) == [0]
    assert life.fate[1] == SPOILED and life.ended[1] == pytest.approx(5.0)
    assert room.finish(8.0) == 0


def test_a_store_books_room_and_its_dock_works_at_its_rate():
    batch = lots([0.0, 0.0, 0.0])
    life = ShelfLife(batch, [product(ambient=None, cold=None)])
    store = HubStore(life, batch.pallets, handling_per_h=2.0, capacity=3.0, cold=True)
    store.book(2.0)
    assert store.room() == 1.0
    store.handle_in(np.array([0, 1]), 10.0, np.array(["out", HERE], dtype=object), booked=2.0)
    assert life.fate[1] == DELIVERED and life.ended[1] == pytest.approx(11.0)
    assert store.ready_pallets("out", 10.2) == 0.0 and store.ready_pallets("out", 10.5) == 1.0
    assert store.room() == 2.0  # one pallet stored, the other handed over... then gone
    assert list(store.take("out", 11.0, most=5)) == [0]
    assert store.handled_between(0, 24) == 2.0


def test_occupancy_statistics_are_time_weighted():
    level = Occupancy()
    level.add(2.0, 3.0)
    level.add(6.0, -1.0)
    peak, mean = level.stats(0.0, 10.0)
    assert peak == 3.0 and mean == pytest.approx((3 * 4 + 2 * 4) / 10)


def test_extends_merges_sections_and_named_items():
    scenario = load_scenario(CONFIGS / "harvest_peak.yaml")
    config = scenario.config
    assert config.run.start_date.isoformat() == "2026-05-20"
    assert config.fleets.trunk.capacity == 6000  # from kaifeng.yaml
    qi = next(h for h in config.hubs if h.name == "qi_base")
    assert qi.fleets.collect.vehicles == 18 and qi.fleets.collect.capacity_pallets == 8
    assert qi.fleets.collect.departures  # merged over kaifeng.yaml's collect reefer
    assert len(config.hubs) == 5 and len(config.products) == 7
    assert merge({"a": [1, 2], "b": {"c": 1}}, {"a": [3], "b": {"d": 2}}) == {
        "a": [3], "b": {"c": 1, "d": 2}}


def test_extends_refuses_a_loop(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="in a loop"):
        load_scenario(tmp_path / "a.yaml")


def test_overrides_reach_list_items_by_name():
    raw = {"hubs": [{"name": "qi_base", "fleets": {"collect": {"vehicles": 1}}}]}
    changed = apply_overrides(raw, ["hubs.qi_base.fleets.collect.vehicles=9"])
    assert changed["hubs"][0]["fleets"]["collect"]["vehicles"] == 9
    with pytest.raises(ScenarioError, match="no item"):
        apply_overrides(raw, ["hubs.nowhere.role=x"])


def test_yaml_merge_keys_may_be_overridden_but_keys_may_not_repeat():
    text = "a: &base {x: 1, y: 2}\nb: {<<: *base, y: 3}\n"
    assert parse_yaml_text(text, "t.yaml")["b"] == {"x": 1, "y": 3}
    with pytest.raises(ScenarioError, match="duplicate key"):
        parse_yaml_text("b: {y: 1, y: 2}\n", "t.yaml")

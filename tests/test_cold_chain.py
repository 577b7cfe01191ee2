"""The cold chain on the harvest-peak scenario: conservation, levers, extremes.

Goods share no vehicle or store with parcels (shown below), so these runs switch parcels off
(`demand.multiplier=0`) and stay short. Comparisons run on the same seeds (common random
numbers: the same harvests) and ask whether the 95% t interval of the paired differences
excludes zero.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import api
from sim.cli import app
from sim.results.goods import lot_tonnes

from .conftest import CONFIGS
from .paired import paired_interval

HARVEST = CONFIGS / "harvest_peak.yaml"
SHORT = ("demand.multiplier=0", "run.days=8", "run.warmup_days=2", "run.drain_days=3")
SEEDS = (1, 2, 3)
COLLECT = ("hubs.qi_base.fleets.collect.vehicles", "hubs.lankao_base.fleets.collect.vehicles")
STORES = ("hubs.qi_base.cold_storage_pallets", "hubs.lankao_base.cold_storage_pallets")


def harvest(*overrides: str, seed: int = 1):
    return api.run(HARVEST, [*SHORT, f"run.seed={seed}", *overrides])


def spoilage(result) -> float:
    """Tonnes spoiled over tonnes made, of the products that need the cold chain."""
    products = result.summary["cold_chain"]["products"].values()
    cold = [p for p in products if p["chain"] != "ambient" and p["flow"] == "up"]
    return sum(p["spoiled_t"] for p in cold) / sum(p["made_t"] for p in cold)


def spoilage_by_seed(*overrides: str) -> list[float]:
    return [spoilage(harvest(*overrides, seed=seed)) for seed in SEEDS]


def setting(names: tuple[str, ...], values: tuple[float, ...]) -> list[str]:
    return [f"{name}={value}" for name, value in zip(names, values, strict=True)]


@pytest.fixture(scope="module")
def baseline() -> list[float]:
    return spoilage_by_seed()


def test_harvest_peak_conserves_goods():
    result = harvest()
    chain = result.summary["cold_chain"]
    lots = result.lots()
    fates = lots["fate"].value_counts()
    assert chain["lots"]["conserved"]
    assert chain["lots"]["made"] == len(lots) > 10_000
    assert chain["lots"]["made"] == (chain["lots"]["delivered"] + chain["lots"]["spoiled"]
                                     + chain["lots"]["in_network"])
    assert fates.get("delivered", 0) == chain["lots"]["delivered"]
    assert fates.get("spoiled", 0) == chain["lots"]["spoiled"]
    for name, block in chain["products"].items():  # by weight too, product by product
        assert block["made_t"] == pytest.approx(
            block["delivered_t"] + block["spoiled_t"] + block["in_network_t"], rel=1e-9), name
    assert chain["products"]["garlic"]["made_t"] > 1000  # in season: it is the peak


def test_fewer_collection_reefers_spoil_more(baseline):
    fewer = spoilage_by_seed(*setting(COLLECT, (8, 4)))
    low, _ = paired_interval(baseline, fewer)
    assert low > 0.01


def test_more_collection_reefers_spoil_less(baseline):
    more = spoilage_by_seed(*setting(COLLECT, (30, 16)))
    _, high = paired_interval(baseline, more)
    assert high < 0 and max(more) < min(baseline)


def test_less_cold_storage_spoils_more(baseline):
    tight = spoilage_by_seed(*setting(STORES, (40, 30)))
    low, _ = paired_interval(baseline, tight)
    assert low > 0.01


def test_more_cold_storage_spoils_less_where_storage_binds():
    tight = spoilage_by_seed(*setting(STORES, (40, 30)))
    roomier = spoilage_by_seed(*setting(STORES, (200, 150)))
    _, high = paired_interval(tight, roomier)
    assert high < 0


def test_full_cold_storage_holds_goods_back_upstream():
    result = harvest(*setting(STORES, (40, 30)))
    chain = result.summary["cold_chain"]
    assert chain["hubs"]["qi_base"]["cold_storage"]["peak"] <= 40 + 1e-9
    assert chain["precooling"]["full_rooms"] > 0  # the rooms upstream filled instead
    lots = result.lots()
    garlic = lots[lots["product"] == "garlic"]
    assert garlic["out_of_refrigeration_h"].median() > 6.0  # waiting outside, ageing


def test_no_ambient_life_and_no_reefers_spoils_everything():
    result = harvest("products.mushroom.shelf_life_ambient_h=0",
                     *setting(COLLECT, (0, 0)), "hubs.qi_base.fleets.line_haul.vehicles=0")
    mushroom = result.summary["cold_chain"]["products"]["mushroom"]
    assert mushroom["made_t"] > 0
    assert mushroom["spoilage_rate"] == 1.0
    assert mushroom["spoiled_t"] == mushroom["made_t"] and mushroom["delivered_t"] == 0


def test_ample_reefers_and_storage_spoil_nothing():
    ample = [*setting(COLLECT, (60, 40)), *setting(STORES, (100_000, 100_000)),
             "precooling.pallets=500", "hubs.qi_base.fleets.line_haul.vehicles=40",
             "hubs.lankao_base.fleets.line_haul.vehicles=30"]
    result = harvest(*ample)
    chain = result.summary["cold_chain"]
    assert chain["lots"]["spoiled"] == 0 and chain["lots"]["in_network"] == 0
    assert chain["lots"]["delivered"] == chain["lots"]["made"]
    assert chain["products"]["mushroom"]["out_of_refrigeration_h"]["p95"] < 1.0


def test_a_lot_spoils_exactly_when_its_budget_runs_out():
    """A mushroom (36 h ambient, 144 h cold) that waits outside: the lots table's record of
    hours out of refrigeration and shelf life used agrees with the rule a/A + c/C."""
    result = harvest(*setting(STORES, (40, 30)))
    lots = result.lots()
    mushrooms = lots[lots["product"] == "mushroom"]
    spoiled = mushrooms[mushrooms["fate"] == "spoiled"]
    assert len(spoiled)
    age = spoiled["ended_h"] - spoiled["created_h"]
    cold = age - spoiled["out_of_refrigeration_h"]
    used = spoiled["out_of_refrigeration_h"] / 36 + cold / 144
    np.testing.assert_allclose(used, 1.0, atol=1e-9)
    delivered = mushrooms[mushrooms["fate"] == "delivered"]
    age = delivered["ended_h"] - delivered["created_h"]
    used = delivered["out_of_refrigeration_h"] / 36 + (age - delivered[
        "out_of_refrigeration_h"]) / 144
    assert (used <= 1.0 + 1e-9).all()


def test_goods_share_nothing_with_parcels():
    days = ("run.days=3", "run.warmup_days=1", "run.drain_days=1")
    without = api.run(HARVEST, ["demand.multiplier=0", *days]).summary["cold_chain"]
    with_parcels = api.run(HARVEST, ["demand.multiplier=1", *days]).summary["cold_chain"]
    assert without == with_parcels


def test_tonnes_per_day_and_cost_per_tonne_add_up():
    result = harvest()
    chain = result.summary["cold_chain"]
    lots = result.lots()
    measured = lots[(lots["created_h"] >= 48) & (lots["created_h"] < 8 * 24)]
    delivered_t = measured.loc[measured["fate"] == "delivered", "tonnes"].sum()
    assert chain["tonnes_per_day"] == pytest.approx(delivered_t / 6)
    cost = chain["cost"]
    assert cost["total"] == pytest.approx(cost["vehicles"] + cost["handling"] + cost["storage"])
    assert cost["per_tonne"] == pytest.approx(cost["total"] / delivered_t)
    assert chain["reefer_km"] > 0 and chain["truck_km"] > 0
    assert lots["tonnes"].sum() == pytest.approx(lot_tonnes(result.output.goods).sum())


def test_sim_run_reports_cold_chain_kpis(tmp_path):
    from typer.testing import CliRunner

    out = tmp_path / "out"
    args = ["run", str(HARVEST), "--out", str(out), "--no-parcels"]
    for override in ("demand.multiplier=0", "run.days=3", "run.warmup_days=1",
                     "run.drain_days=1"):
        args += ["--set", override]
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    assert "Goods by product" in outcome.output and "Reefers and trucks" in outcome.output
    summary = json.loads((out / "summary.json").read_text())
    chain = summary["cold_chain"]
    for key in ("products", "hubs", "precooling", "fleets", "reefer_km", "tonnes_per_day",
                "cost"):
        assert key in chain
    mushroom = chain["products"]["mushroom"]
    for key in ("spoilage_rate", "by_county", "out_of_refrigeration_h", "tonnes_per_day"):
        assert key in mushroom
    assert set(mushroom["by_county"]) == {"杞县", "兰考县"}
    assert {"utilisation", "peak"} <= set(chain["hubs"]["qi_base"]["cold_storage"])
    assert {"utilisation", "peak_out", "km"} <= set(chain["fleets"]["collect:qi_base"])
    lots = pd.read_parquet(out / "lots.parquet")
    assert len(lots) == chain["lots"]["made"]
    assert len(pd.read_parquet(out / "freight_trips.parquet")) > 0


def test_freight_waits_half_the_departure_interval():
    """Freight made uniformly over the day at the land port, with trucks to spare, waits on
    average half the 6 hours between departures (4 a day), then loads and drives: its mean
    lead time is T/2 + stop_h + the leg to the gateway, inside a 99% t interval."""
    spare = ("hubs.land_port.fleets.line_haul.vehicles=100",
             "hubs.land_port.fleets.line_haul.capacity_pallets=10000")
    result = harvest(*spare)
    goods = result.output.goods
    fleet = next(f for f in goods.plan.fleets if f.name == "line_haul:land_port")
    assert fleet.spec.departures == [4.0, 10.0, 16.0, 22.0]
    expected = 3.0 + fleet.spec.stop_h + fleet.zones[0].leg_hours[0]
    lots = result.lots()
    mine = lots[(lots["product"] == "outbound_freight") & (lots["origin"] == "land_port")
                & (lots["fate"] == "delivered")]
    lead = (mine["ended_h"] - mine["created_h"]).to_numpy()
    assert len(lead) > 1000
    low, high = stats.t.interval(0.99, len(lead) - 1, loc=lead.mean(), scale=stats.sem(lead))
    assert low <= expected <= high


def test_a_product_made_per_township_starts_at_its_station():
    result = harvest("products.melon.per=township", "products.melon.per_day=400",
                     "run.days=4", "run.warmup_days=1")
    lots = result.lots()
    melons = lots[lots["product"] == "melon"]
    nodes = result.output.scenario.nodes.set_index("id")["kind"]
    assert len(melons) and set(nodes[melons["origin"].astype(str).unique()]) == {"station"}
    # made at the station's own cold room: no first mile out of refrigeration
    first = melons[melons["fate"] == "delivered"]
    assert first["out_of_refrigeration_h"].min() == 0.0
